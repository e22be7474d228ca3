/**
 * Resume against each S3 target: an upload of a file dies after 3 of its 5 parts (its transport
 * freezes for good, as if the process had stopped: nothing more reaches S3, nothing is aborted);
 * a new uploader with the same file store continues it. S3 is the truth: the parts come from
 * ListParts, and only the missing ones are sent.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AbortMultipartUploadCommand, ListPartsCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createUploader,
  fileStore,
  nodeHttpTransport,
  type ResumeRecord,
  type Transport,
  type UploadEvents,
} from "../../src/node.js";
import type { TestApp } from "../support/app.js";
import { pseudoRandomBytes, sha256 } from "../support/data.js";
import { RGW_START_TIMEOUT_MS } from "../support/rgw/connect.js";
import { startTargetApp, uniquePrefix } from "../support/target-app.js";
import { startTarget, targetNames, type Target } from "../support/targets.js";

const MiB = 1024 * 1024;

/** A transport that passes `n` successful PUTs, then never answers again (the process is gone). */
function freezingAfter(n: number): Transport {
  const inner = nodeHttpTransport();
  let ok = 0;
  return {
    reportsProgress: inner.reportsProgress,
    async put(request) {
      if (ok >= n) return new Promise<never>(() => undefined);
      const response = await inner.put(request);
      if (response.status >= 200 && response.status < 300) ok++;
      return response;
    },
  };
}

describe.each(targetNames())("resume against %s", (name) => {
  const prefix = uniquePrefix(`resume-${name}`);
  let target: Target;
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    target = await startTarget(name);
    app = await startTargetApp(target, prefix);
    dir = await mkdtemp(join(tmpdir(), "s3edge-rgw-resume-"));
  }, RGW_START_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await target?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A 23 MiB file (5 parts) whose first upload stopped after 3 stored parts; its stored record. */
  async function interrupted(filename: string) {
    const data = pseudoRandomBytes(23 * MiB, filename.length);
    const path = join(dir, filename);
    await writeFile(path, data);
    const storeDir = await mkdtemp(join(dir, "store-"));
    const first = createUploader({
      endpoint: app.endpoint,
      store: fileStore(storeDir),
      concurrency: 1,
      transport: freezingAfter(3),
    });
    first.add(path);
    let record: ResumeRecord | undefined;
    await vi.waitFor(
      async () => {
        [record] = await fileStore(storeDir).list();
        expect(record?.parts).toHaveLength(3);
      },
      { timeout: 30_000, interval: 50 },
    );
    return { data, path, storeDir, record: record as ResumeRecord };
  }

  it("continues from the parts S3 lists, sends only the missing ones, and the object is byte-identical", async () => {
    const { data, path, storeDir, record } = await interrupted("video.mp4");
    const listed = await target
      .s3Client()
      .send(new ListPartsCommand({ Bucket: target.bucket, Key: record.key, UploadId: record.uploadId }));
    expect((listed.Parts ?? []).map((p) => p.PartNumber)).toEqual([1, 2, 3]);

    const ops = app.ops.length;
    const upload = createUploader({ endpoint: app.endpoint, store: fileStore(storeDir) }).add(path);
    const sent: number[] = [];
    upload.on("part", (p) => sent.push(p.partNumber));
    const result = await upload.done();

    expect(upload.getState().resumed).toBe(true);
    expect(result.key).toBe(record.key);
    expect(sent.sort()).toEqual([4, 5]);
    expect(app.ops.slice(ops)).toEqual(["list", "sign", "complete"]);
    expect(sha256((await target.getObject(result.key)) ?? new Uint8Array())).toBe(sha256(data));
    expect(await fileStore(storeDir).list()).toEqual([]);
    expect(await target.listUploads(record.key)).toEqual([]);
  });

  it("starts over, and says why, when S3 no longer has the upload", async () => {
    const { data, path, storeDir, record } = await interrupted("gone.bin");
    await target
      .s3Client()
      .send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: record.key, UploadId: record.uploadId }));

    const upload = createUploader({ endpoint: app.endpoint, store: fileStore(storeDir) }).add(path);
    const restarts: Array<UploadEvents["restart"]> = [];
    upload.on("restart", (e) => restarts.push(e));
    const result = await upload.done();
    expect(restarts).toEqual([{ reason: "not-found" }]);
    expect(result.key).not.toBe(record.key);
    expect(sha256((await target.getObject(result.key)) ?? new Uint8Array())).toBe(sha256(data));
    expect(await target.listUploads(record.key)).toEqual([]);
  });
});
