/**
 * The demo server's routes: the signing endpoint, the page's small JSON API
 * (config, bucket listing, CDN mode) and the static files (the Vite build of
 * app/ with the ready-made service worker script beside it, as `npm run demo` builds them).
 */
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createSigner, handleS3Edge, toNodeHandler } from "../../../src/server.js";
import { isDemoMode } from "./modes.js";
import { SW_KEYS } from "./seed.js";
import type { Stack } from "./stack.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** The signer's limits; the page's drop zone checks the same before uploading. */
const LIMITS = {
  maxSize: 2 * 1024 ** 3,
  contentTypes: ["image/*", "video/*", "audio/*", "application/pdf", "text/plain"],
};

/** One object of the bucket, as `GET /api/objects` lists it. */
export interface ListedObject {
  key: string;
  size: number;
  lastModified: number;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function serveFile(res: ServerResponse, path: string, cache: string): Promise<void> {
  try {
    const body = await readFile(path);
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream", "cache-control": cache });
    res.end(body);
  } catch {
    res.writeHead(404).end("not found");
  }
}

/** The request handler of the demo server. */
export function demoRoutes(
  stack: Stack,
  dirs: { app: string },
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { s3 } = stack;
  const signer = createSigner({
    // Presigned URLs name the browser-facing endpoint: uploads cross the S3 latency proxy too.
    s3: { endpoint: stack.s3Endpoint, region: s3.region, forcePathStyle: true, credentials: s3.credentials },
    bucket: s3.bucket,
    tokenSecret: "demo-secret-demo-secret-demo-secret!",
    // A real app reads its session here; the demo has one anonymous user.
    authorize: () => ({ id: "demo-user" }),
    limits: LIMITS,
    cdn: stack.cdn,
  });
  const api = toNodeHandler(handleS3Edge(signer));
  const client = s3.s3Client();

  const config = () => ({
    mode: stack.mode(),
    cdn: stack.mode() === "dns" ? stack.cdnUnresolvable : stack.cdn,
    origin: { endpoint: stack.s3Endpoint, bucket: s3.bucket, pathStyle: true },
    rtt: stack.rtt,
    swKeys: SW_KEYS,
    limits: LIMITS,
  });

  async function listObjects(): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.startsWith("sw/")) continue;
        out.push({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => b.lastModified - a.lastModified || a.key.localeCompare(b.key));
  }

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://demo.local");
    const path = url.pathname;
    if (path === "/api/s3edge") return api(req, res);
    if (path === "/api/config") return json(res, 200, config());
    if (path === "/api/objects") return json(res, 200, await listObjects());
    if (path === "/api/cdn-mode" && req.method === "POST") {
      const mode = url.searchParams.get("mode") ?? "";
      if (!isDemoMode(mode)) return json(res, 400, { error: `unknown mode ${JSON.stringify(mode)}` });
      await stack.setMode(mode);
      return json(res, 200, config());
    }
    // Static files; /s3edge-sw.js is the worker, served from the page's origin (scope "/").
    const file = normalize(join(dirs.app, path === "/" ? "index.html" : path));
    if (!file.startsWith(dirs.app)) return void res.writeHead(404).end("not found");
    return serveFile(res, file, path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  };
}
