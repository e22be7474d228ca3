/**
 * The client uploader (Node entry) against the real stack: the s3edge/server
 * signer over HTTP, and the S3 fixture (s3rver + SigV4 verification + the
 * multipart operations s3rver lacks). Every object is read back and compared.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createUploader, type UploaderOptions } from "../../src/node.js";
import { startS3Fixture, type S3Fixture } from "../support/s3/fixture.js";
import { startApp, type TestApp } from "../support/app.js";
import { pseudoRandomBytes, sha256 } from "../support/data.js";

const MiB = 1024 * 1024;
let s3: S3Fixture;
let app: TestApp;
let dir: string;

const sha = sha256;
const bytes = pseudoRandomBytes;

function uploader(options: Partial<UploaderOptions> = {}) {
  return createUploader({
    endpoint: app.endpoint,
    store: false,
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
    ...options,
  });
}

async function stored(key: string): Promise<string | undefined> {
  const object = await s3.getObject(key);
  return object && sha(object);
}

beforeAll(async () => {
  s3 = await startS3Fixture();
  app = await startApp(
    { endpoint: s3.endpoint, bucket: s3.bucket, credentials: s3.credentials },
    { limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB } },
  );
  dir = await mkdtemp(join(tmpdir(), "s3edge-upl-"));
});
afterAll(async () => {
  await app?.close();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  s3.resetRequests();
  app.ops.length = 0;
});

describe("uploads byte-identical objects of every size class", () => {
  it.each([
    ["0 B", 0, "single"],
    ["1 B", 1, "single"],
    ["5 MiB - 1", 5 * MiB - 1, "single"],
    ["5 MiB", 5 * MiB, "multipart"],
    ["5 MiB + 1", 5 * MiB + 1, "multipart"],
    ["23 MiB", 23 * MiB + 123, "multipart"],
  ])("%s", async (_name, size, mode) => {
    const data = bytes(size, size + 1);
    const result = await uploader().upload(data, { filename: `size-${size}.bin` });
    expect(result.size).toBe(size);
    expect(result.key).toMatch(new RegExp(`^uploads/[0-9a-f-]{36}/size-${size}\\.bin$`));
    expect(await stored(result.key)).toBe(sha(data));
    const puts = s3.requests.filter((r) => r.operation === (mode === "single" ? "PutObject" : "UploadPart"));
    expect(puts).toHaveLength(mode === "single" ? 1 : Math.max(1, Math.ceil(size / (5 * MiB))));
    // Round trips: create (which answers the part URLs too: signParts), then (multipart) complete.
    expect(app.ops).toEqual(mode === "single" ? ["create"] : ["create", "complete"]);
    expect(await s3.listUploads()).toEqual([]);
  });
});

describe("inputs", () => {
  it("uploads a file path, with the name and content type taken from it", async () => {
    const data = bytes(11 * MiB, 3);
    const path = join(dir, "photo.png");
    await writeFile(path, data);
    const result = await uploader().upload(path);
    expect(result.key).toMatch(/\/photo\.png$/);
    expect(await stored(result.key)).toBe(sha(data));
    const head = await s3
      .s3Client()
      .send(new (await import("@aws-sdk/client-s3")).HeadObjectCommand({ Bucket: s3.bucket, Key: result.key }));
    expect(head.ContentType).toBe("image/png");
  });

  it("uploads a Node stream of unknown length, cut into parts as it flows", async () => {
    const data = bytes(12 * MiB + 5, 4);
    const chunks = function* () {
      for (let i = 0; i < data.byteLength; i += 65_537) yield data.subarray(i, i + 65_537);
    };
    const result = await uploader().upload(Readable.from(chunks()), { filename: "stream.bin" });
    expect(result.size).toBe(data.byteLength);
    expect(await stored(result.key)).toBe(sha(data));
    expect(
      s3.requests
        .filter((r) => r.operation === "UploadPart")
        .map((r) => r.bytes)
        .sort(),
    ).toEqual([5 * MiB, 5 * MiB, 2 * MiB + 5].sort());
  });

  it("uploads a stream of unknown length under a small maxSize (signing ahead never exceeds the server's part limit)", async () => {
    const small = await startApp(
      { endpoint: s3.endpoint, bucket: s3.bucket, credentials: s3.credentials },
      { limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB, maxSize: 12 * MiB } },
    );
    try {
      const data = bytes(11 * MiB, 12);
      const result = await createUploader({ endpoint: small.endpoint, store: false }).upload(Readable.from([data]), {
        filename: "capped.bin",
      });
      expect(await stored(result.key)).toBe(sha(data));
    } finally {
      await small.close();
    }
  });

  it("uploads a web ReadableStream of known length", async () => {
    const data = bytes(6 * MiB, 5);
    const stream = new Blob([new Uint8Array(data)]).stream();
    const result = await uploader().upload(stream, { filename: "web.bin", size: data.byteLength });
    expect(await stored(result.key)).toBe(sha(data));
  });

  it("uploads a Blob with CRC32 checksums signed into each part, and says they were not verified (s3rver does not echo them)", async () => {
    const data = bytes(7 * MiB, 6);
    const upload = uploader({ checksum: "CRC32" }).add(new Blob([new Uint8Array(data)]), { filename: "sum.bin" });
    const warnings: string[] = [];
    upload.on("warning", (w) => warnings.push(w.code));
    const result = await upload.done();
    expect(await stored(result.key)).toBe(sha(data));
    // The fixture trusts checksums and never echoes x-amz-checksum-crc32 (Ceph RGW neither): not proven.
    expect(result.checksumVerified).toBe(false);
    expect(warnings).toEqual(["ChecksumUnverified"]);
  });
});

describe("failure and cancel leave nothing behind", () => {
  it("cancel mid-upload aborts the multipart upload on S3", async () => {
    const stop = s3.intercept((r) => (r.operation === "UploadPart" && r.partNumber === 2 ? "hang" : undefined));
    try {
      const up = uploader({ concurrency: 2 });
      const upload = up.add(bytes(16 * MiB, 8), { filename: "cancel.bin" });
      await new Promise<void>((resolve) => upload.on("part", () => resolve()));
      expect(await s3.listUploads()).toHaveLength(1);
      await upload.cancel();
      expect(upload.getState().status).toBe("cancelled");
      expect(await s3.listUploads()).toEqual([]);
      expect(app.ops.filter((op) => op === "abort")).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it("a part S3 refuses for good fails the upload and aborts it", async () => {
    const stop = s3.intercept((r) =>
      r.operation === "UploadPart" && r.partNumber === 2
        ? { status: 403, code: "AccessDenied", message: "Access Denied" }
        : undefined,
    );
    try {
      const error = await uploader()
        .upload(bytes(11 * MiB, 9), { filename: "denied.bin" })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "S3Error", s3Code: "AccessDenied", status: 403 });
      expect(await s3.listUploads()).toEqual([]);
    } finally {
      stop();
    }
  });

  it("retries a part through a dropped connection and a 503 SlowDown", async () => {
    let n = 0;
    const stop = s3.intercept((r) => {
      if (r.operation !== "UploadPart" || r.partNumber !== 1) return undefined;
      n++;
      if (n === 1) return "reset";
      if (n === 2) return { status: 503, code: "SlowDown", message: "Please reduce your request rate." };
      return undefined;
    });
    try {
      const data = bytes(11 * MiB, 10);
      const result = await uploader().upload(data, { filename: "flaky.bin" });
      expect(await stored(result.key)).toBe(sha(data));
      expect(n).toBe(3);
    } finally {
      stop();
    }
  });
});

describe("expired part URLs", () => {
  /** True when the presigned URL's X-Amz-Date + X-Amz-Expires has passed (the fixture's clock is the real one). */
  const expired = (query: Record<string, string>): boolean => {
    const date = query["X-Amz-Date"] ?? "";
    const at = Date.UTC(
      +date.slice(0, 4),
      +date.slice(4, 6) - 1,
      +date.slice(6, 8),
      +date.slice(9, 11),
      +date.slice(11, 13),
      +date.slice(13, 15),
    );
    return Date.now() > at + Number(query["X-Amz-Expires"]) * 1000;
  };

  it("signs again a URL S3 refuses with an empty 403 (as Ceph RGW answers), with the device clock 10 minutes slow", async () => {
    // The signer's first batch is signed 15 minutes and 1 s in the past: every URL in it has expired
    // on arrival, as if the upload had been running for a quarter of an hour. Later batches are fresh.
    let lagged = true;
    const lagging = await startApp(
      { endpoint: s3.endpoint, bucket: s3.bucket, credentials: s3.credentials },
      { limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB }, now: () => Date.now() - (lagged ? 901_000 : 0) },
    );
    // Ceph RGW's answer to an expired presigned URL: 403 AccessDenied with an empty message.
    const stop = s3.intercept((r) =>
      r.operation === "UploadPart" && expired(r.query) ? { status: 403, code: "AccessDenied", message: "" } : undefined,
    );
    try {
      const data = bytes(11 * MiB, 13);
      const upload = createUploader({
        endpoint: lagging.endpoint,
        store: false,
        concurrency: 1,
        retry: { baseDelayMs: 5, maxDelayMs: 50 },
        now: () => Date.now() - 600_000,
      }).add(data, {
        filename: "rgw-expired.bin",
      });
      const retries: string[] = [];
      upload.on("retry", (r) => {
        lagged = false;
        retries.push(`${r.partNumber}:${r.error.status}`);
      });
      const result = await upload.done();
      expect(await stored(result.key)).toBe(sha(data));
      // Each part of the expired batch was refused once and signed again once.
      expect(retries).toEqual(["1:403", "2:403", "3:403"]);
      const refused = s3.requests
        .filter((r) => r.operation === "UploadPart" && r.status === 403)
        .map((r) => r.partNumber);
      expect(refused).toEqual([1, 2, 3]);
      expect(await s3.listUploads()).toEqual([]);
    } finally {
      stop();
      await lagging.close();
    }
  });
});

