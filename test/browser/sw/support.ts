/**
 * What the service worker Chromium suite (and its bench row) serves: test objects (a CSS
 * background, a font, a seekable audio track played by a `<video>`, a binary for `fetch()`), the
 * page that loads them from the CDN, the worker script route, and a logging proxy in front of the
 * S3 fixture that records each request's `Range` (the fixture's own log has no headers).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { solidPng } from "../../support/edge.js";
import { REPO_ROOT } from "../../support/browser.js";

/** Colour of the CSS background object (the edge's placeholder is grey, 7x3). */
export const BG_RGB = [20, 160, 90] as const;
/** Seconds of the audio track and where the test seeks to. */
export const TRACK_SECONDS = 1200;
export const SEEK_TO = 1000;

/** A mono 16-bit PCM WAV of `seconds` at 8 kHz: seekable by byte ranges, decodable by Chromium. */
export function wav(seconds: number, rate = 8000): Buffer {
  const samples = seconds * rate;
  const out = Buffer.alloc(44 + samples * 2);
  out.write("RIFF", 0);
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write("WAVEfmt ", 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36);
  out.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++)
    out.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return out;
}

/** Deterministic bytes (a fetch() payload). */
export const payload = (size: number): Buffer =>
  Buffer.from(Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 9)) % 256));

export const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** The test objects: key -> bytes and content type. */
export function swObjects(): Record<string, { body: Buffer; type: string }> {
  return {
    "sw/bg.png": { body: solidPng(64, 48, BG_RGB), type: "image/png" },
    "sw/font.ttf": { body: readFileSync("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"), type: "font/ttf" },
    "sw/tone.wav": { body: wav(TRACK_SECONDS), type: "audio/wav" },
    "sw/data.bin": { body: payload(300_000), type: "application/octet-stream" },
    "sw/big.bin": { body: payload(2_000_000), type: "application/octet-stream" },
  };
}

/** Put the objects into the bucket. */
export async function putSwObjects(client: S3Client, bucket: string): Promise<void> {
  for (const [key, o] of Object.entries(swObjects())) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: o.body, ContentType: o.type }));
  }
}

/** One request the S3 proxy forwarded. */
export interface S3LogEntry {
  method: string;
  path: string;
  range: string | undefined;
  status: number;
}

/** A logging HTTP proxy in front of the S3 fixture (browsers reach S3 through it). */
export async function startS3LogProxy(
  target: string,
): Promise<{ url: string; log: S3LogEntry[]; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const log: S3LogEntry[] = [];
  const server = createServer((req, res) => {
    const upstream = httpRequest(
      {
        host: hostname,
        port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `${hostname}:${port}` },
      },
      (answer) => {
        log.push({
          method: req.method ?? "",
          path: (req.url ?? "").split("?")[0] ?? "",
          range: req.headers.range,
          status: answer.statusCode ?? 0,
        });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A route serving the worker script at the root (scope `/`), from `<root>/dist/` (needs `npm run build`). */
export function workerRoute(root = REPO_ROOT): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.writeHead(200, { "content-type": "text/javascript", "cache-control": "no-store" });
    res.end(readFileSync(join(root, "dist/s3edge-sw.js")));
  };
}

/** What a test page loads and how it registers the worker. */
export interface SwPageOptions {
  cdn: string;
  /** Query string of the worker script (its options); "" registers no worker. */
  worker: string;
  /** Add the `<head>` image script with `autoFallback` and this many images (first-visit test). */
  images?: { count: number; origin: { endpoint: string; bucket: string } };
}

/** The page: CSS background, web font, `<video>`, `fetch()`; it registers the worker. */
export function swPageHtml(o: SwPageOptions): string {
  const head = o.images
    ? `<script src="/dist/s3edge-img.global.js"></script><script>S3Edge.autoFallback(${JSON.stringify({ cdn: o.cdn, origin: o.images.origin, timeoutMs: 1500 })});</script>`
    : "";
  const imgs = o.images
    ? Array.from(
        { length: o.images.count },
        (_, i) => `<img src="${o.cdn}/gallery/k${i}.png" data-w="${40 + i}" width="${40 + i}" height="30">`,
      ).join("")
    : "";
  return `<!doctype html><html><head><meta charset="utf-8"><title>sw</title>${head}
<style>
@font-face { font-family: TestFont; src: url("${o.cdn}/sw/font.ttf"); }
#bg { width: 64px; height: 48px; background-image: url("${o.cdn}/sw/bg.png"); }
#t { font-family: TestFont, serif; font-size: 20px; }
</style></head><body>
<div id="bg"></div><span id="t">MMMMiiii</span>
<video id="v" preload="metadata" src="${o.cdn}/sw/tone.wav"></video>
${imgs}
<script>
window.__loaded = false;
addEventListener("load", () => { window.__loaded = true; });
window.__hash = fetch("${o.cdn}/sw/data.bin").then((r) => r.arrayBuffer()).then((b) => crypto.subtle.digest("SHA-256", b))
  .then((h) => [...new Uint8Array(h)].map((x) => x.toString(16).padStart(2, "0")).join(""), (e) => "error: " + e);
${o.worker === "" ? "" : `navigator.serviceWorker.register("/s3edge-sw.js?${o.worker}");`}
</script></body></html>`;
}

/** Route serving `/sw-page?o=<base64url JSON of SwPageOptions>`. */
export function swPageRoute(req: IncomingMessage, res: ServerResponse): void {
  const encoded = new URL(req.url ?? "/", "http://x").searchParams.get("o") ?? "";
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(swPageHtml(JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")) as SwPageOptions));
}

export const swPagePath = (o: SwPageOptions): string =>
  `/sw-page?o=${Buffer.from(JSON.stringify(o)).toString("base64url")}`;

/** The worker's query string for these options. */
export function workerQuery(o: {
  cdn: string;
  endpoint: string;
  bucket: string;
  timeoutMs?: number;
  cors?: boolean;
  fallbackStatuses?: number[];
}): string {
  const q = new URLSearchParams({
    cdn: o.cdn,
    endpoint: o.endpoint,
    bucket: o.bucket,
    timeoutMs: String(o.timeoutMs ?? 1000),
  });
  if (o.cors) q.set("cors", "1");
  if (o.fallbackStatuses) q.set("fallbackStatuses", o.fallbackStatuses.join(","));
  return q.toString();
}
