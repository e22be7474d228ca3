/**
 * Uploads through the nearest of two regions: two S3 fixtures play two regions, each behind a
 * latency proxy (near: 5 ms, far: 60 ms round trip) reached through a relay the test can point
 * elsewhere or stop. The signer has both as targets (far first, the default); the uploader's
 * probe learns them from its first create, and later uploads go to the near one. A resume after
 * a reload stays in its first target even when the probe now prefers the other; a stopped region
 * is never preferred.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { createUploader, fileStore, memoryStore } from "../../src/node.js";
import type { Upload } from "../../src/node.js";
import { regionProbe } from "../../src/upload/region-probe.js";
import { startApp, type TestApp } from "../support/app.js";
import { pseudoRandomBytes, sha256 } from "../support/data.js";
import { startLatencyProxy, type LatencyProxy } from "../support/latency-proxy.js";
import { startRelay, type Relay } from "../support/relay.js";
import { startS3Fixture, type S3Fixture } from "../support/s3/fixture.js";

const MiB = 1024 * 1024;
const NEAR_MS = 5;
const FAR_MS = 60;

/** One region: a fixture, a near and a far path to it, and the relay the signer points at. */
interface Region {
  s3: S3Fixture;
  nearPath: LatencyProxy;
  farPath: LatencyProxy;
  relay: Relay;
}

async function startRegion(bucket: string, near: boolean): Promise<Region> {
  const s3 = await startS3Fixture({ bucket });
  const target = `127.0.0.1:${new URL(s3.endpoint).port}`;
  const nearPath = await startLatencyProxy({ target, rttMs: NEAR_MS });
  const farPath = await startLatencyProxy({ target, rttMs: FAR_MS });
  const relay = await startRelay((near ? nearPath : farPath).port);
  return { s3, nearPath, farPath, relay };
}

async function stopRegion(r: Region | undefined): Promise<void> {
  await r?.relay.close();
  await r?.nearPath.close();
  await r?.farPath.close();
  await r?.s3.close();
}

let near: Region;
let far: Region;
let app: TestApp;
let dir: string;

beforeAll(async () => {
  [near, far] = await Promise.all([startRegion("near-bucket", true), startRegion("far-bucket", false)]);
  const credentials = near.s3.credentials;
  app = await startApp(
    { endpoint: far.relay.url, bucket: "unused", credentials },
    {
      bucket: "",
      targets: [
        { id: "far", bucket: "far-bucket", endpoint: far.relay.url },
        { id: "near", bucket: "near-bucket", endpoint: near.relay.url },
      ],
      limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB },
    },
  );
  dir = await mkdtemp(join(tmpdir(), "s3edge-geo-"));
});
afterAll(async () => {
  await app?.close();
  await Promise.all([stopRegion(near), stopRegion(far)]);
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  regionProbe.reset();
  near.relay.to(near.nearPath.port);
  far.relay.to(far.farPath.port);
  near.s3.resetRequests();
  far.s3.resetRequests();
});

/** What a first upload does for a fresh page: a small file whose create teaches the probe the targets. */
async function learnTargets(): Promise<string | undefined> {
  const uploader = createUploader({ endpoint: app.endpoint, store: false });
  const first = await uploader.add(new Uint8Array(1000), { filename: "hello.txt" }).done();
  // A fresh page knows no targets: its first upload goes to the signer's default.
  expect(first.target?.id).toBe("far");
  return regionProbe.preferred(5_000);
}

const puts = (r: Region, key: string): number =>
  r.s3.requests.filter((q) => q.method === "PUT" && q.key === key).length;

describe("uploads to the nearest region", () => {
  it("sends the upload to the near region: its bytes land there and not in the other", async () => {
    expect(await learnTargets()).toBe("near");
    const data = pseudoRandomBytes(12 * MiB, 3);
    const uploader = createUploader({ endpoint: app.endpoint, store: false });
    const result = await uploader.add(data, { filename: "video.mp4" }).done();
    expect(result.target).toEqual({ id: "near", bucket: "near-bucket", region: "us-east-1", endpoint: near.relay.url });
    expect(result.s3Url).toBe(`${near.relay.url}/near-bucket/${result.key}`);
    expect(sha256((await near.s3.getObject(result.key)) ?? new Uint8Array())).toBe(sha256(data));
    expect(await far.s3.getObject(result.key)).toBeUndefined();
    expect(puts(near, result.key)).toBe(3);
    expect(puts(far, result.key)).toBe(0);
  });

  it("reports the target of a small file's single PUT too", async () => {
    expect(await learnTargets()).toBe("near");
    const uploader = createUploader({ endpoint: app.endpoint, store: false });
    const result = await uploader.add(new Uint8Array(2000), { filename: "small.txt" }).done();
    expect(result.target?.id).toBe("near");
    expect((await near.s3.getObject(result.key))?.byteLength).toBe(2000);
  });

  it("resumes after a reload in its first target even when the probe now prefers the other", async () => {
    expect(await learnTargets()).toBe("near");
    const data = pseudoRandomBytes(15 * MiB, 4);
    const path = join(dir, "resume.bin");
    await writeFile(path, data);
    const storeDir = await mkdtemp(join(dir, "store-"));

    // First page: one part stored, then the page goes away (paused, its record kept).
    const first = createUploader({ endpoint: app.endpoint, store: fileStore(storeDir), concurrency: 1 });
    const upload: Upload = first.add(path);
    await new Promise<void>((resolve) =>
      upload.on("part", () => {
        upload.pause();
        resolve();
      }),
    );
    const [record] = await fileStore(storeDir).list();
    expect(record?.target?.id).toBe("near");

    // The network changed: now the other region is the near one.
    near.relay.to(near.farPath.port);
    far.relay.to(far.nearPath.port);
    regionProbe.reset();
    const tiny = createUploader({ endpoint: app.endpoint, store: false });
    await tiny.add(new Uint8Array(10), { filename: "t.txt" }).done();
    expect(await regionProbe.preferred(5_000)).toBe("far");

    // Reload: the stored upload goes on where it began.
    const second = createUploader({ endpoint: app.endpoint, store: fileStore(storeDir) });
    const resumed = second.add(path);
    const result = await resumed.done();
    expect(resumed.getState().resumed).toBe(true);
    expect(result.key).toBe(record?.key);
    expect(result.target?.id).toBe("near");
    expect(sha256((await near.s3.getObject(result.key)) ?? new Uint8Array())).toBe(sha256(data));
    expect(await far.s3.getObject(result.key)).toBeUndefined();
    expect(puts(far, result.key)).toBe(0);
  });

  it("never prefers a stopped region: its probe fails, and uploads go to the one that answers", async () => {
    near.relay.down();
    expect(await learnTargets()).toBe("far");
    await vi.waitFor(() => expect(regionProbe.samples()[`${near.relay.url}/near-bucket`]).toMatchObject({ ms: null }));
    const uploader = createUploader({ endpoint: app.endpoint, store: memoryStore() });
    const result = await uploader.add(pseudoRandomBytes(6 * MiB, 5), { filename: "b.bin" }).done();
    expect(result.target?.id).toBe("far");
    expect(puts(near, result.key)).toBe(0);
  });
});
