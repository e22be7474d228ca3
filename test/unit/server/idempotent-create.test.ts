/**
 * Idempotent `create`: a `requestId` makes the default key (and a custom policy using
 * `input.requestKey`) request-scoped; a retried create reuses S3's upload of that key, and
 * `complete`/`abort` abort the other uploads of exactly that key. Keys that are not
 * request-scoped are never deduped nor cleaned.
 */
import { describe, expect, it } from "vitest";

import { createTokenCodec, uuidFromBytes } from "../../../src/server/token.js";
import { MiB, SECRET, createMultipart, setup } from "./helpers.js";
import type { Stub } from "./helpers.js";

const RID = "req_0123456789abcdef";
const body = { requestId: RID };

/** A tiny S3 of multipart uploads for the stubs: create, list (by prefix), abort, complete. */
function fakeUploads() {
  const uploads: Array<{ key: string; uploadId: string; initiated: Date }> = [];
  let n = 0;
  const stubs: Record<string, Stub> = {
    CreateMultipartUploadCommand: (input) => {
      const uploadId = `upload-${++n}`;
      uploads.push({ key: String(input.Key), uploadId, initiated: new Date(1_700_000_000_000 + n * 1000) });
      return { UploadId: uploadId };
    },
    ListMultipartUploadsCommand: (input) => ({
      Uploads: uploads
        .filter((u) => u.key.startsWith(String(input.Prefix)))
        .map((u) => ({ Key: u.key, UploadId: u.uploadId, Initiated: u.initiated })),
      IsTruncated: false,
    }),
    AbortMultipartUploadCommand: (input) => {
      const i = uploads.findIndex((u) => u.uploadId === input.UploadId && u.key === input.Key);
      if (i >= 0) uploads.splice(i, 1);
      return {};
    },
    CompleteMultipartUploadCommand: (input) => {
      const i = uploads.findIndex((u) => u.uploadId === input.UploadId && u.key === input.Key);
      if (i >= 0) uploads.splice(i, 1);
      return { ETag: '"etag-final"' };
    },
  };
  return { uploads, stubs };
}

const parts = [1, 2, 3].map((partNumber) => ({ partNumber, etag: `"e${partNumber}"` }));

describe("create with a requestId", () => {
  it("a retried create answers the same key and uploadId, and starts no second upload", async () => {
    const s3 = fakeUploads();
    const { call, sent } = setup({}, s3.stubs);
    const first = await createMultipart(call, body);
    // A first attempt has nothing to find: no listing.
    expect(sent.some((c) => c.name === "ListMultipartUploadsCommand")).toBe(false);
    const second = await createMultipart(call, { ...body, retry: true });
    expect(sent.filter((c) => c.name === "ListMultipartUploadsCommand")).toHaveLength(1);
    expect(second.key).toBe(first.key);
    expect(second.uploadId).toBe(first.uploadId);
    expect(sent.filter((c) => c.name === "CreateMultipartUploadCommand")).toHaveLength(1);
    expect(s3.uploads).toHaveLength(1);
    // The second token works: it completes the upload.
    const done = await call({
      v: 1,
      op: "complete",
      key: second.key,
      uploadId: second.uploadId,
      token: second.token,
      parts,
    });
    expect(done.status).toBe(200);
  });

  it("the default key's uuid is the request key: UUID-formatted, derived from the user and requestId", async () => {
    const { call } = setup({}, fakeUploads().stubs);
    const created = await createMultipart(call, body);
    const expected = await createTokenCodec(SECRET).requestKey("alice", RID);
    expect(expected).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.key).toBe(`uploads/${expected}/big.bin`);
  });

  it("a different user or requestId never reuses the upload", async () => {
    const s3 = fakeUploads();
    const { call } = setup({}, s3.stubs);
    const a = await createMultipart(call, body, "alice");
    const b = await createMultipart(call, body, "bob");
    const c = await createMultipart(call, { requestId: "req_fedcba9876543210" }, "alice");
    expect(new Set([a.key, b.key, c.key]).size).toBe(3);
    expect(new Set([a.uploadId, b.uploadId, c.uploadId]).size).toBe(3);
    expect(s3.uploads).toHaveLength(3);
  });

  it("complete aborts every other upload of exactly that key (the SDK's retry) and no other key's", async () => {
    const s3 = fakeUploads();
    const { call, signer } = setup({}, s3.stubs);
    const created = await createMultipart(call, body);
    // What an SDK retry of CreateMultipartUpload leaves: a second upload of the same key.
    const client = await signer.getClient();
    const { CreateMultipartUploadCommand } = await import("@aws-sdk/client-s3");
    await client.send(new CreateMultipartUploadCommand({ Bucket: "unit-bucket", Key: created.key }));
    await client.send(new CreateMultipartUploadCommand({ Bucket: "unit-bucket", Key: `${created.key}.other` }));
    expect(s3.uploads).toHaveLength(3);
    const done = await call({
      v: 1,
      op: "complete",
      key: created.key,
      uploadId: created.uploadId,
      token: created.token,
      parts,
    });
    expect(done.status).toBe(200);
    expect(s3.uploads.map((u) => u.key)).toEqual([`${created.key}.other`]);
  });

  it("abort removes the upload and its siblings", async () => {
    const s3 = fakeUploads();
    const { call, signer } = setup({}, s3.stubs);
    const created = await createMultipart(call, body);
    const { CreateMultipartUploadCommand } = await import("@aws-sdk/client-s3");
    await (await signer.getClient()).send(
      new CreateMultipartUploadCommand({ Bucket: "unit-bucket", Key: created.key }),
    );
    const res = await call({ v: 1, op: "abort", key: created.key, uploadId: created.uploadId, token: created.token });
    expect(res.status).toBe(200);
    expect(s3.uploads).toEqual([]);
  });

  it("a sibling cleanup that fails does not fail complete", async () => {
    const s3 = fakeUploads();
    // The listing after complete meets S3 down (a first create lists nothing).
    const { call, sent } = setup(
      {},
      { ...s3.stubs, ListMultipartUploadsCommand: () => Promise.reject(new Error("S3 down")) },
    );
    const created = await createMultipart(call, body);
    const done = await call({
      v: 1,
      op: "complete",
      key: created.key,
      uploadId: created.uploadId,
      token: created.token,
      parts,
    });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ key: created.key, etag: '"etag-final"' });
    expect(sent.filter((c) => c.name === "ListMultipartUploadsCommand")).toHaveLength(1);
  });

  it("a create sent twice without retry starts two uploads, and complete aborts the other", async () => {
    const s3 = fakeUploads();
    const { call } = setup({}, s3.stubs);
    const a = await createMultipart(call, body);
    const b = await createMultipart(call, body);
    expect(b.key).toBe(a.key);
    expect(b.uploadId).not.toBe(a.uploadId);
    const done = await call({ v: 1, op: "complete", key: a.key, uploadId: a.uploadId, token: a.token, parts });
    expect(done.status).toBe(200);
    expect(s3.uploads).toEqual([]);
  });

  it("refuses a retry that is not a boolean (BadRequest)", async () => {
    const { call } = setup();
    const res = await call({ v: 1, op: "create", filename: "a.bin", contentType: "image/png", size: 1, retry: "yes" });
    expect(res.status).toBe(400);
    expect((res.json as { error: { message: string } }).error.message).toBe("retry must be true or false when given");
  });

  it.each([["short"], ["a".repeat(65)], ["has space in it!!"], [42], [null]])(
    "refuses requestId %j (BadRequest)",
    async (requestId) => {
      const { call, sent } = setup({}, fakeUploads().stubs);
      const res = await call<{ error: { code: string; message: string } }>({
        v: 1,
        op: "create",
        filename: "a.bin",
        contentType: "application/octet-stream",
        size: 20 * MiB,
        requestId,
      });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("BadRequest");
      expect(res.json.error.message).toMatch(/requestId/);
      expect(sent).toEqual([]);
    },
  );
});

