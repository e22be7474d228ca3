/**
 * A small HTTP layer in front of the S3 fixture for the browser's requests: it drops a leading
 * `/r<N>` path segment. The page reads S3 under `${endpoint}/r<N>` (an endpoint with a path, as
 * for an S3-compatible service behind a prefix) with a new N each time it loads the images
 * again, so every round really fetches from S3 instead of showing the browser's cache.
 * Everything else (presigned PUTs, headers, bodies, CORS) passes through unchanged.
 */
import { createServer, request, type Server } from "node:http";

const ROUND = /^\/r\d+(?=\/)/;

/** Starts the layer on 127.0.0.1 in front of `target` (`http://host:port`). */
export async function startS3Front(target: string): Promise<{ port: number; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const server: Server = createServer((req, res) => {
    const upstream = request(
      { host: hostname, port, method: req.method, path: (req.url ?? "/").replace(ROUND, ""), headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.on("error", () => upstream.destroy());
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("S3 front has no port");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
