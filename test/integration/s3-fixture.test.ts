/**
 * Tests of the S3 test fixture itself (test/support/s3): its SigV4 verifier, the multipart
 * operations it adds to s3rver, its guards, hooks and CORS, against @aws-sdk/client-s3 and
 * presigned URLs from @aws-sdk/s3-request-presigner.
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type CompletedPart,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { startS3Fixture, type S3Fixture } from "../support/s3/fixture.js";
import { canonicalQuery, canonicalUri, verifySigV4, type SignedRequest } from "../support/s3/sigv4.js";
import "../support/s3/types.js";
import { fixtureClient } from "../support/s3/client.js";

const MiB = 1024 * 1024;

function bytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

function md5Etag(data: Uint8Array): string {
  return `"${createHash("md5").update(data).digest("hex")}"`;
}

function xmlCode(body: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
}

async function s3Error(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  throw new Error("expected the S3 call to fail");
}

/** A node:crypto hash with the shape @smithy/signature-v4 wants. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash("sha256");
    const key = typeof this.secret === "string" ? this.secret : Buffer.from(this.secret as ArrayBuffer);
    return createHmac("sha256", key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === "string" ? data : Buffer.from(data as ArrayBuffer));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function headersOf(record: Record<string, string>): SignedRequest["headers"] {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name.toLowerCase(), [value]]));
}

describe("sigv4 verifier (unit)", () => {
  const secrets = new Map([["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]]);
  const exampleUrl =
    "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  const exampleHeaders = headersOf({ host: "examplebucket.s3.amazonaws.com" });
  const exampleNow = Date.UTC(2013, 4, 24, 1, 0, 0);

  it("accepts the presigned GET example from AWS's SigV4 documentation", () => {
    const result = verifySigV4(
      { method: "GET", url: exampleUrl, headers: exampleHeaders },
      { secrets, region: "us-east-1", now: exampleNow },
    );
    expect(result).toEqual({ ok: true, kind: "query", accessKeyId: "AKIAIOSFODNN7EXAMPLE" });
  });

  it("refuses the same example with another method, path or host", () => {
    const opts = { secrets, region: "us-east-1", now: exampleNow };
    const codes = [
      verifySigV4({ method: "PUT", url: exampleUrl, headers: exampleHeaders }, opts),
      verifySigV4({ method: "GET", url: exampleUrl.replace("/test.txt", "/test2.txt"), headers: exampleHeaders }, opts),
      verifySigV4({ method: "GET", url: exampleUrl, headers: headersOf({ host: "other.s3.amazonaws.com" }) }, opts),
    ].map((r) => (r.ok ? "ok" : r.error.code));
    expect(codes).toEqual(["SignatureDoesNotMatch", "SignatureDoesNotMatch", "SignatureDoesNotMatch"]);
  });

  it("refuses the example once X-Amz-Date + X-Amz-Expires has passed", () => {
    const result = verifySigV4(
      { method: "GET", url: exampleUrl, headers: exampleHeaders },
      { secrets, region: "us-east-1", now: Date.UTC(2013, 4, 25, 0, 0, 1) },
    );
    expect(result.ok ? undefined : [result.error.status, result.error.code, result.error.message]).toEqual([
      403,
      "AccessDenied",
      "Request has expired",
    ]);
  });

  it("agrees with @smithy/signature-v4 on a header-signed PUT, and notices a changed signed header", async () => {
    const signer = new SignatureV4({
      credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
      region: "us-east-1",
      service: "s3",
      sha256: NodeSha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
    const signed = await signer.sign({
      method: "PUT",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 9000,
      path: "/bucket/a%20b%2Bc/%C3%A9t%C3%A9.txt",
      query: { partNumber: "3", uploadId: "abc", "x-id": "UploadPart" },
      headers: {
        host: "127.0.0.1:9000",
        "content-length": "5",
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        "x-amz-meta-note": "  two  spaces ",
      },
    });
    const url = `${signed.path}?partNumber=3&uploadId=abc&x-id=UploadPart`;
    const opts = { secrets, region: "us-east-1", now: Date.now() };
    const good = verifySigV4({ method: "PUT", url, headers: headersOf(signed.headers) }, opts);
    const changed = verifySigV4(
      { method: "PUT", url, headers: headersOf({ ...signed.headers, "content-length": "6" }) },
      opts,
    );
    expect(good.ok).toBe(true);
    expect(changed.ok ? "ok" : changed.error.code).toBe("SignatureDoesNotMatch");
  });

  it("canonicalises the path once, so an encoded and a literal '+' name the same key", () => {
    expect(canonicalUri("/b/a%20b+c/%C3%A9")).toBe("/b/a%20b%2Bc/%C3%A9");
    expect(canonicalUri("/b/a%20b%2Bc/%C3%A9")).toBe("/b/a%20b%2Bc/%C3%A9");
    expect(canonicalUri("/b/it's(1)!")).toBe("/b/it%27s%281%29%21");
  });

  it("sorts and encodes the query, leaving out X-Amz-Signature", () => {
    expect(
      canonicalQuery([
        ["uploads", ""],
        ["b", "x y"],
        ["X-Amz-Signature", "s"],
        ["a", "1/2"],
      ]),
    ).toBe("a=1%2F2&b=x%20y&uploads=");
  });

  it("treats a request without any authentication as anonymous", () => {
    expect(verifySigV4({ method: "GET", url: "/b/k", headers: {} }, { secrets, region: "us-east-1", now: 0 })).toEqual({
      ok: true,
      kind: "anonymous",
    });
  });
});

describe("S3 fixture", () => {
  let strict: S3Fixture; // S3's 5 MiB minimum part size
  let small: S3Fixture; // minPartSize 1: small parts
  let s3: S3Client;
  let s3s: S3Client;

  beforeAll(async () => {
    [strict, small] = await Promise.all([startS3Fixture(), startS3Fixture({ minPartSize: 1 })]);
    s3 = strict.s3Client();
    s3s = small.s3Client();
  });
  afterAll(async () => {
    await Promise.all([strict?.close(), small?.close()]);
  });

  async function create(client: S3Client, fx: S3Fixture, key: string): Promise<string> {
    const out = await client.send(new CreateMultipartUploadCommand({ Bucket: fx.bucket, Key: key }));
    if (!out.UploadId) throw new Error("no UploadId");
    return out.UploadId;
  }

  async function partUrl(
    client: S3Client,
    fx: S3Fixture,
    key: string,
    uploadId: string,
    partNumber: number,
  ): Promise<string> {
    return getSignedUrl(
      client,
      new UploadPartCommand({ Bucket: fx.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber }),
      { expiresIn: 300 },
    );
  }

  async function putPart(
    client: S3Client,
    fx: S3Fixture,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array<ArrayBuffer>,
  ): Promise<CompletedPart> {
    const res = await fetch(await partUrl(client, fx, key, uploadId, partNumber), { method: "PUT", body });
    expect(res.status).toBe(200);
    return { PartNumber: partNumber, ETag: res.headers.get("etag") ?? "" };
  }

  function complete(client: S3Client, fx: S3Fixture, key: string, uploadId: string, parts: CompletedPart[]) {
    return client.send(
      new CompleteMultipartUploadCommand({
        Bucket: fx.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  }

  describe("read-after-write consistency (s3rver answers before its write stream flushes)", () => {
    it("a large PutObject is whole on disk and over HTTP as soon as the PUT is answered", async () => {
      for (let i = 0; i < 3; i++) {
        const key = `consistency/put-${i}.bin`;
        const body = bytes(6 * MiB - 1, 40 + i);
        const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: strict.bucket, Key: key }), {
          expiresIn: 60,
        });
        expect((await fetch(url, { method: "PUT", body })).status).toBe(200);
        expect((await strict.getObject(key))?.byteLength).toBe(body.byteLength);
        const got = await fetch(`${strict.endpoint}/${strict.bucket}/${key}`);
        expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(body))).toBe(true);
      }
    });

    it("a completed multipart object is whole as soon as Complete is answered", async () => {
      const key = "consistency/multi.bin";
      const uploadId = await create(s3, strict, key);
      const p1 = bytes(5 * MiB, 50);
      const p2 = bytes(3 * MiB + 7, 51);
      const parts = [await putPart(s3, strict, key, uploadId, 1, p1), await putPart(s3, strict, key, uploadId, 2, p2)];
      await complete(s3, strict, key, uploadId, parts);
      expect((await strict.getObject(key))?.byteLength).toBe(p1.byteLength + p2.byteLength);
    });
  });

  describe("multipart operations", () => {
    it.each(["dir/with space.bin", "plus+sign&more=1.bin", "ünïcødé/日本語 ファイル.bin"])(
      "round-trips a multipart upload through presigned part URLs (key %j)",
      async (key) => {
        const uploadId = await create(s3s, small, key);
        const p1 = bytes(1000, 1);
        const p2 = bytes(333, 2);
        const parts = [
          await putPart(s3s, small, key, uploadId, 1, p1),
          await putPart(s3s, small, key, uploadId, 2, p2),
        ];
        expect(parts.map((p) => p.ETag)).toEqual([md5Etag(p1), md5Etag(p2)]);
        await complete(s3s, small, key, uploadId, parts);
        const expected = Buffer.concat([p1, p2]);
        const got = await s3s.send(new GetObjectCommand({ Bucket: small.bucket, Key: key }));
        expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(expected);
        expect(Buffer.from((await small.getObject(key)) ?? [])).toEqual(expected);
        expect(await small.listUploads()).not.toContainEqual({ key, uploadId });
      },
    );

    it("completes 5 MiB parts under S3's default minimum part size", async () => {
      const key = "big/five-mib.bin";
      const uploadId = await create(s3, strict, key);
      const p1 = bytes(5 * MiB, 3);
      const p2 = bytes(10, 4);
      const parts = [await putPart(s3, strict, key, uploadId, 1, p1), await putPart(s3, strict, key, uploadId, 2, p2)];
      await complete(s3, strict, key, uploadId, parts);
      expect((await strict.getObject(key))?.length).toBe(5 * MiB + 10);
    });

    it("lists the parts uploaded so far with sizes and ETags, one page at a time", async () => {
      const key = "list/parts.bin";
      const uploadId = await create(s3s, small, key);
      const p1 = bytes(700, 5);
      const p2 = bytes(300, 6);
      const uploaded = [
        await putPart(s3s, small, key, uploadId, 1, p1),
        await putPart(s3s, small, key, uploadId, 2, p2),
      ];
      const all = await s3s.send(new ListPartsCommand({ Bucket: small.bucket, Key: key, UploadId: uploadId }));
      expect(all.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
        [1, 700, uploaded[0]?.ETag],
        [2, 300, uploaded[1]?.ETag],
      ]);
      expect(all.IsTruncated).toBe(false);
      expect(all.Parts?.[0]?.LastModified).toBeInstanceOf(Date);
      const page1 = await s3s.send(
        new ListPartsCommand({ Bucket: small.bucket, Key: key, UploadId: uploadId, MaxParts: 1 }),
      );
      expect([page1.Parts?.map((p) => p.PartNumber), page1.IsTruncated, page1.NextPartNumberMarker]).toEqual([
        [1],
        true,
        "1",
      ]);
      const page2 = await s3s.send(
        new ListPartsCommand({
          Bucket: small.bucket,
          Key: key,
          UploadId: uploadId,
          MaxParts: 1,
          PartNumberMarker: page1.NextPartNumberMarker,
        }),
      );
      expect([page2.Parts?.map((p) => p.PartNumber), page2.IsTruncated]).toEqual([[2], false]);
      await s3s.send(new AbortMultipartUploadCommand({ Bucket: small.bucket, Key: key, UploadId: uploadId }));
    });

    it("lists uploads in progress and forgets them after Abort and after Complete", async () => {
      const a = await create(s3s, small, "mpu/a.bin");
      const b = await create(s3s, small, "mpu/b.bin");
      const listed = async (): Promise<Array<string | undefined>> =>
        ((await s3s.send(new ListMultipartUploadsCommand({ Bucket: small.bucket, Prefix: "mpu/" }))).Uploads ?? []).map(
          (u) => `${u.Key} ${u.UploadId}`,
        );
      expect(await listed()).toEqual([`mpu/a.bin ${a}`, `mpu/b.bin ${b}`]);
      await s3s.send(new AbortMultipartUploadCommand({ Bucket: small.bucket, Key: "mpu/a.bin", UploadId: a }));
      expect(await listed()).toEqual([`mpu/b.bin ${b}`]);
      await complete(s3s, small, "mpu/b.bin", b, [await putPart(s3s, small, "mpu/b.bin", b, 1, bytes(5))]);
      expect(await listed()).toEqual([]);
      expect((await small.listUploads()).filter((u) => u.key.startsWith("mpu/"))).toEqual([]);
    });

    it("aborts with 204, then answers NoSuchUpload to UploadPart, ListParts and a second Abort", async () => {
      const key = "abort/me.bin";
      const uploadId = await create(s3s, small, key);
      await putPart(s3s, small, key, uploadId, 1, bytes(10));
      const abortUrl = await getSignedUrl(
        s3s,
        new AbortMultipartUploadCommand({ Bucket: small.bucket, Key: key, UploadId: uploadId }),
      );
      expect((await fetch(abortUrl, { method: "DELETE" })).status).toBe(204);
      const put = await fetch(await partUrl(s3s, small, key, uploadId, 2), { method: "PUT", body: bytes(10) });
      expect([put.status, xmlCode(await put.text())]).toEqual([404, "NoSuchUpload"]);
      expect(
        (await s3Error(s3s.send(new ListPartsCommand({ Bucket: small.bucket, Key: key, UploadId: uploadId })))).name,
      ).toBe("NoSuchUpload");
      expect(
        (
          await s3Error(
            s3s.send(new AbortMultipartUploadCommand({ Bucket: small.bucket, Key: key, UploadId: uploadId })),
          )
        ).name,
      ).toBe("NoSuchUpload");
      expect(await small.listUploads()).not.toContainEqual({ key, uploadId });
    });

    it("answers NoSuchUpload to a part for an unknown uploadId without leaving an orphan", async () => {
      const res = await fetch(await partUrl(s3s, small, "ghost.bin", "0123456789abcdef0123456789abcdef", 1), {
        method: "PUT",
        body: bytes(10),
      });
      expect([res.status, xmlCode(await res.text())]).toEqual([404, "NoSuchUpload"]);
      expect(await small.listUploads()).not.toContainEqual(
        expect.objectContaining({ uploadId: "0123456789abcdef0123456789abcdef" }),
      );
    });

    it("refuses a Complete naming a part never uploaded with InvalidPart, and keeps serving", async () => {
      const key = "complete/missing.bin";
      const uploadId = await create(s3s, small, key);
      const p1 = await putPart(s3s, small, key, uploadId, 1, bytes(10));
      const error = await s3Error(
        complete(s3s, small, key, uploadId, [p1, { PartNumber: 2, ETag: md5Etag(bytes(10)) }]),
      );
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(["InvalidPart", 400]);
      expect(await small.listUploads()).toContainEqual({ key, uploadId });
      await complete(s3s, small, key, uploadId, [p1]);
      expect((await small.getObject(key))?.length).toBe(10);
    });

    it("refuses a Complete whose ETag does not match the stored part with InvalidPart", async () => {
      const key = "complete/etag.bin";
      const uploadId = await create(s3s, small, key);
      await putPart(s3s, small, key, uploadId, 1, bytes(10));
      const error = await s3Error(complete(s3s, small, key, uploadId, [{ PartNumber: 1, ETag: md5Etag(bytes(11)) }]));
      expect(error.name).toBe("InvalidPart");
    });

    it("refuses parts listed out of order with InvalidPartOrder", async () => {
      const key = "complete/order.bin";
      const uploadId = await create(s3s, small, key);
      const p1 = await putPart(s3s, small, key, uploadId, 1, bytes(10));
      const p2 = await putPart(s3s, small, key, uploadId, 2, bytes(10));
      const error = await s3Error(complete(s3s, small, key, uploadId, [p2, p1]));
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(["InvalidPartOrder", 400]);
    });

    it("refuses a non-last part smaller than 5 MiB with EntityTooSmall", async () => {
      const key = "complete/small.bin";
      const uploadId = await create(s3, strict, key);
      const p1 = await putPart(s3, strict, key, uploadId, 1, bytes(1024));
      const p2 = await putPart(s3, strict, key, uploadId, 2, bytes(10));
      const error = await s3Error(complete(s3, strict, key, uploadId, [p1, p2]));
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(["EntityTooSmall", 400]);
      await complete(s3, strict, key, uploadId, [p1]); // a single (last) part may be small
      expect((await strict.getObject(key))?.length).toBe(1024);
    });
  });

  describe("signature verification", () => {
    let key: string;
    let uploadId: string;
    let url: URL;
    beforeAll(async () => {
      key = "sig/part.bin";
      uploadId = await create(s3s, small, key);
      url = new URL(await partUrl(s3s, small, key, uploadId, 1));
    });

    const tampered: Array<[string, (u: URL) => [string, string]]> = [
      ["partNumber", (u) => [u.href.replace("partNumber=1", "partNumber=2"), "PUT"]],
      ["key", (u) => [u.href.replace("/sig/part.bin", "/sig/other.bin"), "PUT"]],
      ["method", (u) => [u.href, "DELETE"]],
      [
        "signature (zeroed)",
        (u) => [u.href.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${"0".repeat(64)}`), "PUT"],
      ],
    ];
    it.each(tampered)(
      "refuses a presigned part URL whose %s was changed with SignatureDoesNotMatch",
      async (_, change) => {
        const [href, method] = change(url);
        const res = await fetch(href, { method, ...(method === "PUT" ? { body: bytes(10) } : {}) });
        expect([res.status, xmlCode(await res.text())]).toEqual([403, "SignatureDoesNotMatch"]);
        expect(await small.listUploads()).toContainEqual({ key, uploadId });
      },
    );

    it("accepts the untampered presigned part URL", async () => {
      expect((await fetch(url, { method: "PUT", body: bytes(10) })).status).toBe(200);
    });

    it("refuses an expired presigned URL with AccessDenied 'Request has expired'", async () => {
      const href = await getSignedUrl(
        s3s,
        new UploadPartCommand({ Bucket: small.bucket, Key: key, UploadId: uploadId, PartNumber: 1 }),
        {
          signingDate: new Date(Date.now() - 60_000),
          expiresIn: 1,
        },
      );
      const res = await fetch(href, { method: "PUT", body: bytes(10), headers: { Origin: "http://app.test" } });
      const body = await res.text();
      expect([res.status, xmlCode(body), /<Message>([^<]*)</.exec(body)?.[1]]).toEqual([
        403,
        "AccessDenied",
        "Request has expired",
      ]);
      expect(res.headers.get("access-control-allow-origin")).toBe("*"); // a browser can read why
    });

    it("refuses a presigned PUT sent with a body length other than the signed Content-Length", async () => {
      const signed = await getSignedUrl(
        s3s,
        new PutObjectCommand({ Bucket: small.bucket, Key: "sig/len.bin", ContentLength: 10 }),
        {
          signableHeaders: new Set(["content-length"]),
        },
      );
      expect(new URL(signed).searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;host");
      const longer = await fetch(signed, { method: "PUT", body: bytes(11) });
      expect([longer.status, xmlCode(await longer.text())]).toEqual([403, "SignatureDoesNotMatch"]);
      expect(await small.getObject("sig/len.bin")).toBeUndefined();
      expect((await fetch(signed, { method: "PUT", body: bytes(10) })).status).toBe(200);
    });

    it("refuses an unsigned x-amz-* header on a presigned request with AccessDenied", async () => {
      const res = await fetch(url, { method: "PUT", body: bytes(10), headers: { "x-amz-meta-extra": "1" } });
      const body = await res.text();
      expect([res.status, xmlCode(body)]).toEqual([403, "AccessDenied"]);
      expect(body).toContain("<HeadersNotSigned>x-amz-meta-extra</HeadersNotSigned>");
    });

    it("requires a checksum header presigned as unhoistable to be sent as signed", async () => {
      const crc = "AAAAAA==";
      const signed = await getSignedUrl(
        s3s,
        new UploadPartCommand({
          Bucket: small.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: 3,
          ChecksumCRC32: crc,
        }),
        {
          unhoistableHeaders: new Set(["x-amz-checksum-crc32"]),
        },
      );
      expect(new URL(signed).searchParams.get("X-Amz-SignedHeaders")).toBe("host;x-amz-checksum-crc32");
      expect((await fetch(signed, { method: "PUT", body: bytes(10) })).status).toBe(403);
      expect(
        (await fetch(signed, { method: "PUT", body: bytes(10), headers: { "x-amz-checksum-crc32": "BBBBBB==" } }))
          .status,
      ).toBe(403);
      expect(
        (await fetch(signed, { method: "PUT", body: bytes(10), headers: { "x-amz-checksum-crc32": crc } })).status,
      ).toBe(200);
    });

    it("accepts a genuine SDK call (header auth) and refuses a wrong secret or an unknown key", async () => {
      await s3s.send(
        new PutObjectCommand({
          Bucket: small.bucket,
          Key: "sig/sdk.txt",
          Body: "hello",
          ContentType: "text/plain",
          Metadata: { note: "x" },
        }),
      );
      expect(Buffer.from((await small.getObject("sig/sdk.txt")) ?? []).toString()).toBe("hello");
      const config = {
        endpoint: small.endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        requestChecksumCalculation: "WHEN_REQUIRED" as const,
      };
      const wrongSecret = new S3Client({ ...config, credentials: { accessKeyId: "S3RVER", secretAccessKey: "nope" } });
      const unknownKey = new S3Client({ ...config, credentials: { accessKeyId: "NOBODY", secretAccessKey: "S3RVER" } });
      try {
        const put = { Bucket: small.bucket, Key: "sig/forged.txt", Body: "forged" };
        expect((await s3Error(wrongSecret.send(new PutObjectCommand(put)))).name).toBe("SignatureDoesNotMatch");
        expect((await s3Error(unknownKey.send(new PutObjectCommand(put)))).name).toBe("InvalidAccessKeyId");
        expect(await small.getObject("sig/forged.txt")).toBeUndefined();
      } finally {
        wrongSecret.destroy();
        unknownKey.destroy();
      }
    });

    it("stores the decoded bytes of an aws-chunked body (SDK default checksums on a stream)", async () => {
      const { Readable } = await import("node:stream");
      const client = new S3Client({
        endpoint: small.endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: small.credentials,
      });
      try {
        small.resetRequests();
        await client.send(
          new PutObjectCommand({
            Bucket: small.bucket,
            Key: "sig/chunked.txt",
            Body: Readable.from([Buffer.from("hello "), Buffer.from("stream")]),
            ContentLength: 12,
          }),
        );
        expect(small.requests[0]?.bytes).toBeGreaterThan(12); // the framing really was sent
        expect(Buffer.from((await small.getObject("sig/chunked.txt")) ?? []).toString()).toBe("hello stream");
        const head = await fetch(`${small.endpoint}/${small.bucket}/sig/chunked.txt`, { method: "HEAD" });
        expect([head.headers.get("content-length"), head.headers.get("content-encoding")]).toEqual(["12", null]);
      } finally {
        client.destroy();
      }
    });

    it("serves anonymous GET/HEAD of objects (public-read) but refuses anonymous writes and listings", async () => {
      const base = `${small.endpoint}/${small.bucket}`;
      expect(await (await fetch(`${base}/sig/sdk.txt`)).text()).toBe("hello");
      expect((await fetch(`${base}/sig/sdk.txt`, { method: "HEAD" })).status).toBe(200);
      const put = await fetch(`${base}/sig/anon.txt`, { method: "PUT", body: "x" });
      expect([put.status, xmlCode(await put.text())]).toEqual([403, "AccessDenied"]);
      const list = await fetch(`${base}/${key}?uploadId=${uploadId}`);
      expect([list.status, xmlCode(await list.text())]).toEqual([403, "AccessDenied"]);
    });
  });

  describe("hooks and CORS", () => {
    it("records each request with operation, part number, upload id, status and bytes", async () => {
      small.resetRequests();
      const key = "log/a.bin";
      const uploadId = await create(s3s, small, key);
      const part = await putPart(s3s, small, key, uploadId, 1, bytes(42));
      await complete(s3s, small, key, uploadId, [part]);
      expect(small.requests).toEqual([
        { method: "POST", key, operation: "CreateMultipartUpload", status: 200, bytes: 0 },
        { method: "PUT", key, operation: "UploadPart", partNumber: 1, uploadId, status: 200, bytes: 42 },
        { method: "POST", key, operation: "CompleteMultipartUpload", uploadId, status: 200, bytes: expect.any(Number) },
      ]);
    });

    it("answers an intercepted error as S3 XML, then passes once the interceptor is removed", async () => {
      const key = "hook/a.bin";
      const uploadId = await create(s3s, small, key);
      const href = await partUrl(s3s, small, key, uploadId, 1);
      let calls = 0;
      const remove = small.intercept((r) =>
        r.operation === "UploadPart" && ++calls === 1 ? { status: 500 } : undefined,
      );
      small.resetRequests();
      const first = await fetch(href, { method: "PUT", body: bytes(10) });
      expect([first.status, xmlCode(await first.text())]).toEqual([500, "InternalError"]);
      expect((await fetch(href, { method: "PUT", body: bytes(10) })).status).toBe(200);
      remove();
      expect(small.requests.map((r) => [r.operation, r.partNumber, r.status, r.bytes])).toEqual([
        ["UploadPart", 1, 500, 10],
        ["UploadPart", 1, 200, 10],
      ]);
    });

    it("destroys the socket on 'reset' and never answers on 'hang'", async () => {
      const key = "hook/b.bin";
      const remove = small.intercept((r) => (r.key === key ? (r.method === "GET" ? "reset" : "hang") : undefined));
      try {
        small.resetRequests();
        await expect(fetch(`${small.endpoint}/${small.bucket}/${key}`)).rejects.toThrow();
        await expect
          .poll(() => small.requests)
          .toEqual([{ method: "GET", key, operation: "GetObject", status: 0, bytes: 0 }]);
        const hung = fetch(`${small.endpoint}/${small.bucket}/${key}`, { method: "HEAD" }).then(
          () => "answered",
          () => "failed",
        );
        const outcome = await Promise.race([hung, new Promise((resolve) => setTimeout(resolve, 300, "still waiting"))]);
        expect(outcome).toBe("still waiting");
      } finally {
        remove();
      }
    });

    it("answers a CORS preflight and exposes ETag on the actual response", async () => {
      const target = `${small.endpoint}/${small.bucket}/sig/sdk.txt`;
      const preflight = await fetch(target, {
        method: "OPTIONS",
        headers: {
          Origin: "http://app.test",
          "Access-Control-Request-Method": "PUT",
          "Access-Control-Request-Headers": "content-type,x-amz-checksum-crc32",
        },
      });
      expect(preflight.status).toBe(200);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
      expect(preflight.headers.get("access-control-allow-methods")).toContain("PUT");
      expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type, x-amz-checksum-crc32");
      const get = await fetch(target, { headers: { Origin: "http://app.test" } });
      expect(get.headers.get("access-control-expose-headers")?.split(", ")).toContain("ETag");
    });

    it("can start with a CORS rule that does not expose ETag, and a private bucket", async () => {
      const fx = await startS3Fixture({ exposeETag: false, publicRead: false, bucket: "private-bucket" });
      try {
        const client = fx.s3Client();
        await client.send(new PutObjectCommand({ Bucket: fx.bucket, Key: "a.txt", Body: "a" }));
        const get = await fetch(`${fx.endpoint}/${fx.bucket}/a.txt`, { headers: { Origin: "http://app.test" } });
        expect([get.status, xmlCode(await get.text())]).toEqual([403, "AccessDenied"]);
        const signed = await getSignedUrl(client, new GetObjectCommand({ Bucket: fx.bucket, Key: "a.txt" }));
        const ok = await fetch(signed, { headers: { Origin: "http://app.test" } });
        expect([ok.status, await ok.text()]).toEqual([200, "a"]);
        expect(ok.headers.get("access-control-expose-headers")?.split(", ")).not.toContain("ETag");
      } finally {
        await fx.close();
      }
    });
  });

  it("the run-wide fixture from global setup answers SDK calls", async () => {
    const info = inject("s3");
    const client = fixtureClient(info);
    try {
      await client.send(new PutObjectCommand({ Bucket: info.bucket, Key: "global/ping.txt", Body: "pong" }));
      const got = await client.send(new GetObjectCommand({ Bucket: info.bucket, Key: "global/ping.txt" }));
      expect(await got.Body?.transformToString()).toBe("pong");
    } finally {
      client.destroy();
    }
  });
});
