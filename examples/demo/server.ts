/**
 * The demo app: what an application using s3edge looks like, on one machine.
 *
 * - S3: s3rver behind the test fixture's verifying front (embedded, temp dir).
 * - CDN: nginx caching reverse proxy in front of it (`/cdn-mode` switches it to
 *   503 / hanging / stopped, to watch the page fall back to S3).
 * - App: the signing endpoint of `s3edge/server` at /api/s3edge and the page.
 *
 * Run with `npm run demo`; PORT (default 3000) picks the app's port.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { createSigner, handleS3Edge, toNodeHandler } from "../../src/server.js";
import { startEdge, type EdgeMode } from "../../test/support/edge.js";
import { startS3Fixture } from "../../test/support/s3/fixture.js";

const root = join(import.meta.dirname, "..", "..");
const s3 = await startS3Fixture({ bucket: "demo-uploads" });
const edge = await startEdge({ origin: s3.endpoint });
const cdn = `${edge.url}/${s3.bucket}`;

const signer = createSigner({
  s3: { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3.credentials },
  bucket: s3.bucket,
  tokenSecret: "demo-secret-demo-secret-demo-secret!",
  // A real app reads its session here; the demo has one anonymous user.
  authorize: () => ({ id: "demo-user" }),
  limits: { maxSize: 2 * 1024 ** 3, contentTypes: ["image/*", "video/*", "application/pdf", "text/plain"] },
  cdn,
});
const api = toNodeHandler(handleS3Edge(signer));

const MODES: Record<string, EdgeMode> = {
  healthy: "healthy",
  "503": { status: 503 },
  hang: "hang",
  stopped: "stopped",
};

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".map": "application/json" };
async function serveFile(res: ServerResponse, path: string): Promise<void> {
  try {
    const body = await readFile(path);
    res.writeHead(200, { "content-type": TYPES[path.slice(path.lastIndexOf("."))] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404).end("not found");
  }
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://demo.local");
  if (url.pathname === "/api/s3edge") return api(req, res);
  if (url.pathname === "/api/config") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ cdn, origin: { endpoint: s3.endpoint, bucket: s3.bucket, pathStyle: true }, mode: edge.mode() }));
    return;
  }
  if (url.pathname === "/api/cdn-mode" && req.method === "POST") {
    const mode = MODES[url.searchParams.get("mode") ?? ""];
    if (!mode) return void res.writeHead(400).end("unknown mode");
    await edge.setMode(mode);
    res.writeHead(204).end();
    return;
  }
  if (url.pathname === "/") return serveFile(res, join(root, "examples", "demo", "index.html"));
  if (url.pathname === "/s3edge.global.js" || url.pathname === "/s3edge.global.js.map") {
    return serveFile(res, join(root, "dist", url.pathname.slice(1)));
  }
  res.writeHead(404).end("not found");
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500).end("internal error");
  });
});
const port = Number(process.env["PORT"] ?? 3000);
server.on("error", async (error: NodeJS.ErrnoException) => {
  if (error.code !== "EADDRINUSE") throw error;
  console.log(`port ${port} is busy; using a free one`);
  server.listen(0, "127.0.0.1");
});
server.on("listening", () => {
  const address = server.address();
  const app = typeof address === "object" && address ? `http://127.0.0.1:${address.port}` : String(address);
  console.log(`
s3edge demo
  app          ${app}            <- open this
  CDN edge     ${cdn}   (nginx caching proxy)
  S3 origin    ${s3.endpoint}/${s3.bucket}   (s3rver + SigV4 checks)
Break the CDN from the page (503, hang, stop) and watch images keep loading from S3.
Ctrl+C to stop.`);
});
server.listen(port, "127.0.0.1");

const shutdown = async (): Promise<void> => {
  server.closeAllConnections();
  server.close();
  await Promise.allSettled([edge.close(), s3.close()]);
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
