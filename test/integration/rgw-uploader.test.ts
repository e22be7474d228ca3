/**
 * The client uploader (Node entry) against each S3 target (s3rver fixture and Ceph RGW, which
 * verifies SigV4 itself): single and multipart uploads, keys that need encoding, pause/resume,
 * cancel (nothing left per ListMultipartUploads), and checksums where the target cannot verify
 * them (the documented degraded result). Every object is read back with GetObject and hashed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUploader, type UploaderOptions, type UploadWarning } from "../../src/node.js";
import type { TestApp } from "../support/app.js";
import { pseudoRandomBytes, sha256 } from "../support/data.js";
import { RGW_START_TIMEOUT_MS } from "../support/rgw/connect.js";
import { startTargetApp, uniquePrefix } from "../support/target-app.js";
import { startTarget, targetNames, type Target } from "../support/targets.js";

const MiB = 1024 * 1024;

describe.each(targetNames())("uploader against %s", (name) => {
  const prefix = uniquePrefix(`uploader-${name}`);
  let target: Target;
  let app: TestApp;

  beforeAll(async () => {
    target = await startTarget(name);
    app = await startTargetApp(target, prefix);
  }, RGW_START_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await target?.close();
  });

  function uploader(options: Partial<UploaderOptions> = {}) {
    return createUploader({
      endpoint: app.endpoint,
      store: false,
      retry: { baseDelayMs: 5, maxDelayMs: 50 },
      ...options,
    });
  }

  async function stored(key: string): Promise<string | undefined> {
    const object = await target.getObject(key);
    return object && sha256(object);
  }

  it.each([
    ["single PUT", 1 * MiB + 3],
    ["multipart (3 parts)", 12 * MiB + 7],
  ])("%s: byte-identical, with a non-empty ETag, nothing left in progress", async (_what, size) => {
    const data = pseudoRandomBytes(size, size);
    const result = await uploader().upload(data, { filename: `plain-${size}.bin` });
    expect(result.size).toBe(size);
    expect(await stored(result.key)).toBe(sha256(data));
    // RGW answers Complete with an empty <ETag/>: the signer must take it from HeadObject.
    expect(result.etag).toMatch(/^"?[0-9a-f]{32}(-\d+)?"?$/);
    expect(await target.listUploads(prefix)).toEqual([]);
  });

  it.each([
    ["single PUT", 64 * 1024],
    ["multipart", 6 * MiB],
  ])("%s: a key with spaces, a plus, a percent sign and non-ASCII round-trips", async (_what, size) => {
    const data = pseudoRandomBytes(size, 77);
    const filename = `a b+c%20 ü/é 日本 (1).bin`;
    const result = await uploader().upload(data, { filename });
    expect(result.key.endsWith(`/${filename}`)).toBe(true);
    expect(await stored(result.key)).toBe(sha256(data));
    // The URL the result gives for S3 reads the same object anonymously (public-read bucket).
    const got = await fetch(result.s3Url);
    expect(got.status).toBe(200);
    expect(sha256(new Uint8Array(await got.arrayBuffer()))).toBe(sha256(data));
  });

  it("pause keeps the upload on S3; resume sends the rest; the object is byte-identical", async () => {
    const data = pseudoRandomBytes(16 * MiB, 5);
    const upload = uploader({ concurrency: 1 }).add(data, { filename: "paused.bin" });
    await new Promise<void>((resolve) => {
      const off = upload.on("part", () => {
        off();
        upload.pause();
        resolve();
      });
    });
    expect(upload.getState().status).toBe("paused");
    const during = await target.listUploads(prefix);
    expect(during.map((u) => u.key)).toEqual([upload.getState().key]);
    const partsAtPause = upload.getState().partsDone;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(upload.getState().partsDone).toBe(partsAtPause);
    upload.resume();
    const result = await upload.done();
    expect(upload.getState().partsDone).toBe(4);
    expect(await stored(result.key)).toBe(sha256(data));
    expect(await target.listUploads(prefix)).toEqual([]);
  });

  it("cancel mid-upload aborts the multipart upload: ListMultipartUploads is empty", async () => {
    const upload = uploader({ concurrency: 1 }).add(pseudoRandomBytes(21 * MiB, 8), { filename: "cancel.bin" });
    await new Promise<void>((resolve) => upload.on("part", () => resolve()));
    expect(await target.listUploads(prefix)).toHaveLength(1);
    const ops = app.ops.length;
    await upload.cancel();
    expect(upload.getState().status).toBe("cancelled");
    await expect(upload.done()).rejects.toMatchObject({ code: "Aborted" });
    expect(app.ops.slice(ops)).toContain("abort");
    expect(await target.listUploads(prefix)).toEqual([]);
    expect(await target.getObject(upload.getState().key ?? "")).toBeUndefined();
  });

  it("checksums: uploads with CRC32 signed into each part; the result says whether S3 verified them (capabilities.checksums)", async () => {
    const data = pseudoRandomBytes(11 * MiB, 6);
    const upload = uploader({ checksum: "CRC32" }).add(data, { filename: "sum.bin" });
    const warnings: UploadWarning[] = [];
    upload.on("warning", (w) => warnings.push(w));
    const result = await upload.done();
    expect(await stored(result.key)).toBe(sha256(data));
    expect(result.checksumVerified).toBe(target.capabilities.checksums);
    expect(warnings.map((w) => w.code)).toEqual(target.capabilities.checksums ? [] : ["ChecksumUnverified"]);
  });
});
