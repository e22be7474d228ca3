/**
 * Resume after a crash: a child process uploads with the Node file store and
 * dies (SIGKILL) after 3 parts; a new uploader with the same store continues,
 * sending only what S3 does not already hold (S3 is the truth).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AbortMultipartUploadCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createUploader, fileStore, type ResumeRecord, type UploadEvents } from "../../src/node.js";
import { startApp, type TestApp } from "../support/app.js";
import { pseudoRandomBytes, sha256 } from "../support/data.js";
import { startS3Fixture, type S3Fixture } from "../support/s3/fixture.js";

const MiB = 1024 * 1024;
const child = join(import.meta.dirname, "..", "support", "resume-child.mjs");
let s3: S3Fixture;
let app: TestApp;
let dir: string;

const sha = sha256;

function crashAfter(path: string, storeDir: string, parts: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, app.endpoint, path, storeDir, String(parts)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
    proc.on("error", reject);
    proc.on("exit", (_code, signal) => {
      if (signal === "SIGKILL") resolve(out.trim().split("\n"));
      else reject(new Error(`child did not crash as planned (${signal ?? _code}): ${out} ${err}`));
    });
  });
}

/** A 30 MiB file on disk, a store folder, and a crashed first attempt after 3 of its 6 parts. */
async function crashedUpload(name: string) {
  const data = pseudoRandomBytes(30 * MiB, name.length);
  const path = join(dir, name);
  await writeFile(path, data);
  const storeDir = await mkdtemp(join(dir, "store-"));
  const lines = await crashAfter(path, storeDir, 3);
  expect(lines).toEqual(["part 1", "part 2", "part 3"]);
  const [record] = await fileStore(storeDir).list();
  expect(record).toMatchObject({ v: 1 });
  s3.resetRequests();
  app.ops.length = 0;
  return { data, path, storeDir, record: record as ResumeRecord };
}

