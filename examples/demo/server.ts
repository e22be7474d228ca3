/**
 * The demo app's server: what an application using s3edge looks like, on one machine.
 *
 * - S3: s3rver behind the test fixture's verifying front, 150 ms away (latency proxy).
 * - CDN: an nginx caching reverse proxy in front of it, 20 ms away, with switchable
 *   faults (`POST /api/cdn-mode?mode=…`: refused, DNS failure, 503, 503 with a
 *   placeholder image, hang, slow, flapping).
 * - App: the signing endpoint of `s3edge/server` at /api/s3edge, the bucket listing
 *   at /api/objects, and the React page (built by `npm run demo` into DEMO_APP_DIR).
 *
 * Run with `npm run demo`; PORT (default 3000) picks the app's port.
 */
import { createServer } from "node:http";
import { join } from "node:path";
import { demoRoutes } from "./server/routes.js";
import { seedBucket } from "./server/seed.js";
import { startStack } from "./server/stack.js";

const root = join(import.meta.dirname, "..", "..");
const appDir = process.env["DEMO_APP_DIR"] ?? join(root, ".tmp", "demo", "app");
const stack = await startStack("demo-uploads");
await seedBucket(stack.s3.s3Client(), stack.s3.bucket);
const handle = demoRoutes(stack, { app: appDir });

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500).end("internal error");
  });
});
const port = Number(process.env["PORT"] ?? 3000);
server.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EADDRINUSE") throw error;
  server.listen(0, "127.0.0.1");
});
server.on("listening", () => {
  const address = server.address();
  const app = typeof address === "object" && address ? `http://127.0.0.1:${address.port}` : String(address);
  const startedAt = Number(process.env["DEMO_STARTED_AT"] ?? Number.NaN);
  const took = Number.isFinite(startedAt) ? `, ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s` : "";
  console.log(
    `\ns3edge demo: ${app}\n  (CDN ${stack.rtt.cdnMs} ms away, S3 ${stack.rtt.s3Ms} ms away${took}; Ctrl+C stops everything)`,
  );
  process.send?.({ url: app });
});
server.listen(port, "127.0.0.1");

let stopping = false;
const shutdown = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 5_000).unref();
  server.closeAllConnections();
  server.close();
  await stack.close();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
process.on("disconnect", () => void shutdown());
