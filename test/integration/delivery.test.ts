/**
 * Delivery against real parts: the nginx edge (test/support/edge.ts) in front of the S3 fixture,
 * switched through its fault modes. Every case compares the bytes with the object's and checks
 * which host served (response.url and the edge's own request log).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createEdge, presignWith, type EdgeOptions, type FallbackEvent } from "../../src/delivery/index.js";
import { startEdge, type Edge as EdgeFixture } from "../support/edge.js";
import { startApp, type TestApp } from "../support/app.js";
import "../support/s3/types.js";
import { fixtureClient } from "../support/s3/client.js";

const s3 = inject("s3");
const prefix = `delivery-${randomUUID()}`;
let client: S3Client;
let fixture: EdgeFixture;
let cdnBase: string;

beforeAll(async () => {
  client = fixtureClient(s3);
  fixture = await startEdge({ origin: s3.endpoint });
  cdnBase = `${fixture.url}/${s3.bucket}`;
});
afterAll(async () => {
  await fixture?.close();
  client?.destroy();
});
afterEach(async () => {
  if (fixture.mode() !== "healthy") await fixture.setMode("healthy");
  await fixture.clearRequests();
});

/** Put a fresh object under a unique key; returns the key and its bytes. */
async function put(name: string, size = 4096): Promise<{ key: string; body: Buffer }> {
  const key = `${prefix}/${name}`;
  const body = randomBytes(size);
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  return { key, body };
}

function edgeFor(options: Partial<EdgeOptions> = {}) {
  const events: FallbackEvent[] = [];
  const edge = createEdge({
    cdn: cdnBase,
    origin: { endpoint: s3.endpoint, bucket: s3.bucket, pathStyle: true },
    ...options,
  });
  edge.on("fallback", (e) => events.push(e));
  return { edge, events };
}

const bytesOf = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer());
const edgeHost = () => new URL(fixture.url).host;
const s3Host = () => new URL(s3.endpoint).host;

