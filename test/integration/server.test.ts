/**
 * `s3edge/server` end to end: the signing endpoint mounted with `toNodeHandler`
 * on a real `node:http` server, in front of the S3 fixture (s3rver behind a
 * front that verifies SigV4 like S3). Every presigned URL is used with `fetch`,
 * so a URL that signs the wrong thing fails here exactly as it would on S3.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { crc32, crc32ToBase64 } from "../../src/core/crc32.js";
import { createSigner, handleS3Edge, toNodeHandler } from "../../src/server.js";
import type { NodeHandler, Signer, SignerError, SignerOptions, User } from "../../src/server.js";
import { startS3Fixture } from "../support/s3/fixture.js";
import type { S3Fixture } from "../support/s3/fixture.js";

const MiB = 1024 * 1024;
const SECRET = "integration-secret-0123456789abcdefghij";
const APP_ORIGIN = "http://app.test";

function bytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

/** A short fingerprint of bytes: comparing multi-MiB arrays with toEqual is very slow. */
function digest(data: Uint8Array | undefined): string {
  return data === undefined ? "<none>" : `${data.byteLength}:${createHash("sha256").update(data).digest("hex")}`;
}

function authorize(request: Request): User | null {
  const id = request.headers.get("x-user");
  return id === null ? null : { id };
}

let fixture: S3Fixture;
const servers: Server[] = [];
const signers: Signer[] = [];
const errors: Array<{ error: SignerError; op: string }> = [];
let clockOffset = 0;

