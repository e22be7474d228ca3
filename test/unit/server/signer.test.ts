/**
 * The signer's operations with S3 stubbed: what each answers, what it asks S3
 * for, and the refusals of each field.
 */
import { describe, expect, it } from "vitest";

import { SignerError, createSigner } from "../../../src/server.js";
import type { CreateMultipartResponse, CreateSingleResponse, SignResponse } from "../../../src/server.js";
import { MiB, SECRET, createMultipart, s3Error, setup } from "./helpers.js";

const create = (extra: Record<string, unknown> = {}) => ({
  v: 1,
  op: "create",
  filename: "photo.png",
  contentType: "image/png",
  size: 1000,
  ...extra,
});
type ErrorJson = { error: { code: string; message: string } };

describe("create", () => {
  it("answers one presigned PUT below the multipart threshold", async () => {
    const { call, sent } = setup({ cdn: "https://cdn.example.com/assets" });
    const res = await call<CreateSingleResponse>(create({ metadata: { owner: "alice" } }));
    expect(res.status).toBe(200);
    const body = res.json;
    expect(body.mode).toBe("single");
    expect(body.key).toMatch(/^uploads\/[0-9a-f-]{36}\/photo\.png$/);
    expect(body.headers).toEqual({ "content-type": "image/png", "x-amz-meta-owner": "alice" });
    expect(body.s3Url).toBe(`http://127.0.0.1:9/unit-bucket/${body.key}`);
    expect(body.cdnUrl).toBe(`https://cdn.example.com/assets/${body.key}`);
    const url = new URL(body.url);
    expect(url.pathname).toBe(`/unit-bucket/${body.key}`);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;content-type;host;x-amz-meta-owner");
    expect(sent).toEqual([]); // no S3 call for a single PUT
  });

  it("by default sends files under 10 MiB in one PUT and larger ones in parts of 10 MiB", async () => {
    const { call } = setup();
    expect((await call<CreateSingleResponse>(create({ size: 10 * MiB - 1 }))).json.mode).toBe("single");
    const multipart = (await call<CreateMultipartResponse>(create({ size: 10 * MiB }))).json;
    expect(multipart).toMatchObject({ mode: "multipart", partSize: 10 * MiB });
  });

  it("states when the PUT URL expires (signing second + urlExpiresInMs)", async () => {
    const now = Date.UTC(2030, 0, 1, 0, 0, 0, 700);
    const { call } = setup({ now: () => now, urlExpiresInMs: 120_000 });
    const body = (await call<CreateSingleResponse>(create())).json;
    expect(body.expiresAt).toBe(Date.UTC(2030, 0, 1, 0, 2, 0));
    expect(new URL(body.url).searchParams.get("X-Amz-Date")).toBe("20300101T000000Z");
  });

  it("starts a multipart upload at the threshold, with content type, metadata and checksum algorithm", async () => {
    const now = Date.UTC(2030, 0, 1);
    const { call, sent } = setup({ now: () => now, tokenExpiresInMs: 3_600_000, limits: { multipartThreshold: 1000 } });
    const res = await call<CreateMultipartResponse>(create({ size: 1000, metadata: { a: "1" }, checksum: "CRC32" }));
    const body = res.json;
    expect(body).toMatchObject({
      mode: "multipart",
      uploadId: "upload-1",
      partSize: 10 * MiB, // the default
      expiresAt: now + 3_600_000,
    });
    expect(sent).toEqual([
      {
        name: "CreateMultipartUploadCommand",
        input: {
          Bucket: "unit-bucket",
          Key: body.key,
          ContentType: "image/png",
          Metadata: { a: "1" },
          ChecksumAlgorithm: "CRC32",
        },
      },
    ]);
    expect(typeof body.token).toBe("string");
  });

  it("uses the client's part size within S3's bounds, and raises it when a file would need too many parts", async () => {
    const { call } = setup({ limits: { maxSize: 5 * 1024 * 1024 * MiB } });
    expect((await createMultipart(call, { size: 100 * MiB, partSize: 16 * MiB })).partSize).toBe(16 * MiB);
    expect((await createMultipart(call, { size: 100 * MiB, partSize: 1 })).partSize).toBe(5 * MiB);
    const big = await createMultipart(call, { size: 100 * 1024 * MiB });
    expect(Math.ceil((100 * 1024 * MiB) / big.partSize)).toBeLessThanOrEqual(10_000);
    expect(big.partSize % MiB).toBe(0);
  });

  it("honours a smaller limits.maxParts", async () => {
    const { call } = setup({ limits: { maxParts: 4 } });
    const up = await createMultipart(call, { size: 100 * MiB });
    expect(up.partSize).toBe(25 * MiB);
  });

  it("hands the validated input and the user to keyPolicy and limits.check", async () => {
    const seen: unknown[] = [];
    const { call } = setup({
      keyPolicy: (input, ctx) => {
        seen.push({ policy: input, user: ctx.user.id });
        return `users/${ctx.user.id}/avatar.png`;
      },
      limits: { check: (input, ctx) => void seen.push({ check: input.size, user: ctx.user.id }) },
    });
    const res = await call(create({ metadata: { k: "v" } }), { user: "carol" });
    expect((res.json as { key: string }).key).toBe("users/carol/avatar.png");
    expect(seen).toEqual([
      { check: 1000, user: "carol" },
      { policy: { filename: "photo.png", contentType: "image/png", size: 1000, metadata: { k: "v" } }, user: "carol" },
    ]);
  });

  it("refuses an unknown size when allowUnknownSize is false", async () => {
    const { call } = setup({ limits: { allowUnknownSize: false } });
    const res = await call(create({ size: null }));
    expect(res.status).toBe(400);
    expect((res.json as ErrorJson).error.code).toBe("BadRequest");
  });

  it.each([
    ["a filename over 1024 bytes", { filename: "é".repeat(513) }],
    ["a missing size", { size: undefined }],
    ["a fractional size", { size: 1.5 }],
    ["a content type without subtype", { contentType: "image" }],
    ["a content type with a newline", { contentType: "text/plain\r\nx-evil: 1" }],
    ["metadata over 2 KB", { metadata: { a: "x".repeat(2048) } }],
    ["a non-ASCII metadata value", { metadata: { a: "é" } }],
    ["a metadata value that is not a string", { metadata: { a: 1 } }],
    ["an unknown checksum algorithm", { checksum: "MD5" }],
  ])("answers BadRequest for %s", async (_name, extra) => {
    const { call } = setup();
    const res = await call(create(extra));
    expect(res.status).toBe(400);
    expect((res.json as ErrorJson).error.code).toBe("BadRequest");
  });

  it("matches content types case-insensitively, with wildcards and parameters", async () => {
    const { call } = setup({ limits: { contentTypes: ["image/*", "text/plain"] } });
    expect((await call(create({ contentType: "IMAGE/WebP" }))).status).toBe(200);
    expect((await call(create({ contentType: "text/plain; charset=utf-8" }))).status).toBe(200);
    expect((await call(create({ contentType: "text/html" }))).status).toBe(415);
    expect((await call(create({ contentType: "application/image" }))).status).toBe(415);
  });
});

