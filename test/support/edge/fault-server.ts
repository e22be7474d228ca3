/**
 * The upstream of the edge's richer fault modes, a node:http server on 127.0.0.1 that nginx
 * proxies to (so every request still passes through nginx and lands in its access log). nginx
 * tells it what to do with an `X-Edge-Fault` request header:
 * - `placeholder=<status>`: answer that status with a valid PNG body (a CDN's "unavailable"
 *   picture: browsers render it and fire `load`);
 * - `delay=<ms>`: wait, then proxy the request to the origin (a slow CDN that answers late);
 * - `flap=<ms>`: in alternate windows of `<ms>` (wall clock) answer 503 with an HTML body,
 *   else proxy to the origin (a CDN that comes and goes).
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { deflateSync } from "node:zlib";

/** A running fault server. */
export interface FaultServer {
  port: number;
  close(): Promise<void>;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A solid-colour RGB PNG of `width` x `height` pixels. */
export function solidPng(width: number, height: number, rgb: readonly [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The edge's placeholder picture: 7 x 3 grey pixels, unlike any test object. */
export const PLACEHOLDER_SIZE = { width: 7, height: 3 } as const;
export const PLACEHOLDER_PNG = solidPng(PLACEHOLDER_SIZE.width, PLACEHOLDER_SIZE.height, [128, 128, 128]);

function proxy(req: IncomingMessage, res: ServerResponse, origin: { host: string; port: number }): void {
  const headers: Record<string, string | string[] | undefined> = {
    ...req.headers,
    host: `${origin.host}:${origin.port}`,
  };
  delete headers["x-edge-fault"];
  const upstream = request(
    { host: origin.host, port: origin.port, method: req.method, path: req.url, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  req.pipe(upstream);
}

/** Starts the fault server in front of `origin` (`host:port`). */
export async function startFaultServer(originHostPort: string): Promise<FaultServer> {
  const [host = "127.0.0.1", port = "80"] = originHostPort.split(":");
  const origin = { host, port: Number(port) };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const [kind, value] = String(req.headers["x-edge-fault"] ?? "").split("=");
    const n = Number(value);
    if (kind === "placeholder") {
      res.writeHead(n, {
        "content-type": "image/png",
        "content-length": PLACEHOLDER_PNG.length,
        "cache-control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : PLACEHOLDER_PNG);
    } else if (kind === "delay") {
      const timer = setTimeout(() => {
        timers.delete(timer);
        proxy(req, res, origin);
      }, n);
      timers.add(timer);
      res.on("close", () => clearTimeout(timer));
    } else if (kind === "flap" && Math.floor(Date.now() / n) % 2 === 1) {
      res
        .writeHead(503, { "content-type": "text/html" })
        .end("<html><body><h1>503</h1><p>s3edge test edge (flapping)</p></body></html>");
    } else {
      proxy(req, res, origin);
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fault server has no port");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