describe("delivery through a real nginx edge in front of S3", () => {
  it("serves from the edge when it is healthy (MISS, then HIT), S3 untouched by the client", async () => {
    const { key, body } = await put("healthy.bin");
    const { edge, events } = edgeFor();
    const first = await edge.fetch(key);
    expect(first.url.startsWith(`${cdnBase}/`)).toBe(true);
    expect(first.headers.get("x-cache-status")).toBe("MISS");
    expect((await bytesOf(first)).equals(body)).toBe(true);
    const second = await edge.fetch(key);
    expect(second.headers.get("x-cache-status")).toBe("HIT");
    expect((await bytesOf(second)).equals(body)).toBe(true);
    expect(events).toEqual([]);
  });

  it("reads the bytes from S3 when the edge is stopped (connection refused)", async () => {
    const { key, body } = await put("stopped.bin");
    await fixture.setMode("stopped");
    const { edge, events } = edgeFor();
    const response = await edge.fetch(key);
    expect(response.url.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true);
    expect(response.headers.get("x-cache-status")).toBeNull();
    expect((await bytesOf(response)).equals(body)).toBe(true);
    expect(events.map((e) => [e.from, e.to, e.reason])).toEqual([[edgeHost(), s3Host(), "network"]]);
  });

  it("reads the bytes from S3 when the edge answers 503", async () => {
    const { key, body } = await put("503.bin");
    await fixture.setMode({ status: 503 });
    const { edge, events } = edgeFor();
    const response = await edge.fetch(key);
    expect(new URL(response.url).host).toBe(s3Host());
    expect((await bytesOf(response)).equals(body)).toBe(true);
    expect(events).toEqual([expect.objectContaining({ reason: "status", status: 503 })]);
    expect((await fixture.requests()).map((r) => r.status)).toEqual([503]);
  });

  it("reads the bytes from S3 after timeoutMs when the edge hangs, and the edge sees the request given up", async () => {
    const { key, body } = await put("hang.bin");
    await fixture.setMode("hang");
    const { edge, events } = edgeFor({ timeoutMs: 500 });
    const response = await edge.fetch(key);
    expect(new URL(response.url).host).toBe(s3Host());
    expect((await bytesOf(response)).equals(body)).toBe(true);
    expect(events).toEqual([expect.objectContaining({ reason: "timeout" })]);
    // nginx logs a request the client gave up as 499.
    await vi.waitFor(async () => expect((await fixture.requests()).map((r) => r.status)).toEqual([499]), {
      timeout: 5_000,
    });
  });

  it("with hedgeMs, S3 wins against a hanging edge long before the timeout, and the edge request is aborted", async () => {
    const { key, body } = await put("hedge.bin");
    await fixture.setMode("hang");
    // A 60 s timeout: the response can only arrive in time through the hedge.
    const { edge, events } = edgeFor({ timeoutMs: 60_000, hedgeMs: 100 });
    const response = await edge.fetch(key);
    expect(new URL(response.url).host).toBe(s3Host());
    expect((await bytesOf(response)).equals(body)).toBe(true);
    expect(events).toEqual([expect.objectContaining({ from: edgeHost(), to: s3Host(), reason: "hedge" })]);
    await vi.waitFor(async () => expect((await fixture.requests()).map((r) => r.status)).toEqual([499]), {
      timeout: 5_000,
    });
    expect(edge.health.status(edgeHost()).failures).toBe(0);
  }, 20_000);

  it("returns the edge's 404 by default, and falls back to S3 on it when 404 is opted in", async () => {
    const { key, body } = await put("new-object.bin");
    await fixture.setMode({ status: 404 });
    const plain = await edgeFor().edge.fetch(key);
    expect(plain.status).toBe(404);
    expect(plain.url.startsWith(`${cdnBase}/`)).toBe(true);
    await plain.body?.cancel();

    const { edge, events } = edgeFor({ fallbackStatuses: [403, 404, 500, 502, 503, 504] });
    const response = await edge.fetch(key);
    expect(response.status).toBe(200);
    expect(new URL(response.url).host).toBe(s3Host());
    expect((await bytesOf(response)).equals(body)).toBe(true);
    expect(events).toEqual([expect.objectContaining({ reason: "status", status: 404 })]);
  });

  it("opens the breaker after N failures and goes straight to S3; after the cooldown one probe returns traffic to the edge", async () => {
    const { key, body } = await put("breaker.bin");
    const clock = { t: 0 };
    const recovered: string[] = [];
    const { edge } = edgeFor({
      breaker: { failureThreshold: 2, cooldownMs: 30_000, now: () => clock.t },
    });
    edge.on("recover", (e) => recovered.push(e.host));
    await fixture.setMode({ status: 502 });
    for (let i = 0; i < 2; i++) expect((await bytesOf(await edge.fetch(key))).equals(body)).toBe(true);
    expect(edge.health.status(edgeHost()).state).toBe("open");
    expect(await fixture.requests()).toHaveLength(2);

    for (let i = 0; i < 3; i++) {
      const response = await edge.fetch(key);
      expect(new URL(response.url).host).toBe(s3Host());
      expect((await bytesOf(response)).equals(body)).toBe(true);
    }
    expect(await fixture.requests()).toHaveLength(2);

    await fixture.setMode("healthy");
    await fixture.clearRequests();
    clock.t += 30_000;
    const probe = await edge.fetch(key);
    expect(probe.url.startsWith(`${cdnBase}/`)).toBe(true);
    expect((await bytesOf(probe)).equals(body)).toBe(true);
    expect(recovered).toEqual([edgeHost()]);
    expect(await fixture.requests()).toHaveLength(1);

    for (let i = 0; i < 2; i++) await (await edge.fetch(key)).arrayBuffer();
    expect(await fixture.requests()).toHaveLength(3);
  });

  it("passes Range through the edge and through the S3 fallback (206 and the right bytes)", async () => {
    const { key, body } = await put("range.bin", 10_000);
    const { edge } = edgeFor();
    const viaEdge = await edge.fetch(key, { headers: { range: "bytes=100-1099" } });
    expect(viaEdge.status).toBe(206);
    expect(viaEdge.url.startsWith(`${cdnBase}/`)).toBe(true);
    expect(viaEdge.headers.get("content-range")).toBe("bytes 100-1099/10000");
    expect((await bytesOf(viaEdge)).equals(body.subarray(100, 1100))).toBe(true);
    expect((await fixture.requests()).map((r) => r.range)).toEqual(["bytes=100-1099"]);

    await fixture.setMode("stopped");
    const viaS3 = await edge.fetch(key, { headers: { range: "bytes=9000-9999" } });
    expect(viaS3.status).toBe(206);
    expect(new URL(viaS3.url).host).toBe(s3Host());
    expect((await bytesOf(viaS3)).equals(body.subarray(9000))).toBe(true);
  });

  it("passes HEAD through the edge and through the S3 fallback", async () => {
    const { key } = await put("head.bin", 1234);
    const { edge } = edgeFor();
    const viaEdge = await edge.fetch(key, { method: "HEAD" });
    expect(viaEdge.status).toBe(200);
    expect(viaEdge.headers.get("content-length")).toBe("1234");
    expect((await fixture.requests()).map((r) => r.method)).toEqual(["HEAD"]);

    await fixture.setMode({ status: 503 });
    const viaS3 = await edge.fetch(key, { method: "HEAD" });
    expect(viaS3.status).toBe(200);
    expect(new URL(viaS3.url).host).toBe(s3Host());
    expect(viaS3.headers.get("content-length")).toBe("1234");
  });

  it("encodes keys with spaces, plus signs and non-ASCII so that the edge and S3 find the same object", async () => {
    const { key, body } = await put("dir with space/a+b (été).bin");
    const { edge } = edgeFor();
    expect((await bytesOf(await edge.fetch(key))).equals(body)).toBe(true);
    await fixture.setMode("stopped");
    expect((await bytesOf(await edge.fetch(key))).equals(body)).toBe(true);
  });

  it("does not time out a slow body, and lets the caller abort it without blaming the edge", async () => {
    const { key, body } = await put("slow.bin", 64 * 1024);
    await fixture.setMode({ slowBytesPerSecond: 8 * 1024 });
    const { edge } = edgeFor({ timeoutMs: 500, breaker: { failureThreshold: 1 } });
    const controller = new AbortController();
    const response = await edge.fetch(key, { signal: controller.signal });
    expect(response.url.startsWith(`${cdnBase}/`)).toBe(true);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const received: Uint8Array[] = [];
    // Read past the 500 ms header timeout: the body keeps flowing.
    const until = Date.now() + 1_000;
    while (Date.now() < until) {
      const { value, done } = await reader.read();
      if (done) break;
      received.push(value);
    }
    const soFar = Buffer.concat(received);
    expect(soFar.length).toBeGreaterThan(0);
    expect(soFar.equals(body.subarray(0, soFar.length))).toBe(true);
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
    expect(edge.health.status(edgeHost()).failures).toBe(0);
  }, 20_000);
});

describe("private bucket through the real signing endpoint", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(s3, { read: () => true });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("falls back to a presigned GET from the endpoint's url operation, asked only when needed", async () => {
    const { key, body } = await put("private.bin");
    const { edge } = edgeFor({ origin: { presign: presignWith(app.endpoint) } });
    expect((await bytesOf(await edge.fetch(key))).equals(body)).toBe(true);
    expect(app.ops).toEqual([]);

    await fixture.setMode({ status: 500 });
    const response = await edge.fetch(key);
    expect(new URL(response.url).host).toBe(s3Host());
    expect(new URL(response.url).searchParams.has("X-Amz-Signature")).toBe(true);
    expect((await bytesOf(response)).equals(body)).toBe(true);
    await edge.fetch(key).then((r) => r.arrayBuffer());
    expect(app.ops).toEqual(["url"]);
  });
});