describe("sign", () => {
  it("answers the first parts' URLs with create when asked (signParts): the URLs sign would answer", async () => {
    const now = Date.UTC(2030, 0, 1);
    const { call } = setup({ now: () => now });
    const two = await createMultipart(call, { size: 20 * MiB, signParts: 2 }); // 8 + 8 + 4 MiB
    const all = await createMultipart(call, { size: 20 * MiB, signParts: 100 });
    const signedOf = (up: object) => (up as CreateMultipartResponse).signed;
    expect(Object.keys(signedOf(two)?.urls ?? {})).toEqual(["1", "2"]);
    expect(Object.keys(signedOf(all)?.urls ?? {})).toEqual(["1", "2", "3"]); // no more than the upload has
    const viaSign = (
      await call<SignResponse>({
        v: 1,
        op: "sign",
        ...all,
        parts: [
          { partNumber: 1, size: 8 * MiB },
          { partNumber: 3, size: 4 * MiB },
        ],
      })
    ).json;
    // Same clock, same upload, same sizes: the same signatures, so each URL signs its part's exact size.
    expect(signedOf(all)?.urls["1"]).toEqual(viaSign.urls["1"]);
    expect(signedOf(all)?.urls["3"]).toEqual(viaSign.urls["3"]);
    expect(signedOf(all)?.expiresAt).toBe(viaSign.expiresAt);
  });

  it("signs no part with create unless asked, for a checksum, or for an unknown size; refuses a bad signParts", async () => {
    const { call } = setup();
    expect(await createMultipart(call, { size: 20 * MiB })).not.toHaveProperty("signed");
    expect(await createMultipart(call, { size: 20 * MiB, signParts: 3, checksum: "CRC32" })).not.toHaveProperty(
      "signed",
    );
    expect(await createMultipart(call, { size: null, signParts: 3 })).not.toHaveProperty("signed");
    for (const signParts of [0, 101, 1.5, "3", null]) {
      const res = await call(create({ size: 20 * MiB, signParts }));
      expect(res.status, String(signParts)).toBe(400);
      expect((res.json as ErrorJson).error.message).toBe("signParts must be an integer from 1 to 100 when given");
    }
  });

  it("derives part sizes from a known size and signs each as content-length", async () => {
    const { call } = setup();
    const up = await createMultipart(call, { size: 20 * MiB }); // 8 + 8 + 4 MiB
    const res = await call<SignResponse>({
      v: 1,
      op: "sign",
      ...up,
      parts: [{ partNumber: 3, size: 4 * MiB }, { partNumber: 1 }],
    });
    expect(res.status).toBe(200);
    const body = res.json;
    expect(Object.keys(body.urls).sort()).toEqual(["1", "3"]);
    expect(body.urls["1"]!.headers).toEqual({});
    expect(new URL(body.urls["3"]!.url).searchParams.get("partNumber")).toBe("3");
    expect(typeof body.expiresAt).toBe("number");
  });

  it("refuses a declared size that differs from the planned one", async () => {
    const { call } = setup();
    const up = await createMultipart(call, { size: 20 * MiB });
    const res = await call({ v: 1, op: "sign", ...up, parts: [{ partNumber: 3, size: 8 * MiB }] });
    expect(res.status).toBe(400);
    expect((res.json as ErrorJson).error.code).toBe("BadRequest");
  });

  it("bounds declared sizes of an unknown-length upload by the part size", async () => {
    const { call } = setup();
    const up = await createMultipart(call, { size: null });
    const sign = (parts: unknown) => call({ v: 1, op: "sign", ...up, parts });
    expect((await sign([{ partNumber: 2, size: 8 * MiB }])).status).toBe(200);
    expect((await sign([{ partNumber: 1, size: 0 }])).status).toBe(200); // an empty stream
    expect((await sign([{ partNumber: 2, size: 0 }])).status).toBe(400);
    expect((await sign([{ partNumber: 2, size: 8 * MiB + 1 }])).status).toBe(400);
    expect((await sign([{ partNumber: 2 }])).status).toBe(400);
  });

  it("requires a CRC32 per part when the upload has one, returns it as a header, and refuses one otherwise", async () => {
    const { call } = setup();
    const withSum = await createMultipart(call, { checksum: "CRC32" });
    const missing = await call({ v: 1, op: "sign", ...withSum, parts: [{ partNumber: 1, size: 8 * MiB }] });
    expect(missing.status).toBe(400);
    const malformed = await call({
      v: 1,
      op: "sign",
      ...withSum,
      parts: [{ partNumber: 1, size: 8 * MiB, checksum: "abc" }],
    });
    expect(malformed.status).toBe(400);
    const ok = await call<SignResponse>({
      v: 1,
      op: "sign",
      ...withSum,
      parts: [{ partNumber: 1, size: 8 * MiB, checksum: "3q2+7w==" }],
    });
    expect(ok.json.urls["1"]!.headers).toEqual({ "x-amz-checksum-crc32": "3q2+7w==" });
    const without = await createMultipart(call);
    const extra = await call({
      v: 1,
      op: "sign",
      ...without,
      parts: [{ partNumber: 1, size: 8 * MiB, checksum: "3q2+7w==" }],
    });
    expect(extra.status).toBe(400);
  });

  it("refuses more than 100 parts per call, duplicates, and an empty list", async () => {
    const { call } = setup({ limits: { maxSize: 5 * 1024 * 1024 * MiB } });
    const up = await createMultipart(call, { size: 2000 * MiB });
    const many = Array.from({ length: 101 }, (_, i) => ({ partNumber: i + 1 }));
    expect((await call({ v: 1, op: "sign", ...up, parts: many })).status).toBe(400);
    expect((await call({ v: 1, op: "sign", ...up, parts: many.slice(0, 100) })).status).toBe(200);
    expect((await call({ v: 1, op: "sign", ...up, parts: [{ partNumber: 1 }, { partNumber: 1 }] })).status).toBe(400);
    expect((await call({ v: 1, op: "sign", ...up, parts: [] })).status).toBe(400);
  });
});

