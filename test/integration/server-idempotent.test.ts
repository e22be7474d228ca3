/**
 * Idempotent `create` against the S3 fixture (s3rver behind a SigV4-verifying front that
 * implements ListMultipartUploads): a retried create reuses the upload S3 holds for its
 * request-scoped key, and `complete`/`abort` leave no other upload of that key behind.
 */
import { CreateMultipartUploadCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createSigner, handleS3Edge } from "../../src/server.js";
import type { SignerOptions, User } from "../../src/server.js";
import { startS3Fixture } from "../support/s3/fixture.js";
import type { S3Fixture } from "../support/s3/fixture.js";

const MiB = 1024 * 1024;
const SECRET = "integration-secret-idempotent-0123456789";

let fixture: S3Fixture;

beforeAll(async () => {
  fixture = await startS3Fixture();
});
afterAll(async () => {
  await fixture?.close();
});

function authorize(request: Request): User | null {
  const id = request.headers.get("x-user");
  return id === null ? null : { id };
}

interface Created {
  key: string;
  uploadId: string;
  token: string;
  partSize: number;
}

function app(options: Partial<SignerOptions> = {}) {
  const signer = createSigner({
    s3: { endpoint: fixture.endpoint, region: fixture.region, forcePathStyle: true, credentials: fixture.credentials },
    bucket: fixture.bucket,
    tokenSecret: SECRET,
    authorize,
    limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB },
    ...options,
  });
  const handler = handleS3Edge(signer);
  async function call<T>(body: Record<string, unknown>, user = "alice"): Promise<{ status: number; json: T }> {
    const response = await handler(
      new Request("http://app.test/api/s3edge", {
        method: "POST",
        headers: { "content-type": "application/json", "x-user": user },
        body: JSON.stringify({ v: 1, ...body }),
      }),
    );
    return { status: response.status, json: (await response.json()) as T };
  }
  async function create(
    requestId: string | undefined,
    user = "alice",
    filename = "file.bin",
    retry = false,
  ): Promise<Created> {
    const res = await call<Created>(
      {
        op: "create",
        filename,
        contentType: "application/octet-stream",
        size: 6 * MiB,
        ...(requestId === undefined ? {} : { requestId }),
        ...(retry && { retry }),
      },
      user,
    );
    expect(res.status).toBe(200);
    return res.json;
  }
  /** Upload both parts through presigned URLs and complete. */
  async function finish(ref: Created, data: Uint8Array<ArrayBuffer>): Promise<number> {
    const sizes = [5 * MiB, data.byteLength - 5 * MiB];
    const signed = await call<{ urls: Record<string, { url: string; headers: Record<string, string> }> }>({
      op: "sign",
      ...ref,
      parts: sizes.map((size, i) => ({ partNumber: i + 1, size })),
    });
    expect(signed.status).toBe(200);
    const parts: Array<{ partNumber: number; etag: string }> = [];
    for (const [i, size] of sizes.entries()) {
      const part = signed.json.urls[String(i + 1)];
      if (part === undefined) throw new Error(`no URL for part ${i + 1}`);
      const start = i * 5 * MiB;
      const put = await fetch(part.url, {
        method: "PUT",
        headers: part.headers,
        body: data.slice(start, start + size),
      });
      expect(put.status).toBe(200);
      parts.push({ partNumber: i + 1, etag: put.headers.get("etag") ?? "" });
    }
    return (await call({ op: "complete", key: ref.key, uploadId: ref.uploadId, token: ref.token, parts })).status;
  }
  return { signer, call, create, finish };
}

async function uploadsOf(key: string): Promise<string[]> {
  return (await fixture.listUploads()).filter((u) => u.key === key).map((u) => u.uploadId);
}

function bytes(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 13 + seed) & 0xff;
  return out;
}

describe("create with a requestId, against the S3 fixture", () => {
  it("a retried create returns the same key and uploadId; S3 holds one upload", async () => {
    const { create } = app();
    const first = await create("retry-same-upload-0001");
    const second = await create("retry-same-upload-0001", "alice", "file.bin", true);
    expect(second.key).toBe(first.key);
    expect(second.uploadId).toBe(first.uploadId);
    expect(await uploadsOf(first.key)).toEqual([first.uploadId]);
  });

  it("a create retried inside the SDK (a second upload of the key): nothing left after complete, bytes intact", async () => {
    const { create, finish } = app();
    const ref = await create("sdk-retried-create-0002");
    // What the SDK's retry of a CreateMultipartUpload whose answer was lost leaves behind.
    const orphan = await fixture
      .s3Client()
      .send(new CreateMultipartUploadCommand({ Bucket: fixture.bucket, Key: ref.key }));
    expect((await uploadsOf(ref.key)).sort()).toEqual([ref.uploadId, orphan.UploadId].sort());
    const data = bytes(6 * MiB, 2);
    expect(await finish(ref, data)).toBe(200);
    expect(await uploadsOf(ref.key)).toEqual([]);
    expect(Buffer.from((await fixture.getObject(ref.key)) ?? []).equals(Buffer.from(data))).toBe(true);
  });

  it("abort removes the upload and its siblings", async () => {
    const { create, call } = app();
    const ref = await create("abort-siblings-000003");
    await fixture.s3Client().send(new CreateMultipartUploadCommand({ Bucket: fixture.bucket, Key: ref.key }));
    expect(await uploadsOf(ref.key)).toHaveLength(2);
    expect((await call({ op: "abort", key: ref.key, uploadId: ref.uploadId, token: ref.token })).status).toBe(200);
    expect(await uploadsOf(ref.key)).toEqual([]);
  });

  it("a different user or requestId never reuses an upload", async () => {
    const { create } = app();
    const a = await create("not-shared-request-04", "alice");
    const b = await create("not-shared-request-04", "bob");
    const c = await create("another-request-id-04", "alice");
    expect(new Set([a.key, b.key, c.key]).size).toBe(3);
    expect(new Set([a.uploadId, b.uploadId, c.uploadId]).size).toBe(3);
    for (const ref of [a, b, c]) expect(await uploadsOf(ref.key)).toEqual([ref.uploadId]);
  });

  it("a custom policy with requestKey in a key of spaces and non-ASCII: deduped by the exact key", async () => {
    const { create } = app({ keyPolicy: (input) => `idem/${input.requestKey ?? "none"}/${input.filename}` });
    const first = await create("encoded-key-request-5", "alice", "ré sumé+1.bin");
    // A longer key sharing the prefix is not the same key.
    await fixture
      .s3Client()
      .send(new CreateMultipartUploadCommand({ Bucket: fixture.bucket, Key: `${first.key}.bak` }));
    const second = await create("encoded-key-request-5", "alice", "ré sumé+1.bin", true);
    expect(second.uploadId).toBe(first.uploadId);
    expect(await uploadsOf(`${first.key}.bak`)).toHaveLength(1);
  });

  it("a key that is not request-scoped keeps two legitimate uploads in flight after one completes", async () => {
    const { create, finish } = app({
      keyPolicy: (_input, ctx) => `avatars/${ctx.user.id}-${Date.now().toString(36)}.bin`,
    });
    const first = await create("avatar-request-id-0006");
    const other = await fixture
      .s3Client()
      .send(new CreateMultipartUploadCommand({ Bucket: fixture.bucket, Key: first.key }));
    expect(await finish(first, bytes(6 * MiB, 6))).toBe(200);
    expect(await uploadsOf(first.key)).toEqual([other.UploadId]);
  });
});