function makeSigner(options: Partial<SignerOptions> = {}): Signer {
  const signer = createSigner({
    s3: {
      endpoint: fixture.endpoint,
      region: fixture.region,
      forcePathStyle: true,
      credentials: fixture.credentials,
    },
    bucket: fixture.bucket,
    tokenSecret: SECRET,
    authorize,
    now: () => Date.now() + clockOffset,
    onError: (error, op) => errors.push({ error, op }),
    limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB },
    ...options,
  });
  signers.push(signer);
  return signer;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/s3edge`;
}

/** An endpoint for a signer, mounted through toNodeHandler on a fresh node:http server. */
async function mount(signer: Signer): Promise<string> {
  return listen(toNodeHandler(handleS3Edge(signer, { cors: { origin: [APP_ORIGIN], maxAge: 60 } })));
}

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
  headers: Headers;
}

async function post(endpoint: string, body: unknown, user: string | null = "alice"): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (user !== null) headers["x-user"] = user;
  const res = await fetch(endpoint, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Answer["body"], headers: res.headers };
}

async function put(
  url: string,
  body: Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
): Promise<{ status: number; etag: string | null; text: string }> {
  const res = await fetch(url, { method: "PUT", headers, body });
  return { status: res.status, etag: res.headers.get("etag"), text: await res.text() };
}

interface Multipart {
  key: string;
  uploadId: string;
  token: string;
  partSize: number;
}

let endpoint: string;

beforeAll(async () => {
  fixture = await startS3Fixture();
  endpoint = await mount(makeSigner());
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const signer of signers) (await signer.getClient()).destroy();
  await fixture?.close();
});

async function create(
  size: number | null,
  extra: Record<string, unknown> = {},
  user = "alice",
  at = endpoint,
): Promise<Answer> {
  return post(
    at,
    { v: 1, op: "create", filename: "data.bin", contentType: "application/octet-stream", size, ...extra },
    user,
  );
}

async function createMultipart(
  size: number | null,
  extra: Record<string, unknown> = {},
  user = "alice",
  at = endpoint,
): Promise<Multipart> {
  const res = await create(size, extra, user, at);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.mode).toBe("multipart");
  const { key, uploadId, token, partSize } = res.body;
  if (
    typeof key !== "string" ||
    typeof uploadId !== "string" ||
    typeof token !== "string" ||
    typeof partSize !== "number"
  ) {
    throw new Error(`not a multipart answer: ${JSON.stringify(res.body)}`);
  }
  return { key, uploadId, token, partSize };
}

async function sign(up: Multipart, parts: unknown[], user = "alice", at = endpoint): Promise<Answer> {
  return post(at, { v: 1, op: "sign", key: up.key, uploadId: up.uploadId, token: up.token, parts }, user);
}

type SignedUrls = Record<string, { url: string; headers: Record<string, string> }>;

describe("single PUT", () => {
  it("uploads a small file with one presigned PUT and reads the same bytes back", async () => {
    const data = bytes(1000);
    const res = await create(data.length, {
      filename: "hello wörld (1).txt",
      contentType: "text/plain",
      metadata: { owner: "alice" },
    });
    expect(res.status).toBe(200);
    expect(res.body.mode).toBe("single");
    const { url, headers, key, s3Url } = res.body as {
      url: string;
      headers: Record<string, string>;
      key: string;
      s3Url: string;
    };
    expect(headers).toEqual({ "content-type": "text/plain", "x-amz-meta-owner": "alice" });
    expect((await put(url, data, headers)).status).toBe(200);
    expect(digest(await fixture.getObject(key))).toBe(digest(data));
    const got = await fetch(s3Url);
    expect(digest(new Uint8Array(await got.arrayBuffer()))).toBe(digest(data));
    expect(got.headers.get("x-amz-meta-owner")).toBe("alice");
  });

  it("refuses a PUT whose Content-Type, metadata or length differs from the signed ones", async () => {
    const data = bytes(500);
    const res = await create(data.length, { contentType: "image/png", metadata: { a: "1" } });
    const { url, headers, key } = res.body as { url: string; headers: Record<string, string>; key: string };
    expect((await put(url, data, { ...headers, "content-type": "text/html" })).status).toBe(403);
    expect((await put(url, data, { ...headers, "x-amz-meta-a": "2" })).status).toBe(403);
    expect((await put(url, bytes(501), headers)).status).toBe(403);
    expect((await put(url, bytes(499), headers)).status).toBe(403);
    expect(await fixture.getObject(key)).toBeUndefined();
    expect((await put(url, data, headers)).status).toBe(200);
  });
});

describe("multipart", () => {
  const size = 2 * 5 * MiB + 1234;
  const data = bytes(size, 3);
  const slice = (n: number, partSize: number) => data.subarray((n - 1) * partSize, Math.min(n * partSize, size));

  it("uploads three parts signed in one batch, completes, and reads the same bytes back", async () => {
    const up = await createMultipart(size);
    expect(up.partSize).toBe(5 * MiB);
    const signed = await sign(up, [{ partNumber: 1 }, { partNumber: 2 }, { partNumber: 3 }]);
    expect(signed.status).toBe(200);
    const urls = signed.body.urls as SignedUrls;
    const parts = [];
    for (const n of [1, 2, 3]) {
      const res = await put(urls[n]!.url, slice(n, up.partSize), urls[n]!.headers);
      expect(res.status, res.text).toBe(200);
      parts.push({ partNumber: n, etag: res.etag! });
    }
    const done = await post(endpoint, { v: 1, op: "complete", ...up, parts });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ key: up.key, size, s3Url: `${fixture.endpoint}/${fixture.bucket}/${up.key}` });
    expect(typeof done.body.etag).toBe("string");
    expect(digest(await fixture.getObject(up.key))).toBe(digest(data));
    expect((await fixture.listUploads()).filter((u) => u.uploadId === up.uploadId)).toEqual([]);
  });

  it("answers a retried complete (first answer lost) with the object, not UploadNotFound", async () => {
    const up = await createMultipart(size);
    const urls = (await sign(up, [{ partNumber: 1 }, { partNumber: 2 }, { partNumber: 3 }])).body.urls as SignedUrls;
    const parts = [];
    for (const n of [1, 2, 3])
      parts.push({ partNumber: n, etag: (await put(urls[n]!.url, slice(n, up.partSize))).etag! });
    const first = await post(endpoint, { v: 1, op: "complete", ...up, parts });
    const again = await post(endpoint, { v: 1, op: "complete", ...up, parts });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ key: up.key, size, etag: first.body.etag });
  });

  it("still answers UploadNotFound for an aborted upload, even when an older object has its key", async () => {
    const key = "reused/avatar.bin";
    await fixture.s3Client().send(new PutObjectCommand({ Bucket: fixture.bucket, Key: key, Body: bytes(size, 9) }));
    // The upload begins (by the signer's clock) 5 s after the object was written: LastModified has
    // a one-second resolution, and the injected clock stands for waiting that long.
    const reusing = await mount(makeSigner({ keyPolicy: () => key, now: () => Date.now() + 5_000 }));
    const up = await createMultipart(size, {}, "alice", reusing);
    await post(reusing, { v: 1, op: "abort", ...up });
    const parts = [1, 2, 3].map((n) => ({ partNumber: n, etag: '"0123456789abcdef0123456789abcdef"' }));
    const answer = await post(reusing, { v: 1, op: "complete", ...up, parts });
    expect(answer.status).toBe(404);
    expect(answer.body.error?.code).toBe("UploadNotFound");
  });

  it("lists the parts stored after two of three, then completes from that list", async () => {
    const up = await createMultipart(size);
    const urls = (await sign(up, [{ partNumber: 1 }, { partNumber: 2 }, { partNumber: 3 }])).body.urls as SignedUrls;
    const etags: string[] = [];
    for (const n of [1, 2]) etags.push((await put(urls[n]!.url, slice(n, up.partSize))).etag!);
    const listed = await post(endpoint, { v: 1, op: "list", ...up });
    expect(listed.status).toBe(200);
    expect(listed.body.parts).toEqual([
      { partNumber: 1, etag: etags[0], size: 5 * MiB },
      { partNumber: 2, etag: etags[1], size: 5 * MiB },
    ]);
    const third = await put(urls[3]!.url, slice(3, up.partSize));
    const parts = [
      ...(listed.body.parts as Array<{ partNumber: number; etag: string }>),
      { partNumber: 3, etag: third.etag! },
    ];
    const done = await post(endpoint, {
      v: 1,
      op: "complete",
      ...up,
      parts: parts.map(({ partNumber, etag }) => ({ partNumber, etag })),
    });
    expect(done.status).toBe(200);
    expect(digest(await fixture.getObject(up.key))).toBe(digest(data));
  });

  it("aborts an upload so that nothing is left, and answers a second abort as done", async () => {
    const up = await createMultipart(size);
    const urls = (await sign(up, [{ partNumber: 1 }])).body.urls as SignedUrls;
    expect((await put(urls[1]!.url, slice(1, up.partSize))).status).toBe(200);
    expect((await fixture.listUploads()).some((u) => u.uploadId === up.uploadId)).toBe(true);
    expect((await post(endpoint, { v: 1, op: "abort", ...up })).body).toEqual({ ok: true });
    expect((await fixture.listUploads()).some((u) => u.uploadId === up.uploadId)).toBe(false);
    expect((await post(endpoint, { v: 1, op: "abort", ...up })).body).toEqual({ ok: true });
    const listed = await post(endpoint, { v: 1, op: "list", ...up });
    expect(listed.status).toBe(404);
    expect(listed.body.error?.code).toBe("UploadNotFound");
  });

  it("refuses a part URL replayed for another partNumber or another key", async () => {
    const up = await createMultipart(size);
    const urls = (await sign(up, [{ partNumber: 1 }, { partNumber: 2 }])).body.urls as SignedUrls;
    const body = slice(1, up.partSize);
    for (const n of [1, 2]) {
      const other = new URL(urls[n]!.url);
      other.searchParams.set("partNumber", String(n === 1 ? 2 : 3));
      const res = await put(other.href, body);
      expect(res.status).toBe(403);
      expect(res.text).toContain("SignatureDoesNotMatch");
      const otherKey = new URL(urls[n]!.url);
      otherKey.pathname = otherKey.pathname.replace(/[^/]+$/, "other.bin");
      expect((await put(otherKey.href, body)).status).toBe(403);
      const otherUpload = new URL(urls[n]!.url);
      otherUpload.searchParams.set("uploadId", "forged");
      expect((await put(otherUpload.href, body)).status).toBe(403);
    }
    expect((await fixture.listUploads()).find((u) => u.uploadId === up.uploadId)).toBeDefined();
    await post(endpoint, { v: 1, op: "abort", ...up });
  });

  it("refuses a part body longer or shorter than the signed size", async () => {
    const up = await createMultipart(size);
    const urls = (await sign(up, [{ partNumber: 3 }])).body.urls as SignedUrls;
    expect((await put(urls[3]!.url, bytes(1235))).status).toBe(403);
    expect((await put(urls[3]!.url, bytes(1233))).status).toBe(403);
    expect((await put(urls[3]!.url, bytes(1234))).status).toBe(200);
    await post(endpoint, { v: 1, op: "abort", ...up });
  });

  it("refuses an expired part URL", async () => {
    const past = await mount(makeSigner({ now: () => Date.now() - 3_600_000, urlExpiresInMs: 60_000 }));
    const up = await createMultipart(size, {}, "alice", past);
    const urls = (await sign(up, [{ partNumber: 3 }], "alice", past)).body.urls as SignedUrls;
    const res = await put(urls[3]!.url, bytes(1234));
    expect(res.status).toBe(403);
    expect(res.text).toContain("Request has expired");
  });

  it("signs many parts per batch whose every URL S3 accepts (the fast path), and maps EntityTooSmall", async () => {
    const up = await createMultipart(null);
    const parts = Array.from({ length: 25 }, (_, i) => ({ partNumber: i + 1, size: 10 + i }));
    const signed = await sign(up, parts);
    const urls = signed.body.urls as SignedUrls;
    // Part 2 is signed by the fast path: its size is bound too.
    expect((await put(urls[2]!.url, bytes(12))).status).toBe(403);
    expect((await put(urls[2]!.url, bytes(10))).status).toBe(403);
    const done = [];
    for (const p of parts) {
      const res = await put(urls[p.partNumber]!.url, bytes(p.size, p.partNumber));
      expect(res.status, `part ${p.partNumber}: ${res.text}`).toBe(200);
      done.push({ partNumber: p.partNumber, etag: res.etag! });
    }
    const listed = await post(endpoint, { v: 1, op: "list", ...up });
    expect((listed.body.parts as unknown[]).length).toBe(25);
    const complete = await post(endpoint, { v: 1, op: "complete", ...up, parts: done });
    expect(complete.status).toBe(400);
    expect(complete.body.error).toEqual({
      code: "InvalidPart",
      message: "a part other than the last is smaller than 5 MiB",
    });
    await post(endpoint, { v: 1, op: "abort", ...up });
  });

  it("answers InvalidPart for an ETag S3 does not hold", async () => {
    const up = await createMultipart(size);
    const urls = (await sign(up, [{ partNumber: 1 }, { partNumber: 2 }, { partNumber: 3 }])).body.urls as SignedUrls;
    const parts = [];
    for (const n of [1, 2, 3])
      parts.push({ partNumber: n, etag: (await put(urls[n]!.url, slice(n, up.partSize))).etag! });
    parts[1] = { partNumber: 2, etag: '"00000000000000000000000000000000"' };
    const res = await post(endpoint, { v: 1, op: "complete", ...up, parts });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe("InvalidPart");
    await post(endpoint, { v: 1, op: "abort", ...up });
  });

  it("signs the CRC32 of each part: the PUT must carry it", async () => {
    const up = await createMultipart(size, { checksum: "CRC32" });
    const part = slice(3, up.partSize);
    const checksum = crc32ToBase64(crc32(part));
    const urls = (await sign(up, [{ partNumber: 3, checksum }])).body.urls as SignedUrls;
    expect(urls[3]!.headers).toEqual({ "x-amz-checksum-crc32": checksum });
    expect((await put(urls[3]!.url, part)).status).toBe(403);
    expect((await put(urls[3]!.url, part, { "x-amz-checksum-crc32": "AAAAAA==" })).status).toBe(403);
    expect((await put(urls[3]!.url, part, urls[3]!.headers)).status).toBe(200);
    await post(endpoint, { v: 1, op: "abort", ...up });
  });
});

describe("uploads of unknown length", () => {
  it("bounds the object by signing: no part is signed past maxSize, and an object under minSize is deleted at complete", async () => {
    const limited = await mount(
      makeSigner({
        limits: { maxSize: 5 * MiB + 100, minSize: 5 * MiB + 50, multipartThreshold: 5 * MiB, partSize: 5 * MiB },
      }),
    );
    const up = await createMultipart(null, {}, "alice", limited);
    const third = await sign(up, [{ partNumber: 3, size: 10 }], "alice", limited);
    expect(third.status).toBe(400);
    expect(third.body.error?.code).toBe("TooManyParts");
    // Part 1 may take 5 MiB, so part 2 may take only the 100 bytes maxSize has left.
    const tooBig = await sign(up, [{ partNumber: 2, size: 101 }], "alice", limited);
    expect(tooBig.body.error).toEqual({ code: "BadRequest", message: "part 2: size must be an integer from 1 to 100" });

    const urls = (
      await sign(
        up,
        [
          { partNumber: 1, size: 5 * MiB },
          { partNumber: 2, size: 40 },
        ],
        "alice",
        limited,
      )
    ).body.urls as SignedUrls;
    const parts = [];
    for (const [n, length] of [
      [1, 5 * MiB],
      [2, 40],
    ] as const) {
      parts.push({ partNumber: n, etag: (await put(urls[n]!.url, bytes(length)))!.etag! });
    }
    const small = await post(limited, { v: 1, op: "complete", ...up, parts });
    expect(small.status).toBe(400);
    expect(small.body.error?.code).toBe("TooSmall");
    expect(await fixture.getObject(up.key)).toBeUndefined();

    const fits = await createMultipart(null, {}, "alice", limited);
    const urls2 = (
      await sign(
        fits,
        [
          { partNumber: 1, size: 5 * MiB },
          { partNumber: 2, size: 100 },
        ],
        "alice",
        limited,
      )
    ).body.urls as SignedUrls;
    const data = bytes(5 * MiB + 100, 9);
    const parts2 = [
      { partNumber: 1, etag: (await put(urls2[1]!.url, data.slice(0, 5 * MiB))).etag! },
      { partNumber: 2, etag: (await put(urls2[2]!.url, data.slice(5 * MiB))).etag! },
    ];
    const ok = await post(limited, { v: 1, op: "complete", ...fits, parts: parts2 });
    expect(ok.status).toBe(200);
    expect(ok.body.size).toBe(5 * MiB + 100);
    expect(digest(await fixture.getObject(fits.key))).toBe(digest(data));
  });

  it("caps a client-chosen part size at maxSize: create {size: null, partSize: 5 GiB} under maxSize 64 MiB", async () => {
    const limited = await mount(makeSigner({ limits: { maxSize: 64 * MiB, multipartThreshold: 5 * MiB } }));
    const up = await createMultipart(null, { partSize: 5 * 1024 * MiB }, "alice", limited);
    expect(up.partSize).toBe(64 * MiB);
    const huge = await sign(up, [{ partNumber: 1, size: 5 * 1024 * MiB }], "alice", limited);
    expect(huge.status).toBe(400);
    const second = await sign(up, [{ partNumber: 2, size: 1 }], "alice", limited);
    expect(second.body.error?.code).toBe("TooManyParts");
    const first = await sign(up, [{ partNumber: 1, size: 64 * MiB }], "alice", limited);
    const url = new URL((first.body.urls as SignedUrls)[1]!.url);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toContain("content-length");
    // S3 holds the signed length: one byte more is refused.
    expect((await put(url.href, bytes(10))).status).toBe(403);
    await post(limited, { v: 1, op: "abort", ...up });
  });
});

describe("tokens", () => {
  it("lets no other user sign, list, complete or abort an upload with its token", async () => {
    const up = await createMultipart(20 * MiB, {}, "alice");
    const ref = { key: up.key, uploadId: up.uploadId, token: up.token };
    for (const body of [
      { op: "sign", parts: [{ partNumber: 1 }] },
      { op: "list" },
      { op: "complete", parts: [1, 2, 3, 4].map((n) => ({ partNumber: n, etag: '"x"' })) },
      { op: "abort" },
    ]) {
      const res = await post(endpoint, { v: 1, ...ref, ...body }, "bob");
      expect(res.status, body.op).toBe(403);
      expect(res.body.error?.code).toBe("NotAuthorized");
    }
    expect((await fixture.listUploads()).some((u) => u.uploadId === up.uploadId)).toBe(true);
    expect((await sign(up, [{ partNumber: 1 }], "alice")).status).toBe(200);
    await post(endpoint, { v: 1, op: "abort", ...ref });
  });

  it("refuses a token of key A for key B, and for another uploadId", async () => {
    const a = await createMultipart(20 * MiB);
    const b = await createMultipart(20 * MiB);
    const crossKey = await sign({ ...a, key: b.key }, [{ partNumber: 1 }]);
    expect(crossKey.status).toBe(403);
    expect(crossKey.body.error?.code).toBe("InvalidToken");
    const crossUpload = await sign({ ...a, uploadId: b.uploadId, key: b.key }, [{ partNumber: 1 }]);
    expect(crossUpload.body.error?.code).toBe("InvalidToken");
    for (const up of [a, b]) await post(endpoint, { v: 1, op: "abort", ...up });
  });

  it("refuses a token with one byte of its payload or its MAC changed", async () => {
    const up = await createMultipart(20 * MiB);
    const dot = up.token.indexOf(".");
    for (const i of [3, dot - 2, dot + 3, up.token.length - 3]) {
      const token = up.token.slice(0, i) + (up.token[i] === "A" ? "B" : "A") + up.token.slice(i + 1);
      const res = await sign({ ...up, token }, [{ partNumber: 1 }]);
      expect(res.status).toBe(403);
      expect(res.body.error?.code).toBe("InvalidToken");
      expect(JSON.stringify(res.body)).not.toContain(token);
    }
    await post(endpoint, { v: 1, op: "abort", ...up });
  });

  it("answers TokenExpired once the token's lifetime has passed, but still lets its owner abort", async () => {
    const up = await createMultipart(20 * MiB);
    clockOffset = 86_400_000 + 1000;
    try {
      const res = await sign(up, [{ partNumber: 1 }]);
      expect(res.status).toBe(403);
      expect(res.body.error?.code).toBe("TokenExpired");
      const list = await post(endpoint, { v: 1, op: "list", ...up });
      expect(list.body.error?.code).toBe("TokenExpired");
      // Cleaning up one's own stale upload is always allowed (MAC and user still checked).
      const other = await post(endpoint, { v: 1, op: "abort", ...up }, "mallory");
      expect(other.body.error?.code).toBe("NotAuthorized");
      expect((await post(endpoint, { v: 1, op: "abort", ...up })).body).toEqual({ ok: true });
    } finally {
      clockOffset = 0;
    }
    expect((await fixture.listUploads()).map((u) => u.uploadId)).not.toContain(up.uploadId);
  });
});

describe("url (presigned GET)", () => {
  it("presigns a GET when read allows it, and answers 403 when it does not", async () => {
    const reader = await mount(
      makeSigner({ read: (key, ctx) => ctx.user.id === "alice" && key.startsWith("uploads/") }),
    );
    const data = bytes(300, 5);
    const created = await create(data.length);
    const { url, headers, key } = created.body as { url: string; headers: Record<string, string>; key: string };
    expect((await put(url, data, headers)).status).toBe(200);
    const res = await post(reader, { v: 1, op: "url", key });
    expect(res.status).toBe(200);
    const got = await fetch(res.body.url as string);
    expect(digest(new Uint8Array(await got.arrayBuffer()))).toBe(digest(data));
    const forged = new URL(res.body.url as string);
    forged.searchParams.set("X-Amz-Expires", "604800");
    expect((await fetch(forged)).status).toBe(403);
    expect((await post(reader, { v: 1, op: "url", key }, "bob")).status).toBe(403);
    expect((await post(endpoint, { v: 1, op: "url", key })).status).toBe(403);
  });
});

describe("mounting", () => {
  it("answers a CORS preflight for an allowed origin and refuses another", async () => {
    const ok = await fetch(endpoint, {
      method: "OPTIONS",
      headers: {
        origin: APP_ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, x-user",
      },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(ok.headers.get("access-control-allow-methods")).toBe("POST");
    expect(ok.headers.get("access-control-allow-headers")).toBe("content-type, x-user");
    expect(ok.headers.get("access-control-max-age")).toBe("60");
    const refused = await fetch(endpoint, {
      method: "OPTIONS",
      headers: { origin: "http://evil.test", "access-control-request-method": "POST" },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("adds CORS headers to actual answers for an allowed origin only", async () => {
    const body = JSON.stringify({ v: 1, op: "create", filename: "a", contentType: "text/plain", size: 1 });
    const allowed = await fetch(endpoint, {
      method: "POST",
      headers: { origin: APP_ORIGIN, "content-type": "application/json", "x-user": "a" },
      body,
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(allowed.headers.get("vary")).toContain("Origin");
    const other = await fetch(endpoint, {
      method: "POST",
      headers: { origin: "http://evil.test", "content-type": "application/json", "x-user": "a" },
      body,
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers 405 to a GET through node:http", async () => {
    const res = await fetch(endpoint);
    expect(res.status).toBe(405);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("MethodNotAllowed");
  });

  it("works as Express-style middleware after a JSON body parser, and still refuses a parsed form", async () => {
    const handler: NodeHandler = toNodeHandler(handleS3Edge(makeSigner()));
    const parsedFirst = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const parsed = req.headers["content-type"]?.startsWith("application/json")
          ? (JSON.parse(text) as unknown)
          : Object.fromEntries(new URLSearchParams(text));
        Object.assign(req, { body: parsed, _body: true });
        handler(req, res, (error) => {
          res.statusCode = 599;
          res.end(String(error));
        });
      });
    });
    const json = await post(parsedFirst, { v: 1, op: "create", filename: "a.txt", contentType: "text/plain", size: 3 });
    expect(json.status).toBe(200);
    expect(json.body.mode).toBe("single");
    const form = await fetch(parsedFirst, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-user": "alice" },
      body: "v=1&op=create&filename=a&contentType=text%2Fplain&size=3",
    });
    expect(form.status).toBe(400);
  });

  it("refuses a body over the cap: at once when Content-Length announces it, after the cap when it does not", async () => {
    const body = JSON.stringify({
      v: 1,
      op: "create",
      filename: "x".repeat(3 * MiB),
      contentType: "text/plain",
      size: 1,
    });
    const headers = { "content-type": "application/json", "x-user": "alice" };
    const announced = await fetch(endpoint, { method: "POST", headers, body });
    expect(announced.status).toBe(413);
    const bytesOf = new TextEncoder().encode(body);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytesOf.length; i += 64 * 1024) controller.enqueue(bytesOf.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const init: RequestInit & { duplex: "half" } = { method: "POST", headers, body: chunked, duplex: "half" };
    const streamed = await fetch(endpoint, init);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe("BadRequest");
  });
});

describe("server-side upload", () => {
  it("uploads bytes, a file path and a Web stream with progress, and reads them back", async () => {
    const signer = makeSigner();
    const data = bytes(11 * MiB, 7);
    const progress: number[] = [];
    const fromBytes = await signer.upload("server/bytes.bin", data, {
      partSize: 5 * MiB,
      contentType: "application/x-test",
      onProgress: (p) => progress.push(p.loaded),
    });
    expect(fromBytes).toMatchObject({
      key: "server/bytes.bin",
      size: data.length,
      s3Url: `${fixture.endpoint}/${fixture.bucket}/server/bytes.bin`,
    });
    expect(digest(await fixture.getObject("server/bytes.bin"))).toBe(digest(data));
    expect(progress.at(-1)).toBe(data.length);

    const dir = await mkdtemp(join(tmpdir(), "s3edge-upload-"));
    try {
      const path = join(dir, "file.bin");
      await writeFile(path, data.subarray(0, 123_456));
      const fromPath = await signer.upload("server/path.bin", path);
      expect(fromPath.size).toBe(123_456);
      expect(digest(await fixture.getObject("server/path.bin"))).toBe(digest(data.subarray(0, 123_456)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const chunks = [data.subarray(0, 3 * MiB), data.subarray(3 * MiB, 6 * MiB)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(next);
      },
    });
    const fromStream = await signer.upload("server/stream.bin", stream, { partSize: 5 * MiB });
    expect(fromStream.size).toBe(6 * MiB);
    expect(digest(await fixture.getObject("server/stream.bin"))).toBe(digest(data.subarray(0, 6 * MiB)));
  });
});

describe("server-side upload cancellation", () => {
  it("rejects with AbortError when the signal fires, leaving no multipart upload behind", async () => {
    const signer = makeSigner();
    const controller = new AbortController();
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 6 * MiB) return new Promise<void>(() => {}); // the source stalls
        sent += MiB;
        c.enqueue(bytes(MiB, sent));
        return undefined;
      },
    });
    const done = signer.upload("server/aborted.bin", stream, {
      partSize: 5 * MiB,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.loaded >= 5 * MiB) controller.abort();
      },
    });
    await expect(done).rejects.toMatchObject({ code: "Aborted" });
    await expect
      .poll(async () => (await fixture.listUploads()).filter((u) => u.key === "server/aborted.bin"))
      .toEqual([]);
    expect(await fixture.getObject("server/aborted.bin")).toBeUndefined();
    await expect(signer.upload("server/never.bin", bytes(10), { signal: controller.signal })).rejects.toMatchObject({
      code: "Aborted",
    });
  });
});

describe("logging", () => {
  it("reports errors to onError with safe messages", () => {
    expect(errors.length).toBeGreaterThan(0);
    for (const { error } of errors) {
      expect(error.message).not.toMatch(/X-Amz-Signature|X-Amz-Credential|S3RVER|integration-secret/);
    }
  });
});