describe("list, complete, abort", () => {
  it("lists every page of ListParts", async () => {
    const pages = [
      { Parts: [{ PartNumber: 1, ETag: '"a"', Size: 5 }], IsTruncated: true, NextPartNumberMarker: "1" },
      { Parts: [{ PartNumber: 2, ETag: '"b"', Size: 6, ChecksumCRC32: "AAAAAA==" }], IsTruncated: false },
    ];
    const markers: unknown[] = [];
    const { call } = setup(
      {},
      {
        ListPartsCommand: (input) => {
          markers.push(input.PartNumberMarker);
          return pages[markers.length - 1];
        },
      },
    );
    const up = await createMultipart(call);
    const res = await call({ v: 1, op: "list", ...up });
    expect(res.json).toEqual({
      parts: [
        { partNumber: 1, etag: '"a"', size: 5 },
        { partNumber: 2, etag: '"b"', size: 6, checksum: "AAAAAA==" },
      ],
    });
    expect(markers).toEqual([undefined, "1"]);
  });

  it("completes with the parts and checksums, answering the known size and URLs", async () => {
    const { call, sent } = setup({ cdn: "https://cdn.example.com" });
    const up = await createMultipart(call, { size: 20 * MiB, checksum: "CRC32" });
    const parts = [1, 2, 3].map((n) => ({ partNumber: n, etag: `"e${n}"`, checksum: "AAAAAA==" }));
    const res = await call({ v: 1, op: "complete", ...up, parts });
    expect(res.json).toEqual({
      key: up.key,
      etag: '"etag-final-1"',
      size: 20 * MiB,
      cdnUrl: `https://cdn.example.com/${up.key}`,
      s3Url: `http://127.0.0.1:9/unit-bucket/${up.key}`,
    });
    expect(sent.at(-1)).toEqual({
      name: "CompleteMultipartUploadCommand",
      input: {
        Bucket: "unit-bucket",
        Key: up.key,
        UploadId: up.uploadId,
        MultipartUpload: {
          Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, ChecksumCRC32: p.checksum })),
        },
      },
    });
  });

  it("deletes an unknown-length object that ended up over maxSize and answers TooLarge", async () => {
    const { call, sent } = setup(
      { limits: { maxSize: 10 * MiB } },
      { HeadObjectCommand: () => ({ ContentLength: 10 * MiB + 1 }) },
    );
    const up = await createMultipart(call, { size: null });
    const res = await call({
      v: 1,
      op: "complete",
      ...up,
      parts: [
        { partNumber: 1, etag: '"a"' },
        { partNumber: 2, etag: '"b"' },
      ],
    });
    expect(res.status).toBe(413);
    expect((res.json as ErrorJson).error.code).toBe("TooLarge");
    expect(sent.map((c) => c.name).slice(-3)).toEqual([
      "CompleteMultipartUploadCommand",
      "HeadObjectCommand",
      "DeleteObjectCommand",
    ]);
  });

  it("answers the stored size of an unknown-length upload within limits", async () => {
    const { call } = setup({}, { HeadObjectCommand: () => ({ ContentLength: 12_345_678 }) });
    const up = await createMultipart(call, { size: null });
    const res = await call({
      v: 1,
      op: "complete",
      ...up,
      parts: [
        { partNumber: 1, etag: '"a"' },
        { partNumber: 2, etag: '"b"' },
      ],
    });
    expect((res.json as { size: number }).size).toBe(12_345_678);
  });

  it("treats abort of an upload S3 no longer has as done (idempotent)", async () => {
    const { call } = setup({}, { AbortMultipartUploadCommand: () => Promise.reject(s3Error("NoSuchUpload", 404)) });
    const up = await createMultipart(call);
    expect((await call({ v: 1, op: "abort", ...up })).json).toEqual({ ok: true });
    expect((await call({ v: 1, op: "abort", ...up })).json).toEqual({ ok: true });
  });
});

