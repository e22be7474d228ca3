import { createHash, randomBytes } from "node:crypto";
import { Agent, request, createServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLatencyProxy, type LatencyProxy } from "../support/latency-proxy.js";

/** Origin: POST answers the SHA-256 of the body it got and `x-reply` random bytes, each with their hash in a header. */
async function startOrigin(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const hash = createHash("sha256");
    req.on("data", (chunk: Buffer) => hash.update(chunk));
    req.on("end", () => {
      const reply = randomBytes(Number(req.headers["x-reply"] ?? 0));
      res.writeHead(200, {
        "x-body-sha256": hash.digest("hex"),
        "x-reply-sha256": createHash("sha256").update(reply).digest("hex"),
        "content-length": reply.byteLength,
      });
      res.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { server, port: address.port };
}

interface Answer {
  ms: number;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One POST through `port`; `agent: false` opens a fresh connection. */
function post(port: number, body: Buffer, replyBytes: number, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/",
        agent,
        headers: { "x-reply": String(replyBytes), "content-length": body.byteLength },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            ms: performance.now() - started,
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

describe("latency proxy", () => {
  let origin: { server: Server; port: number };
  const proxies: LatencyProxy[] = [];
  const proxy = async (rttMs: number, target = `127.0.0.1:${origin.port}`): Promise<LatencyProxy> => {
    const started = await startLatencyProxy({ target, rttMs });
    proxies.push(started);
    return started;
  };

  beforeAll(async () => {
    origin = await startOrigin();
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await new Promise<void>((resolve) => origin.server.close(() => resolve()));
  });

  it("carries a request body and a response body byte for byte in both directions", async () => {
    const through = await proxy(10);
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const answer = await post(through.port, body, 2 * 1024 * 1024 + 5);
    expect(answer.status).toBe(200);
    expect(answer.headers["x-body-sha256"]).toBe(sha256(body));
    expect(answer.body.byteLength).toBe(2 * 1024 * 1024 + 5);
    expect(sha256(answer.body)).toBe(answer.headers["x-reply-sha256"]);
  });

  it("adds two round trips to a request on a fresh connection, and the time grows with the rtt", async () => {
    const near = await proxy(20);
    const far = await proxy(200);
    const small = Buffer.from("ping");
    const nearAnswer = await post(near.port, small, 10);
    const farAnswer = await post(far.port, small, 10);
    // Handshake (1 rtt) + request (1/2) + response (1/2); timers never fire early.
    expect(farAnswer.ms).toBeGreaterThanOrEqual(2 * 200 - 2);
    expect(nearAnswer.ms).toBeGreaterThanOrEqual(2 * 20 - 2);
    expect(farAnswer.ms).toBeGreaterThan(nearAnswer.ms);
    // Generous bound: only catches a proxy that holds data far too long.
    expect(farAnswer.ms).toBeLessThan(5_000);
  });

  it("charges one round trip per request on a kept-alive connection", async () => {
    const far = await proxy(150);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await post(far.port, Buffer.from("a"), 1, agent);
      const second = await post(far.port, Buffer.from("b"), 1, agent);
      expect(far.connections()).toBe(1);
      expect(first.ms).toBeGreaterThanOrEqual(2 * 150 - 2);
      expect(second.ms).toBeGreaterThanOrEqual(150 - 2);
    } finally {
      agent.destroy();
    }
  });

  it("resets the client's connection one round trip after connecting when the target refuses", async () => {
    // A port that was just freed: nothing listens there.
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const address = closed.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const refusing = await proxy(100, `127.0.0.1:${address.port}`);
    const started = performance.now();
    const error = await post(refusing.port, Buffer.from("x"), 1).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    const ms = performance.now() - started;
    expect(error?.code).toMatch(/ECONNRESET|EPIPE/);
    expect(ms).toBeGreaterThanOrEqual(100 - 2);
    expect(ms).toBeLessThan(5_000);
  });

  it("refuses connections once closed", async () => {
    const gone = await proxy(0);
    await gone.close();
    await expect(post(gone.port, Buffer.from("x"), 1)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("rejects a target that is not host:port", async () => {
    await expect(startLatencyProxy({ target: "127.0.0.1", rttMs: 10 })).rejects.toThrow(/host:port/);
    await expect(startLatencyProxy({ target: "127.0.0.1:80", rttMs: -1 })).rejects.toThrow(/rttMs/);
  });
});