describe("keys that are not request-scoped", () => {
  it("without a requestId: two creates, two uploads, and complete lists nothing", async () => {
    const s3 = fakeUploads();
    const { call, sent } = setup({}, s3.stubs);
    const a = await createMultipart(call);
    const b = await createMultipart(call);
    expect(a.uploadId).not.toBe(b.uploadId);
    await call({ v: 1, op: "complete", key: a.key, uploadId: a.uploadId, token: a.token, parts });
    expect(sent.some((c) => c.name === "ListMultipartUploadsCommand")).toBe(false);
  });

  it("a custom policy that ignores requestKey: never deduped, siblings never aborted", async () => {
    const s3 = fakeUploads();
    const { call, sent } = setup({ keyPolicy: (_input, ctx) => `avatars/${ctx.user.id}.png` }, s3.stubs);
    const a = await createMultipart(call, body);
    const b = await createMultipart(call, { ...body, retry: true });
    expect(a.key).toBe(b.key);
    expect(a.uploadId).not.toBe(b.uploadId);
    await call({ v: 1, op: "abort", key: a.key, uploadId: a.uploadId, token: a.token });
    expect(s3.uploads.map((u) => u.uploadId)).toEqual([b.uploadId]);
    expect(sent.some((c) => c.name === "ListMultipartUploadsCommand")).toBe(false);
  });

  it("a custom policy using requestKey as a segment is request-scoped", async () => {
    const s3 = fakeUploads();
    const { call } = setup(
      { keyPolicy: (input, ctx) => `files/${ctx.user.id}/${input.requestKey ?? "x"}/${input.filename}` },
      s3.stubs,
    );
    const a = await createMultipart(call, body);
    const b = await createMultipart(call, { ...body, retry: true });
    expect(b.uploadId).toBe(a.uploadId);
  });

  it("a key whose request-key segment came from the client's file name is not request-scoped", async () => {
    const s3 = fakeUploads();
    const rk = await createTokenCodec(SECRET).requestKey("alice", RID);
    // A policy that takes the file name as a path (unsanitised): the client could name another's request key.
    const { call, sent } = setup({ keyPolicy: (input) => `files/${input.filename}` }, s3.stubs);
    const a = await createMultipart(call, { ...body, filename: `${rk}/x.bin` });
    const b = await createMultipart(call, { ...body, filename: `${rk}/x.bin`, retry: true });
    expect(a.uploadId).not.toBe(b.uploadId);
    expect(sent.some((c) => c.name === "ListMultipartUploadsCommand")).toBe(false);
  });
});

describe("uuidFromBytes", () => {
  it("sets the version (8) and variant bits of RFC 9562", () => {
    expect(uuidFromBytes(new Uint8Array(32).fill(0xff))).toBe("ffffffff-ffff-8fff-bfff-ffffffffffff");
    expect(uuidFromBytes(new Uint8Array(32))).toBe("00000000-0000-8000-8000-000000000000");
  });
});
