/**
 * `toNodeHandler` on real sockets: `authorize` runs before the body is read, so
 * unauthenticated clients that announce 50 MB and stall are answered 401 at once
 * and hold no memory; a whole unauthenticated 50 MB body is answered 401 without
 * being read; slow bodies time out (408); TRACE is a 405 like any wrong method;
 * S3 refusing connections is a 502 that says S3 could not be reached.
 */
import { createServer, request as httpRequest } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { connect } from "node:net";
import type { AddressInfo, Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { afterAll, describe, expect, it } from "vitest";

import { createSigner, handleS3Edge, toNodeHandler } from "../../src/server.js";
import type { HandlerOptions, SignerError, SignerOptions } from "../../src/server.js";

const MiB = 1024 * 1024;
const SECRET = "integration-secret-0123456789abcdefghij";
const servers: Server[] = [];

function signerFor(overrides: Partial<SignerOptions> = {}) {
  return createSigner({
    s3: {
      region: "us-east-1",
      endpoint: "http://127.0.0.1:9",
      forcePathStyle: true,
      credentials: { accessKeyId: "AK", secretAccessKey: "SK" },
      maxAttempts: 1,
    },
    bucket: "body-bucket",
    tokenSecret: SECRET,
    authorize: (request) => (request.headers.get("x-user") ? { id: request.headers.get("x-user")! } : null),
    ...overrides,
  });
}

/** Mount a signer on a fresh node:http server; `onSocketClose` sees each request's socket bytes read. */
async function mount(
  options: HandlerOptions = {},
  signerOptions: Partial<SignerOptions> = {},
  onSocketClose?: (bytesRead: number) => void,
): Promise<{ port: number; url: string }> {
  const handler = toNodeHandler(handleS3Edge(signerFor(signerOptions), options));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (onSocketClose !== undefined) req.socket.once("close", () => onSocketClose(req.socket.bytesRead));
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { port, url: `http://127.0.0.1:${port}/api/s3edge` };
}

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Open a raw connection, send a POST announcing `announced` bytes and `sent` bytes of it, and resolve with the status line. */
function stalledPost(
  port: number,
  announced: number,
  sent: number,
  chunk: Buffer,
): { socket: Socket; status: Promise<string> } {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => undefined);
  const status = new Promise<string>((resolve) => {
    let text = "";
    socket.on("data", (data: Buffer) => {
      text += data.toString("latin1");
      const line = text.indexOf("\r\n");
      if (line !== -1) resolve(text.slice(0, line));
    });
    socket.on("close", () => resolve(text === "" ? "<closed>" : text.split("\r\n")[0]!));
  });
  socket.write(
    `POST /api/s3edge HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${announced}\r\n\r\n`,
  );
  for (let n = 0; n < sent; n += chunk.byteLength) socket.write(chunk);
  return { socket, status };
}

// Measure what is retained, not garbage waiting for a collection.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapAndBuffers(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe("authorize before the body", () => {
  it("answers 100 unauthenticated connections announcing 50 MB and stalling with 401 at once, without growing memory", async () => {
    const { port } = await mount();
    const chunk = Buffer.alloc(64 * 1024, 0x7b); // one buffer, written again and again: the clients add no memory
    const before = heapAndBuffers();
    const clients = Array.from({ length: 100 }, () => stalledPost(port, 50 * MiB, 1.5 * MiB, chunk));
    const statuses = await Promise.all(clients.map((c) => c.status));
    const grown = heapAndBuffers() - before;
    for (const c of clients) c.socket.destroy();
    expect(statuses.filter((s) => s !== "HTTP/1.1 401 Unauthorized")).toEqual([]);
    // Before the fix the server buffered what each client sent: ~150 MiB for these 100. Without
    // buffering, what remains is data in flight on the 100 sockets at the moment of measuring:
    // 2-20 MiB, more on a loaded machine (20.3 MiB seen in a CI run). A third of the buggy figure
    // keeps the two cases apart.
    expect(grown, `retained ${(grown / MiB).toFixed(1)} MiB`).toBeLessThan(48 * MiB);
  });

  it("answers a whole unauthenticated 50 MB body 401 without reading it", async () => {
    let serverRead = -1;
    const { port } = await mount({}, {}, (bytes) => (serverRead = bytes));
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: "127.0.0.1",
        port,
        path: "/api/s3edge",
        method: "POST",
        headers: { "content-type": "application/json", "content-length": 50 * MiB },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      let written = 0;
      const pump = (): void => {
        while (written < 50 * MiB) {
          written += chunk.byteLength;
          if (!req.write(chunk)) {
            req.once("drain", pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(401);
    await expect.poll(() => serverRead).toBeGreaterThanOrEqual(0);
    // The socket read the headers, 64 KiB, and what it discarded while closing (about 1 MiB): not 50 MB.
    expect(serverRead).toBeLessThan(2 * MiB);
  });

  it("still serves keep-alive connections whose bodies were read", async () => {
    const { url } = await mount();
    const body = JSON.stringify({ v: 1, op: "create", filename: "a.txt", contentType: "text/plain", size: 3 });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user": "alice" },
        body,
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { mode: string }).mode).toBe("single");
    }
  });
});

describe("slow and odd requests", () => {
  it("answers 408 to an authorized client whose body stalls past bodyTimeoutMs", async () => {
    const errors: SignerError[] = [];
    const { port } = await mount({ bodyTimeoutMs: 200, onError: (error) => errors.push(error) });
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    const answer = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
      socket.on("close", () => resolve(text));
    });
    socket.write(
      `POST /api/s3edge HTTP/1.1\r\nhost: x\r\nx-user: alice\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"v":1,`,
    );
    const text = await answer;
    expect(text.split("\r\n")[0]).toBe("HTTP/1.1 408 Request Timeout");
    expect(text).toContain('"message":"request body not received within 200 ms"');
    expect(errors.map((e) => e.status)).toEqual([408]);
  });

  it("answers TRACE with 405 (not 500) and reports it to onError", async () => {
    const seen: Array<[string, number]> = [];
    const { port } = await mount({ onError: (error) => seen.push([error.code, error.status]) });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: "/api/s3edge", method: "TRACE" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(405);
    expect(seen).toEqual([["MethodNotAllowed", 405]]);
  });

  it("answers 502 'S3 could not be reached' when S3 refuses connections", async () => {
    const errors: SignerError[] = [];
    const { url } = await mount({ onError: (error) => errors.push(error) });
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-user": "alice" },
      body: JSON.stringify({
        v: 1,
        op: "create",
        filename: "big.bin",
        contentType: "application/octet-stream",
        size: 20 * MiB,
      }),
    });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({
      error: { code: "InternalError", message: "S3 could not be reached (ECONNREFUSED)" },
    });
    expect(errors[0]?.cause).toMatchObject({ code: "ECONNREFUSED" });
  });
});