describe("construction and helpers", () => {
  const base = {
    s3: { region: "us-east-1", credentials: { accessKeyId: "AK", secretAccessKey: "SK" } },
    bucket: "my-bucket",
    tokenSecret: SECRET,
    authorize: () => ({ id: "a" }),
  };

  it("refuses a missing authorize, an invalid bucket and impossible limits at once", () => {
    expect(() => createSigner({ ...base, authorize: undefined as never })).toThrow(/authorize is required/);
    expect(() => createSigner({ ...base, bucket: "Bad_Bucket" })).toThrow(/not a valid S3 bucket name/);
    expect(() => createSigner({ ...base, limits: { partSize: 1024 } })).toThrow(/partSize/);
    expect(() => createSigner({ ...base, limits: { multipartThreshold: 6 * 1024 * MiB } })).toThrow(
      /multipartThreshold/,
    );
    expect(() => createSigner({ ...base, limits: { contentTypes: ["*/png"] } })).toThrow(/contentTypes/);
    expect(() => createSigner({ ...base, urlExpiresInMs: 604_801_000 })).toThrow(/urlExpiresInMs/);
  });

  it("builds URLs from the client configuration, or from an explicit origin", () => {
    expect(createSigner(base).objectUrls("a b/c.png")).toEqual({
      s3Url: "https://my-bucket.s3.us-east-1.amazonaws.com/a%20b/c.png",
    });
    const custom = createSigner({
      ...base,
      s3: { region: "auto", endpoint: "https://acc.r2.cloudflarestorage.com", forcePathStyle: true },
      cdn: "https://cdn.example.com",
    });
    expect(custom.objectUrls("x.png")).toEqual({
      cdnUrl: "https://cdn.example.com/x.png",
      s3Url: "https://acc.r2.cloudflarestorage.com/my-bucket/x.png",
    });
    const explicit = createSigner({ ...base, origin: { bucket: "my-bucket", region: "eu-west-1", dualstack: true } });
    expect(explicit.objectUrls("x").s3Url).toBe("https://my-bucket.s3.dualstack.eu-west-1.amazonaws.com/x");
    expect(() => createSigner(base).objectUrls("../x")).toThrow(/Invalid key/);
  });

  it("keeps getUrl as a deprecated alias of objectUrls", () => {
    const signer = createSigner({ ...base, cdn: "https://cdn.example.com" });
    expect(signer.getUrl("a/b.png")).toEqual(signer.objectUrls("a/b.png"));
    expect(signer.getUrl("a/b.png").cdnUrl).toBe("https://cdn.example.com/a/b.png");
  });

  it("answers a ConfigError naming origin when the origin needs a request to be known", () => {
    const signer = createSigner({ ...base, s3: { region: async () => "eu-west-1" } });
    expect(() => signer.objectUrls("a.png")).toThrow(
      expect.objectContaining({ code: "InvalidConfig", option: "origin" }),
    );
  });

  it("presigns a GET for the server", async () => {
    const signer = createSigner({ ...base, now: () => Date.UTC(2030, 0, 1) });
    const { url, expiresAt } = await signer.presignGet("a/b.png", { expiresInMs: 60_000 });
    expect(new URL(url).searchParams.get("X-Amz-Expires")).toBe("60");
    expect(expiresAt).toBe(Date.UTC(2030, 0, 1, 0, 1));
    const byDefault = await signer.presignGet("a/b.png");
    expect(new URL(byDefault.url).searchParams.get("X-Amz-Expires")).toBe("900");
    // Deprecated: a number of seconds.
    expect(new URL((await signer.presignGet("a/b.png", 120)).url).searchParams.get("X-Amz-Expires")).toBe("120");
    await expect(signer.presignGet("/abs")).rejects.toMatchObject({ code: "InvalidKey", status: 400 });
    await expect(signer.presignGet("a.png", { expiresInMs: 999 })).rejects.toMatchObject({
      code: "BadRequest",
      message: expect.stringMatching(/expiresInMs/),
    });
  });

  it("answers 401 for an authorize that returns a user without an id", async () => {
    const { call } = setup({ authorize: () => ({ name: "x" }) as never });
    expect((await call(create())).status).toBe(401);
  });

  it("throws only SignerErrors from its operations when called directly", async () => {
    const { signer } = setup();
    const ctx = { user: { id: "a" }, request: new Request("http://x.test") };
    const error = await signer.sign({ key: "k", uploadId: "u", token: "t", parts: [] }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignerError);
    expect((error as SignerError).code).toBe("InvalidToken");
  });
});

