/**
 * Geo-redundant reads against real parts: two S3 fixture instances play two
 * regions of a bucket and its replica (a far one behind an 80 ms latency proxy,
 * a near one at loopback speed); the CDN is down (connection refused). The edge
 * learns which region is faster from real requests, sends traffic there, moves
 * on from a replica that lacks a new object without blaming it, and leaves the
 * near region when it is stopped mid-test.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHostHealth, type HostHealth } from "../../src/core/health.js";
import { createEdge, type Edge, type FallbackEvent, type RouteEvent } from "../../src/delivery/index.js";
import { startLatencyProxy, type LatencyProxy } from "../support/latency-proxy.js";
import { startS3Fixture, type S3Fixture } from "../support/s3/fixture.js";

const bucket = "geo-reads";
const prefix = `geo-${randomUUID()}`;
let far: S3Fixture;
let near: S3Fixture;
let farProxy: LatencyProxy;
let deadCdn: string;
let edge: Edge;
let health: HostHealth;
const routes: RouteEvent[] = [];
const fallbacks: FallbackEvent[] = [];

/** A loopback port nothing listens on (connection refused). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function put(s3: S3Fixture, key: string, body: Buffer): Promise<void> {
  await s3.s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

const hostOf = (url: string): string => new URL(url).host;

beforeAll(async () => {
  [far, near] = await Promise.all([startS3Fixture({ bucket }), startS3Fixture({ bucket })]);
  farProxy = await startLatencyProxy({ target: new URL(far.endpoint).host, rttMs: 80 });
  deadCdn = `http://127.0.0.1:${await closedPort()}`;
  health = createHostHealth({ failureThreshold: 1, cooldownMs: 60_000 });
  edge = createEdge({
    cdn: deadCdn,
    // The primary is the far region (as configured by an app deployed elsewhere); the near one is its replica.
    origin: [
      { endpoint: farProxy.url, bucket },
      { endpoint: near.endpoint, bucket },
    ],
    health,
    exploreRate: 0,
  });
  edge.on("route", (e) => routes.push(e));
  edge.on("fallback", (e) => fallbacks.push(e));
});
afterAll(async () => {
  await farProxy?.close();
  await Promise.all([far?.close(), near?.close()]);
});

describe("reads from two regions (CDN down)", () => {
  it("starts on the configured primary, measures the replica once, then goes to the clearly faster region", async () => {
    const key = `${prefix}/both.bin`;
    const body = randomBytes(2048);
    await Promise.all([put(far, key, body), put(near, key, body)]);
    const served: string[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await edge.fetch(key);
      expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
      served.push(hostOf(response.url));
    }
    const farHost = hostOf(farProxy.url);
    const nearHost = hostOf(near.endpoint);
    // 1: the CDN is refused, the configured primary serves; 2: the never-measured replica is explored; then the near one.
    expect(served).toEqual([farHost, nearHost, nearHost, nearHost, nearHost, nearHost]);
    expect(routes.map((r) => r.reason)).toEqual(["order", "explore", "latency", "latency", "latency", "latency"]);
    expect(routes[2]).toMatchObject({ host: nearHost, source: "s3" });
    const regions = edge.getState().hosts.filter((h) => h.source === "s3");
    const latency = Object.fromEntries(regions.map((h) => [h.host, h.latencyMs ?? -1]));
    expect(latency[farHost]).toBeGreaterThan(latency[nearHost] ?? Number.POSITIVE_INFINITY);
  });

  it("a replica that does not have a new object yet (replication lag) moves on to the next region without a verdict", async () => {
    const key = `${prefix}/only-in-primary.bin`;
    const body = randomBytes(1024);
    await put(far, key, body);
    fallbacks.length = 0;
    const response = await edge.fetch(key);
    expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
    expect(hostOf(response.url)).toBe(hostOf(farProxy.url));
    // The dead CDN is skipped first (its breaker is open: "circuit-open"), then the replica's 404.
    expect(fallbacks.map((e) => e.reason)).toEqual(["circuit-open", "missing"]);
    expect(fallbacks[1]).toMatchObject({ from: hostOf(near.endpoint), to: hostOf(farProxy.url), status: 404 });
    expect(health.status(hostOf(near.endpoint))).toMatchObject({ state: "closed", failures: 0 });
  });

  it("when the near region stops mid-test, reads fall back to the far one and then go there directly", async () => {
    const key = `${prefix}/after-outage.bin`;
    const body = randomBytes(1024);
    await Promise.all([put(far, key, body), put(near, key, body)]);
    const nearHost = hostOf(near.endpoint);
    await near.close();
    fallbacks.length = 0;
    routes.length = 0;
    const first = await edge.fetch(key);
    expect(Buffer.from(await first.arrayBuffer()).equals(body)).toBe(true);
    expect(hostOf(first.url)).toBe(hostOf(farProxy.url));
    expect(fallbacks.map((e) => e.reason)).toEqual(["circuit-open", "network"]);
    expect(fallbacks[1]).toMatchObject({ from: nearHost, to: hostOf(farProxy.url) });
    expect(health.status(nearHost).state).toBe("open");

    const second = await edge.fetch(key);
    expect(hostOf(second.url)).toBe(hostOf(farProxy.url));
    expect(routes.at(-1)).toMatchObject({ host: hostOf(farProxy.url), reason: "health" });
    expect(edge.urls(key)[0]).toBe(`${farProxy.url}/${bucket}/${key}`);
  });
});
