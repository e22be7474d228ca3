/**
 * A loopback HTTP server for browser test pages: files under a root (never outside it), pages
 * given as strings, and extra route handlers (e.g. a signing endpoint).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** A running static server. */
export interface StaticServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
  /** Answers requests whose pathname is exactly `path` (any method) with `handler`; routes win over pages and files. */
  route(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): void;
}

/** Options of {@link startStaticServer}. */
export interface StaticServerOptions {
  /** Folder served at `/` (default: the repository root). */
  root?: string;
  /** Pages served as given, by pathname (e.g. `{ "/upload.html": "<!doctype html>..." }`), as text/html. */
  pages?: Record<string, string>;
}

/** The repository root (this file is test/support/browser/static-server.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};

/** Content type for a file name, by extension (application/octet-stream when unknown). */
export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

/**
 * The file a pathname names under root, or undefined when it escapes root (`..`, encoded or
 * not, absolute paths, NUL bytes) or cannot be decoded.
 */
export function resolveUnderRoot(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const base = resolve(root);
  const file = resolve(join(base, decoded));
  return file === base || file.startsWith(base + sep) ? file : undefined;
}

async function serveFile(root: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed");
  let file = resolveUnderRoot(root, pathname);
  if (file === undefined) return send(res, 403, "forbidden: path escapes the served root");
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    file = join(file, "index.html");
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) return send(res, 404, "not found");
  res.writeHead(200, {
    "content-type": contentTypeFor(file),
    "content-length": info.size,
    "cache-control": "no-store",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  createReadStream(file)
    .on("error", () => res.destroy())
    .pipe(res);
}

/** Starts the server on an ephemeral 127.0.0.1 port. */
export async function startStaticServer(options: StaticServerOptions = {}): Promise<StaticServer> {
  const root = resolve(options.root ?? REPO_ROOT);
  const pages = new Map(Object.entries(options.pages ?? {}));
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://static.invalid").pathname;
    const handler = routes.get(pathname);
    if (handler) {
      try {
        handler(req, res);
      } catch (error) {
        if (!res.headersSent) send(res, 500, `route ${pathname} threw: ${(error as Error).message}`);
        else res.destroy();
      }
      return;
    }
    const page = pages.get(pathname);
    if (page !== undefined) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : page);
      return;
    }
    serveFile(root, pathname, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, "internal error");
      else res.destroy();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolveListen());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("static server has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    route: (path, handler) => void routes.set(path, handler),
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
