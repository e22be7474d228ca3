/**
 * Delivery against each S3 target: the nginx edge (test/support/edge.ts) plays the CDN in front
 * of the target, and `edge.fetch` falls back to the target itself (anonymous GETs of a public-read
 * bucket, as on AWS). Every read is compared with the object's bytes.
 */
import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEdge, type EdgeOptions, type FallbackEvent } from "../../src/delivery/index.js";
import { startEdge, type Edge as EdgeFixture } from "../support/edge.js";
import { RGW_START_TIMEOUT_MS } from "../support/rgw/connect.js";
import { uniquePrefix } from "../support/target-app.js";
import { startTarget, targetNames, type Target } from "../support/targets.js";

describe.each(targetNames())("delivery: nginx edge in front of %s, falling back to it", (name) => {
  const prefix = uniquePrefix(`delivery-${name}`);
  let target: Target;
  let cdn: EdgeFixture;

  beforeAll(async () => {
    target = await startTarget(name);
    cdn = await startEdge({ origin: target.endpoint });
  }, RGW_START_TIMEOUT_MS);
  afterAll(async () => {
    await cdn?.close();
    await target?.close();
  });
  afterEach(async () => {
    if (cdn.mode() !== "healthy") await cdn.setMode("healthy");
  });

  async function object(name: string, size = 64 * 1024): Promise<{ key: string; body: Buffer }> {
    const key = `${prefix}/${name}`;
    const body = randomBytes(size);
    await target.s3Client().send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body }));
    return { key, body };
  }

  function edgeFor(options: Partial<EdgeOptions> = {}) {
    const events: FallbackEvent[] = [];
    const edge = createEdge({
      cdn: `${cdn.url}/${target.bucket}`,
      origin: { endpoint: target.endpoint, bucket: target.bucket, pathStyle: true },
      ...options,
    });
    edge.on("fallback", (e) => events.push(e));
    return { edge, events };
  }

  const bytes = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer());
  const servedBy = (response: Response): "cdn" | "s3" =>
    new URL(response.url).host === new URL(cdn.url).host ? "cdn" : "s3";

  it("serves from the edge (MISS, then HIT) when it is healthy", async () => {
    const { key, body } = await object("healthy.bin");
    const { edge, events } = edgeFor();
    const first = await edge.fetch(key);
    expect([servedBy(first), first.headers.get("x-cache-status")]).toEqual(["cdn", "MISS"]);
    expect((await bytes(first)).equals(body)).toBe(true);
    const second = await edge.fetch(key);
    expect(second.headers.get("x-cache-status")).toBe("HIT");
    expect((await bytes(second)).equals(body)).toBe(true);
    expect(events).toEqual([]);
  });

  it.each([
    ["stopped (connection refused)", "stopped", "network"],
    ["answering 503", { status: 503 }, "status"],
    ["hanging", "hang", "timeout"],
  ] as const)("falls back to the target when the edge is %s", async (_what, mode, reason) => {
    const { key, body } = await object(`fallback-${reason}.bin`);
    await cdn.setMode(mode);
    const { edge, events } = edgeFor({ timeoutMs: 500 });
    const response = await edge.fetch(key);
    expect(servedBy(response)).toBe("s3");
    expect((await bytes(response)).equals(body)).toBe(true);
    expect(events.map((e) => e.reason)).toEqual([reason]);
  });

  it("passes Range through the edge and through the fallback (206, the right bytes)", async () => {
    const { key, body } = await object("range.bin", 100_000);
    const { edge } = edgeFor({ timeoutMs: 500 });
    const viaCdn = await edge.fetch(key, { headers: { Range: "bytes=1000-1999" } });
    expect([servedBy(viaCdn), viaCdn.status]).toEqual(["cdn", 206]);
    expect((await bytes(viaCdn)).equals(body.subarray(1000, 2000))).toBe(true);
    await cdn.setMode({ status: 502 });
    const viaS3 = await edge.fetch(key, { headers: { Range: "bytes=5-9" } });
    expect([servedBy(viaS3), viaS3.status, viaS3.headers.get("content-range")]).toEqual([
      "s3",
      206,
      `bytes 5-9/${body.length}`,
    ]);
    expect((await bytes(viaS3)).equals(body.subarray(5, 10))).toBe(true);
  });

  it("finds a key with spaces, '+' and non-ASCII both through the edge and on the target", async () => {
    const { key, body } = await object("a b+c ü 日本.bin", 1000);
    const { edge } = edgeFor({ timeoutMs: 500 });
    const viaCdn = await edge.fetch(key);
    expect(servedBy(viaCdn)).toBe("cdn");
    expect((await bytes(viaCdn)).equals(body)).toBe(true);
    await cdn.setMode("stopped");
    const viaS3 = await edge.fetch(key);
    expect(servedBy(viaS3)).toBe("s3");
    expect((await bytes(viaS3)).equals(body)).toBe(true);
  });

  it("a missing key is not a CDN failure: the edge's answer (capabilities.missingKeyStatus) is returned, no fallback", async () => {
    const { edge, events } = edgeFor();
    const response = await edge.fetch(`${prefix}/never-written.bin`);
    expect([servedBy(response), response.status]).toEqual(["cdn", target.capabilities.missingKeyStatus]);
    await response.body?.cancel();
    expect(events).toEqual([]);
  });
});