describe("findings of the hostile review (issue 18)", () => {
  it("does not let image/* admit image/svg+xml unless it is listed", async () => {
    const images = setup({ limits: { contentTypes: ["image/*"] } });
    const svg = await images.call(create({ contentType: "image/svg+xml" }));
    expect(svg.status).toBe(415);
    expect((svg.json as ErrorJson).error).toEqual({
      code: "ContentTypeNotAllowed",
      message: "content type image/svg+xml is not allowed",
    });
    expect((await images.call(create({ contentType: "IMAGE/SVG+XML; charset=utf-8" }))).status).toBe(415);
    expect((await images.call(create({ contentType: "image/png" }))).status).toBe(200);
    const listed = setup({ limits: { contentTypes: ["image/*", "image/svg+xml"] } });
    expect((await listed.call(create({ contentType: "image/svg+xml" }))).status).toBe(200);
    expect((await setup().call(create({ contentType: "image/svg+xml" }))).status).toBe(200); // */* admits everything
  });

  it("accepts a quoted media-type parameter with an escaped quote, and says what a content type must be", async () => {
    const { call } = setup({ limits: { contentTypes: ["image/png"] } });
    expect((await call(create({ contentType: 'image/png; q="a\\"b"' }))).status).toBe(200);
    const broken = await call(create({ contentType: 'image/png; q="a"b"' }));
    expect(broken.status).toBe(400);
    expect((broken.json as ErrorJson).error.message).toMatch(
      /^contentType must be a media type such as image\/png \(type\/subtype, then optional ; name=value/,
    );
  });

  it("says a part size sent as a string has the wrong type", async () => {
    const { call } = setup();
    const up = await createMultipart(call, { size: 20 * MiB });
    const res = await call({ v: 1, op: "sign", ...up, parts: [{ partNumber: 1, size: String(8 * MiB) }] });
    expect(res.status).toBe(400);
    expect((res.json as ErrorJson).error.message).toBe("part 1: size must be a number of bytes, not a string");
  });

  it("writes '1 part' and '2 parts'", async () => {
    const { call } = setup();
    const one = await createMultipart(call, { size: 10 * MiB, partSize: 10 * MiB });
    const res = await call({
      v: 1,
      op: "complete",
      ...one,
      parts: [1, 2].map((n) => ({ partNumber: n, etag: '"e"' })),
    });
    expect((res.json as ErrorJson).error.message).toBe("this upload has 1 part, not 2");
    const two = await createMultipart(call, { size: 16 * MiB });
    const res2 = await call({ v: 1, op: "complete", ...two, parts: [{ partNumber: 1, etag: '"e"' }] });
    expect((res2.json as ErrorJson).error.message).toBe("this upload has 2 parts, not 1");
  });

  it("caps a client-chosen part size of an unknown-length upload at maxSize, and never signs past maxSize", async () => {
    const { call } = setup({ limits: { maxSize: 64 * MiB } });
    const up = await createMultipart(call, { size: null, partSize: 5 * 1024 * MiB });
    expect(up.partSize).toBe(64 * MiB);
    const sign = (parts: unknown) => call({ v: 1, op: "sign", ...up, parts });
    expect((await sign([{ partNumber: 1, size: 64 * MiB + 1 }])).status).toBe(400);
    expect((await sign([{ partNumber: 2, size: 1 }])).json).toMatchObject({ error: { code: "TooManyParts" } });
    const ok = (await call<SignResponse>({ v: 1, op: "sign", ...up, parts: [{ partNumber: 1, size: 64 * MiB }] })).json;
    expect(ok.urls["1"]).toBeDefined();
  });

  it("bounds each part by what maxSize leaves after the earlier parts at their largest", async () => {
    const { call } = setup({ limits: { maxSize: 20 * MiB } });
    const up = await createMultipart(call, { size: null, partSize: 8 * MiB });
    const sign = async (partNumber: number, size: number) =>
      (await call({ v: 1, op: "sign", ...up, parts: [{ partNumber, size }] })).status;
    expect(await sign(2, 8 * MiB)).toBe(200);
    expect(await sign(3, 4 * MiB)).toBe(200); // 8 + 8 + 4 = 20 MiB
    expect(await sign(3, 4 * MiB + 1)).toBe(400);
    expect(await sign(4, 1)).toBe(400);
  });

  it("takes the ETag from HeadObject when CompleteMultipartUpload answers an empty one (Ceph RGW)", async () => {
    const { call, sent } = setup(
      {},
      {
        CompleteMultipartUploadCommand: () => ({ ETag: "" }),
        HeadObjectCommand: () => ({ ContentLength: 20 * MiB, ETag: '"from-head-3"' }),
      },
    );
    const up = await createMultipart(call, { size: 20 * MiB });
    const res = await call({
      v: 1,
      op: "complete",
      ...up,
      parts: [1, 2, 3].map((n) => ({ partNumber: n, etag: `"e${n}"` })),
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ etag: '"from-head-3"', size: 20 * MiB });
    expect(sent.map((c) => c.name).slice(-2)).toEqual(["CompleteMultipartUploadCommand", "HeadObjectCommand"]);
  });

  it("completes with an empty ETag when HeadObject fails after an empty one (the object exists)", async () => {
    const { call } = setup(
      {},
      {
        CompleteMultipartUploadCommand: () => ({}),
        HeadObjectCommand: () => Promise.reject(s3Error("InternalError", 500)),
      },
    );
    const up = await createMultipart(call, { size: 20 * MiB });
    const res = await call({
      v: 1,
      op: "complete",
      ...up,
      parts: [1, 2, 3].map((n) => ({ partNumber: n, etag: `"e${n}"` })),
    });
    expect(res.status).toBe(200);
    expect((res.json as { etag: string }).etag).toBe("");
  });

  it("does not call HeadObject when CompleteMultipartUpload answers an ETag for a known size", async () => {
    const { call, sent } = setup();
    const up = await createMultipart(call, { size: 20 * MiB });
    await call({ v: 1, op: "complete", ...up, parts: [1, 2, 3].map((n) => ({ partNumber: n, etag: `"e${n}"` })) });
    expect(sent.map((c) => c.name)).not.toContain("HeadObjectCommand");
  });

  it("answers 502 'S3 could not be reached' when S3 refuses the connection", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
      code: "ECONNREFUSED",
      $metadata: { attempts: 3 },
    });
    const { call } = setup({}, { ListPartsCommand: () => Promise.reject(refused) });
    const up = await createMultipart(call);
    const res = await call({ v: 1, op: "list", ...up });
    expect(res.status).toBe(502);
    expect((res.json as ErrorJson).error).toEqual({
      code: "InternalError",
      message: "S3 could not be reached (ECONNREFUSED)",
    });
  });
});

describe("signer.run (the dispatch table)", () => {
  it("runs an operation by name with an unchecked input, and refuses a name outside the table", async () => {
    const { signer } = setup();
    const ctx = { user: { id: "a" }, request: new Request("http://x.test") };
    const out = await signer.run("create", { filename: "a.txt", contentType: "text/plain", size: 3 }, ctx);
    expect(out).toMatchObject({ mode: "single" });
    await expect(signer.run("toString" as never, {}, ctx)).rejects.toMatchObject({
      code: "BadRequest",
      message: "unknown operation",
    });
  });
});