beforeAll(async () => {
  if (!existsSync(join(import.meta.dirname, "..", "..", "dist", "node.js"))) {
    throw new Error("dist/node.js is missing: run `npm run build` (npm test does it) before this suite");
  }
  s3 = await startS3Fixture();
  app = await startApp(
    { endpoint: s3.endpoint, bucket: s3.bucket, credentials: s3.credentials },
    { limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB } },
  );
  dir = await mkdtemp(join(tmpdir(), "s3edge-resume-"));
});
afterAll(async () => {
  await app?.close();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => s3.resetRequests());

describe("resume after a crash", () => {
  it("uploads only the parts S3 lacks, and the object is byte-identical", async () => {
    const { data, path, storeDir, record } = await crashedUpload("video.mp4");
    expect(await s3.listUploads()).toEqual([{ key: record.key, uploadId: record.uploadId }]);

    const uploader = createUploader({ endpoint: app.endpoint, store: fileStore(storeDir) });
    expect((await uploader.resumable()).map((r) => r.uploadId)).toEqual([record.uploadId]);
    const upload = uploader.add(path);
    const result = await upload.done();

    expect(upload.getState().resumed).toBe(true);
    expect(result.key).toBe(record.key);
    const sent = s3.requests
      .filter((r) => r.operation === "UploadPart")
      .map((r) => r.partNumber)
      .sort();
    expect(sent).toEqual([4, 5, 6]);
    expect(app.ops).toEqual(["list", "sign", "complete"]);
    expect(sha((await s3.getObject(result.key)) as Uint8Array)).toBe(sha(data));
    // Success removes the stored state; nothing is left on S3.
    expect(await fileStore(storeDir).list()).toEqual([]);
    expect(await s3.listUploads()).toEqual([]);
  });

  it("sends again a part the local record has but S3 does not", async () => {
    const { data, path, storeDir, record } = await crashedUpload("lost-part.bin");
    expect(record.parts.map((p) => p.partNumber)).toContain(2);
    const partDir = join(s3.directory, s3.bucket, "._S3rver_uploads", record.uploadId);
    for (const name of await readdir(partDir)) if (name === "2" || name.startsWith("2.")) await rm(join(partDir, name));

    const result = await createUploader({ endpoint: app.endpoint, store: fileStore(storeDir) }).upload(path);
    const sent = s3.requests
      .filter((r) => r.operation === "UploadPart")
      .map((r) => r.partNumber)
      .sort();
    expect(sent).toEqual([2, 4, 5, 6]);
    expect(sha((await s3.getObject(result.key)) as Uint8Array)).toBe(sha(data));
  });

  it("starts over, and says why, when S3 no longer has the upload", async () => {
    const { data, path, storeDir, record } = await crashedUpload("gone.bin");
    await s3
      .s3Client()
      .send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: record.key, UploadId: record.uploadId }));

    const upload = createUploader({ endpoint: app.endpoint, store: fileStore(storeDir) }).add(path);
    const restarts: Array<UploadEvents["restart"]> = [];
    upload.on("restart", (e) => restarts.push(e));
    const result = await upload.done();
    expect(restarts).toEqual([{ reason: "not-found" }]);
    expect(upload.getState().resumed).toBe(false);
    expect(result.key).not.toBe(record.key);
    expect(s3.requests.filter((r) => r.operation === "UploadPart")).toHaveLength(6);
    expect(sha((await s3.getObject(result.key)) as Uint8Array)).toBe(sha(data));
  });

  it("starts over when the stored upload has expired", async () => {
    const { path, storeDir, record } = await crashedUpload("expired.bin");
    const [file] = (await readdir(storeDir)).filter((f) => f.endsWith(".json"));
    const stored = JSON.parse(await readFile(join(storeDir, file as string), "utf8")) as ResumeRecord;
    await writeFile(join(storeDir, file as string), JSON.stringify({ ...stored, expiresAt: Date.now() - 1 }));

    const uploader = createUploader({ endpoint: app.endpoint, store: fileStore(storeDir) });
    expect(await uploader.resumable()).toEqual([]);
    const upload = uploader.add(path);
    const restarts: Array<UploadEvents["restart"]> = [];
    upload.on("restart", (e) => restarts.push(e));
    const result = await upload.done();
    expect(restarts).toEqual([{ reason: "expired" }]);
    expect(result.key).not.toBe(record.key);
    // The stale upload was aborted rather than left for the lifecycle rule.
    expect(app.ops.slice(0, 2)).toEqual(["abort", "create"]);
    expect((await s3.listUploads()).map((u) => u.uploadId)).not.toContain(record.uploadId);
  });

  it("starts over (mismatch) from a record of an older format, aborting the upload it names", async () => {
    const { data, path, storeDir, record } = await crashedUpload("old-format.bin");
    const [file] = (await readdir(storeDir)).filter((f) => f.endsWith(".json"));
    const { v: _v, ...old } = JSON.parse(await readFile(join(storeDir, file as string), "utf8")) as ResumeRecord;
    await writeFile(join(storeDir, file as string), JSON.stringify(old));

    const upload = createUploader({ endpoint: app.endpoint, store: fileStore(storeDir) }).add(path);
    const restarts: Array<UploadEvents["restart"]> = [];
    upload.on("restart", (e) => restarts.push(e));
    const result = await upload.done();
    expect(restarts).toEqual([{ reason: "mismatch" }]);
    expect(result.key).not.toBe(record.key);
    expect(app.ops.slice(0, 2)).toEqual(["abort", "create"]);
    expect(sha((await s3.getObject(result.key)) as Uint8Array)).toBe(sha(data));
    expect((await s3.listUploads()).map((u) => u.uploadId)).not.toContain(record.uploadId);
    expect(await fileStore(storeDir).list()).toEqual([]);
  });

  it("a cancelled upload leaves neither stored state nor an S3 upload", async () => {
    const { path, storeDir, record } = await crashedUpload("cancel-resumed.bin");
    const stop = s3.intercept((r) => (r.operation === "UploadPart" ? "hang" : undefined));
    try {
      const upload = createUploader({ endpoint: app.endpoint, store: fileStore(storeDir) }).add(path);
      await new Promise<void>((resolve) => {
        const off = upload.subscribe((s) => {
          if (s.resumed) {
            off();
            resolve();
          }
        });
      });
      await upload.cancel();
    } finally {
      stop();
    }
    expect(await fileStore(storeDir).list()).toEqual([]);
    expect((await s3.listUploads()).map((u) => u.uploadId)).not.toContain(record.uploadId);
    expect(app.ops.filter((op) => op === "abort")).toEqual(["abort"]);
  });
});