describe("a batch of files", () => {
  it("once a create answer announced createMany, files added together open together; a file the limits refuse fails alone", async () => {
    const limited = await startApp(
      { endpoint: s3.endpoint, bucket: s3.bucket, credentials: s3.credentials },
      { limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB, maxSize: 12 * MiB } },
    );
    try {
      const up = createUploader({ endpoint: limited.endpoint, store: false, concurrency: 4 });
      const inputs = [
        ...Array.from({ length: 9 }, (_, i) => ({ name: `small-${i}.bin`, data: bytes(100_000 + i, 40 + i) })),
        { name: "large.bin", data: bytes(6 * MiB, 50) },
        { name: "too-large.bin", data: bytes(13 * MiB, 51) },
      ];
      // The first upload learns that the server has createMany (and the uploader loads its queue);
      // the files added afterwards in one task then open together.
      const first = await up.upload(bytes(1000, 39), { filename: "first.bin" });
      expect(await stored(first.key)).toBe(sha(bytes(1000, 39)));
      await import("../../src/upload/create-queue.js");
      await new Promise((resolve) => setTimeout(resolve, 0));
      limited.ops.length = 0;
      const settled = await Promise.allSettled(inputs.map((f) => up.upload(f.data, { filename: f.name })));
      for (const [i, outcome] of settled.entries()) {
        const input = inputs[i] as (typeof inputs)[number];
        if (input.name === "too-large.bin") {
          expect(outcome.status).toBe("rejected");
          expect((outcome as PromiseRejectedResult).reason).toMatchObject({
            code: "EndpointError",
            serverCode: "TooLarge",
            status: 413,
          });
          continue;
        }
        expect(outcome.status).toBe("fulfilled");
        const result = (outcome as PromiseFulfilledResult<{ key: string }>).value;
        expect(result.key.endsWith(`/${input.name}`)).toBe(true);
        expect(await stored(result.key)).toBe(sha(input.data));
      }
      const opens = limited.ops.filter((op) => op === "create" || op === "createMany");
      expect(opens[0]).toBe("createMany"); // the first four (the uploader's concurrency) in one request
      expect(opens.length).toBeLessThan(inputs.length);
      expect(await s3.listUploads()).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it("addAll() stores every file picked together, with the options each was given", async () => {
    const up = createUploader({ endpoint: app.endpoint, store: false, concurrency: 3 });
    const inputs = Array.from({ length: 7 }, (_, i) => ({ name: `all-${i}.bin`, data: bytes(50_000 + i, 60 + i) }));
    const uploads = up.addAll(
      inputs.map((f) => new File([new Uint8Array(f.data)], f.name, { lastModified: 1 })),
      (_, i) => ({ contentType: i % 2 ? "image/png" : "application/octet-stream" }),
    );
    const results = await Promise.all(uploads.map((u) => u.done()));
    for (const [i, result] of results.entries()) {
      const input = inputs[i] as (typeof inputs)[number];
      expect(result.key.endsWith(`/${input.name}`)).toBe(true);
      expect(result.size).toBe(input.data.byteLength);
      expect(await stored(result.key)).toBe(sha(input.data));
    }
  });
});
