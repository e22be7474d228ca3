import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";

import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { startEdge, type Edge } from "../support/edge.js";
import { fixtureClient } from "../support/s3/client.js";

/** A tiny path-style origin: GET/HEAD `/<bucket>/<key>` from a map, with `Range` support. */
interface StubOrigin {
  url: string;
  objects: Map<string, Buffer>;
  hits: Map<string, number>;
  close(): Promise<void>;
}

async function startStubOrigin(): Promise<StubOrigin> {
  const objects = new Map<string, Buffer>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://origin").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = objects.get(path);
    if (!body) {
      res.writeHead(404, { "content-type": "application/xml" }).end("<Error><Code>NoSuchKey</Code></Error>");
      return;
    }
    const etag = `"${createHash("md5").update(body).digest("hex")}"`;
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), body.length - 1);
      res.writeHead(206, {
        etag,
        "content-range": `bytes ${start}-${end}/${body.length}`,
        "content-length": end - start + 1,
      });
      res.end(req.method === "HEAD" ? undefined : body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, {
      etag,
      "content-length": body.length,
      "accept-ranges": "bytes",
      "access-control-allow-origin": "*",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    objects,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The error code behind a failed fetch (undici puts the socket error in `cause`). */
function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code;
}

describe("nginx edge in front of a stub origin", () => {
  let origin: StubOrigin;
  let edge: Edge;

  beforeAll(async () => {
    origin = await startStubOrigin();
    edge = await startEdge({ origin: origin.url });
  });
  afterAll(async () => {
    await edge?.close();
    await origin?.close();
  });
  afterEach(async () => {
    if (edge.mode() !== "healthy") await edge.setMode("healthy");
  });

  function put(key: string, size: number): Buffer {
    const body = randomBytes(size);
    origin.objects.set(`/media/${key}`, body);
    return body;
  }

  it("answers MISS first and HIT second with the same bytes, asking the origin once", async () => {
    const body = put("a/miss-hit.bin", 3000);
    const first = await fetch(`${edge.url}/media/a/miss-hit.bin`);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache-status")).toBe("MISS");
    expect(Buffer.from(await first.arrayBuffer())).toEqual(body);
    const second = await fetch(`${edge.url}/media/a/miss-hit.bin`);
    expect(second.headers.get("x-cache-status")).toBe("HIT");
    expect(Buffer.from(await second.arrayBuffer())).toEqual(body);
    expect(origin.hits.get("/media/a/miss-hit.bin")).toBe(1);
  });

  it("adds its own CORS headers exactly once, exposing ETag and X-Cache-Status", async () => {
    put("cors.bin", 10);
    const res = await fetch(`${edge.url}/media/cors.bin`, { headers: { origin: "http://page.test" } });
    await res.arrayBuffer();
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toBe("ETag, X-Cache-Status");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    const preflight = await fetch(`${edge.url}/media/cors.bin`, {
      method: "OPTIONS",
      headers: {
        origin: "http://page.test",
        "access-control-request-method": "GET",
        "access-control-request-headers": "range",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("Range");
  });

  it("answers a Range request with 206 and exactly the requested bytes, on a miss and on a hit", async () => {
    const body = put("range.bin", 5000);
    for (const expected of ["MISS", "HIT"]) {
      const res = await fetch(`${edge.url}/media/range.bin`, { headers: { range: "bytes=100-1099" } });
      expect(res.status).toBe(206);
      expect(res.headers.get("content-range")).toBe("bytes 100-1099/5000");
      expect(res.headers.get("x-cache-status")).toBe(expected);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(body.subarray(100, 1100));
    }
  });

  it("passes a 404 from the origin through without caching it", async () => {
    const res = await fetch(`${edge.url}/media/missing.bin`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
    await fetch(`${edge.url}/media/missing.bin`).then((r) => r.arrayBuffer());
    expect(origin.hits.get("/media/missing.bin")).toBe(2);
  });

  it("answers { status: 503 } itself with an HTML body and never asks the origin", async () => {
    put("down.bin", 10);
    await edge.setMode({ status: 503 });
    expect(edge.mode()).toEqual({ status: 503 });
    const res = await fetch(`${edge.url}/media/down.bin`);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.text()).toContain("503");
    expect(origin.hits.get("/media/down.bin")).toBeUndefined();

    await edge.setMode({ status: 502 });
    expect((await fetch(`${edge.url}/media/down.bin`)).status).toBe(502);
    expect(origin.hits.get("/media/down.bin")).toBeUndefined();
  });

  it("refuses connections when stopped and serves again on the same port once healthy", async () => {
    const body = put("restart.bin", 2048);
    const url = edge.url;
    await edge.setMode("stopped");
    const error = await fetch(`${url}/media/restart.bin`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(causeCode(error)).toBe("ECONNREFUSED");

    await edge.setMode("healthy");
    expect(edge.url).toBe(url);
    const res = await fetch(`${url}/media/restart.bin`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(body);
  });

  it("hangs without answering in 'hang' mode: the client's own timeout fires, no response arrives", async () => {
    put("hang.bin", 10);
    await edge.setMode("hang");
    const outcome = await fetch(`${edge.url}/media/hang.bin`, { signal: AbortSignal.timeout(1_000) }).then(
      (res) => ({ kind: "response" as const, status: res.status }),
      (e: unknown) => ({ kind: "error" as const, name: (e as Error).name }),
    );
    expect(outcome).toEqual({ kind: "error", name: "TimeoutError" });
    expect(origin.hits.get("/media/hang.bin")).toBeUndefined();

    // Leaving "hang" must not wait for the hung request to end.
    await edge.setMode("healthy");
    expect((await fetch(`${edge.url}/media/hang.bin`)).status).toBe(200);
  });

  it("delivers every byte in slow mode, and logs that mode", async () => {
    const body = put("slow.bin", 48 * 1024);
    await edge.setMode({ slowBytesPerSecond: 64 * 1024 });
    await edge.clearRequests();
    const res = await fetch(`${edge.url}/media/slow.bin`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(body);
    const [entry] = await edge.requests();
    expect(entry).toMatchObject({
      uri: "/media/slow.bin",
      status: 200,
      cacheStatus: "MISS",
      mode: "slow-65536",
      bytesSent: body.length,
    });
  });

  it("logs each request with method, uri, status, cache and upstream status, and clears the log", async () => {
    put("log/one.bin", 100);
    put("log/two.bin", 100);
    await edge.clearRequests();
    for (const key of ["log/one.bin", "log/two.bin", "log/one.bin", "log/one.bin"]) {
      await (await fetch(`${edge.url}/media/${key}?v=1`)).arrayBuffer();
    }
    const entries = await edge.requests();
    const perUri = new Map<string, number>();
    for (const e of entries) perUri.set(e.uri, (perUri.get(e.uri) ?? 0) + 1);
    expect(Object.fromEntries(perUri)).toEqual({ "/media/log/one.bin?v=1": 3, "/media/log/two.bin?v=1": 1 });
    expect(entries.map((e) => e.cacheStatus)).toEqual(["MISS", "MISS", "HIT", "HIT"]);
    expect(entries[0]).toMatchObject({ method: "GET", status: 200, upstreamStatus: 200 });
    expect(entries[2]?.upstreamStatus).toBeUndefined();
    expect(entries.every((e) => Number.isFinite(e.time) && e.time > 0)).toBe(true);

    await edge.clearRequests();
    expect(await edge.requests()).toEqual([]);
  });

  it("redacts signing parameters in logged URIs", async () => {
    put("signed.bin", 10);
    await edge.clearRequests();
    await (
      await fetch(`${edge.url}/media/signed.bin?X-Amz-Credential=AKIA%2Fx&X-Amz-Signature=deadbeef&x-id=GetObject`)
    ).arrayBuffer();
    const [entry] = await edge.requests();
    expect(entry?.uri).toBe("/media/signed.bin?X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>&x-id=GetObject");
  });

  it("misses again after purge() and refetches the new bytes from the origin", async () => {
    put("purge.bin", 100);
    await (await fetch(`${edge.url}/media/purge.bin`)).arrayBuffer();
    const replaced = put("purge.bin", 120);
    const stale = await fetch(`${edge.url}/media/purge.bin`);
    expect(stale.headers.get("x-cache-status")).toBe("HIT");
    expect((await stale.arrayBuffer()).byteLength).toBe(100);

    await edge.purge();
    const fresh = await fetch(`${edge.url}/media/purge.bin`);
    expect(fresh.headers.get("x-cache-status")).toBe("MISS");
    expect(Buffer.from(await fresh.arrayBuffer())).toEqual(replaced);
  });

  it("rejects modes nginx could not express", async () => {
    await expect(edge.setMode({ status: 42 })).rejects.toThrow(/200\.\.599/);
    await expect(edge.setMode({ slowBytesPerSecond: 0 })).rejects.toThrow(/positive/);
    expect(edge.mode()).toBe("healthy");
  });
});

describe("edge lifecycle", () => {
  it("starts stopped on a refused port and comes up on it; close() frees it and removes its files", async () => {
    const origin = await startStubOrigin();
    origin.objects.set("/b/k", Buffer.from("hello"));
    const edge = await startEdge({ origin: origin.url, mode: "stopped", cacheValidSeconds: 5 });
    try {
      const refused = await fetch(`${edge.url}/b/k`).catch((e: unknown) => causeCode(e));
      expect(refused).toBe("ECONNREFUSED");
      await edge.setMode("healthy");
      expect(await (await fetch(`${edge.url}/b/k`)).text()).toBe("hello");
    } finally {
      await edge.close();
      await origin.close();
    }
    expect(await fetch(`${edge.url}/b/k`).catch((e: unknown) => causeCode(e))).toBe("ECONNREFUSED");
  });

  it("refuses an origin with a path, which would change how keys are encoded", async () => {
    await expect(startEdge({ origin: "http://127.0.0.1:1/prefix" })).rejects.toThrow(/no path/);
  });
});

describe("nginx edge in front of the S3 fixture", () => {
  const s3 = inject("s3");
  const client = fixtureClient(s3);
  let edge: Edge;

  beforeAll(async () => {
    edge = await startEdge({ origin: s3.endpoint });
  });
  afterAll(async () => {
    await edge?.close();
    client.destroy();
  });

  it("serves an object PutObject stored: MISS, then HIT, same bytes, and a 206 range", async () => {
    const key = `edge-fixture/${Date.now()}/photo one+é.bin`;
    const body = randomBytes(64 * 1024);
    await client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body, ContentType: "application/octet-stream" }),
    );
    const cdnBase = `${edge.url}/${s3.bucket}`;
    const url = `${cdnBase}/${key.split("/").map(encodeURIComponent).join("/")}`;

    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache-status")).toBe("MISS");
    expect(first.headers.get("etag")).toBe(`"${createHash("md5").update(body).digest("hex")}"`);
    expect(Buffer.from(await first.arrayBuffer())).toEqual(body);

    const second = await fetch(url);
    expect(second.headers.get("x-cache-status")).toBe("HIT");
    expect(Buffer.from(await second.arrayBuffer())).toEqual(body);

    const range = await fetch(url, { headers: { range: "bytes=1000-1999" } });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(body.subarray(1000, 2000));
  });
});
