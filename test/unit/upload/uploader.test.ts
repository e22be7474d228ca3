import { mkdtemp, rm, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { HttpResponse, delay, http } from "msw";
import { describe, expect, it } from "vitest";
import { createUploader, type UploaderOptions, EndpointError, S3Error, type S3EdgeError } from "../../../src/node.js";
import { ENDPOINT, bytes, fakeBackend, s3Error, type FakeBackend, useMswServer } from "./fake-backend.js";

const MiB = 1024 * 1024;
const server = useMswServer();
let backend: FakeBackend;

function setup(options: Partial<UploaderOptions> = {}, backendOptions = {}) {
  backend = fakeBackend(backendOptions);
  server.use(...backend.handlers);
  return createUploader({ endpoint: ENDPOINT, store: false, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options });
}

describe.each(["auto", "fetch"] as const)("uploader over the %s transport", (transport) => {
  it("uploads a multipart file whose bytes S3 assembles exactly, in 5 MiB parts", async () => {
    const uploader = setup({ transport });
    const data = bytes(12 * MiB + 3);
    const upload = uploader.add(data, { filename: "a.bin" });
    const parts: Array<{ partNumber: number; size: number }> = [];
    upload.on("part", ({ partNumber, size }) => parts.push({ partNumber, size }));
    const result = await upload.done();
    expect(parts.sort((a, b) => a.partNumber - b.partNumber)).toEqual([
      { partNumber: 1, size: 5 * MiB },
      { partNumber: 2, size: 5 * MiB },
      { partNumber: 3, size: 2 * MiB + 3 },
    ]);
    expect(result.key).toBe("uploads/a.bin");
    expect(Buffer.compare(backend.objects.get("uploads/a.bin") as Uint8Array, data)).toBe(0);
    expect(backend.puts.map((p) => p.size).sort()).toEqual([2 * MiB + 3, 5 * MiB, 5 * MiB].sort());
    // All three URLs came from one batched sign call.
    expect(backend.ops("sign")).toHaveLength(1);
    expect(uploader.getState().uploads[0]).toMatchObject({
      status: "done",
      loaded: data.byteLength,
      total: data.byteLength,
      partsDone: 3,
    });
  });

  it("retries part 3 after two 500s and completes with the right bytes", async () => {
    const uploader = setup({ transport });
    backend.onPut = (call, attempt) =>
      call.partNumber === 3 && attempt <= 2 ? s3Error(500, "InternalError", "boom") : undefined;
    const data = bytes(11 * MiB, 2);
    const upload = uploader.add(data, { filename: "r.bin" });
    const retries: number[] = [];
    upload.on("retry", (r) => retries.push(r.partNumber ?? 0));
    await upload.done();
    expect(retries).toEqual([3, 3]);
    expect(backend.puts.filter((p) => p.partNumber === 3)).toHaveLength(3);
    expect(Buffer.compare(backend.objects.get("uploads/r.bin") as Uint8Array, data)).toBe(0);
  });
});

describe("part URLs signed with the create answer (signParts)", () => {
  it("sends its first PUTs with the create's URLs and calls sign not at all", async () => {
    const uploader = setup({}, { signOnCreate: true });
    const data = bytes(12 * MiB + 3, 4);
    await uploader.upload(data, { filename: "c.bin" });
    expect(backend.ops("create")[0]).toMatchObject({ signParts: 100 });
    expect(backend.ops("sign")).toHaveLength(0);
    // The create answer's URLs are the first three signatures the backend made.
    expect(backend.puts.map((p) => p.sig).sort()).toEqual(["s1", "s2", "s3"]);
    expect(Buffer.compare(backend.objects.get("uploads/c.bin") as Uint8Array, data)).toBe(0);
  });

  it("signs the parts the create answer left out in one sign call", async () => {
    const uploader = setup({}, { signOnCreate: 1 });
    const data = bytes(12 * MiB + 3, 5);
    await uploader.upload(data, { filename: "d.bin" });
    const signed = backend.ops("sign");
    expect(signed).toHaveLength(1);
    const parts = (signed[0]?.["parts"] ?? []) as Array<{ partNumber: number }>;
    expect(parts.map((p) => p.partNumber).sort()).toEqual([2, 3]);
    expect(backend.puts.find((p) => p.partNumber === 1)?.sig).toBe("s1");
    expect(Buffer.compare(backend.objects.get("uploads/d.bin") as Uint8Array, data)).toBe(0);
  });

  it("asks for none with a checksum (the URLs depend on the bytes) or for a stream of unknown length", async () => {
    const uploader = setup({ checksum: "CRC32" }, { signOnCreate: true });
    await uploader.upload(bytes(11 * MiB, 6), { filename: "e.bin" });
    expect(backend.ops("create")[0]).not.toHaveProperty("signParts");
    expect(backend.ops("sign").length).toBeGreaterThan(0);
    const plain = setup({}, { signOnCreate: true });
    async function* chunks() {
      yield bytes(6 * MiB, 7);
      yield bytes(1 * MiB, 8);
    }
    await plain.upload(chunks(), { filename: "f.bin" });
    expect(backend.ops("create")[0]).not.toHaveProperty("signParts");
    expect(backend.ops("sign").length).toBeGreaterThan(0);
  });
});

describe("uploader error paths", () => {
  it("honours Retry-After on 429 SlowDown", async () => {
    const uploader = setup();
    backend.onPut = (call, attempt) =>
      call.partNumber === 1 && attempt === 1
        ? s3Error(429, "SlowDown", "Please reduce your request rate", { "retry-after": "1" })
        : undefined;
    const upload = uploader.add(bytes(6 * MiB), { filename: "s.bin" });
    const delays: number[] = [];
    upload.on("retry", (r) => delays.push(r.delayMs ?? -1));
    await upload.done();
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(1000);
  });

  it("retries a part whose connection is reset", async () => {
    const uploader = setup();
    backend.onPut = (call, attempt) => (call.partNumber === 2 && attempt === 1 ? HttpResponse.error() : undefined);
    const data = bytes(7 * MiB, 3);
    await uploader.upload(data, { filename: "reset.bin" });
    expect(backend.puts.filter((p) => p.partNumber === 2)).toHaveLength(2);
    expect(Buffer.compare(backend.objects.get("uploads/reset.bin") as Uint8Array, data)).toBe(0);
  });

  it("rides out repeated network errors without spending retries, showing offline meanwhile", async () => {
    const uploader = setup({ retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 }, offlineTimeoutMs: 60_000 });
    backend.onPut = (call, attempt) => (call.partNumber === 1 && attempt <= 7 ? HttpResponse.error() : undefined);
    const upload = uploader.add(bytes(6 * MiB, 11), { filename: "net.bin" });
    const offline: boolean[] = [];
    upload.subscribe((s) => {
      if (offline.at(-1) !== s.offline) offline.push(s.offline);
    });
    const retries: Array<{ offline: boolean; delayMs?: number; attempt: number }> = [];
    upload.on("retry", ({ offline, delayMs, attempt }) =>
      retries.push({ offline, attempt, ...(delayMs !== undefined && { delayMs }) }),
    );
    await upload.done();
    expect(backend.puts.filter((p) => p.partNumber === 1)).toHaveLength(8);
    expect(offline).toEqual([false, true, false]);
    // Two backoffs spend the two retries; then probes every retry.maxDelayMs, flagged offline, with no -1 sentinel.
    expect(retries.slice(0, 2).map((r) => [r.offline, r.attempt])).toEqual([
      [false, 1],
      [false, 2],
    ]);
    expect(retries.slice(2)).toEqual(
      Array.from({ length: 5 }, (_, i) => ({ offline: true, attempt: i + 3, delayMs: 5 })),
    );
  });

  it("fails once the retries are spent when the offline timeout is 0", async () => {
    const uploader = setup({ retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 }, offlineTimeoutMs: 0 });
    backend.onPut = (call) => (call.partNumber === 1 ? HttpResponse.error() : undefined);
    const error = await uploader.upload(bytes(6 * MiB, 12), { filename: "down.bin" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NetworkError" });
    expect(`${String(error)} ${(error as Error).stack}`).not.toMatch(/sig=/);
    expect(backend.puts.filter((p) => p.partNumber === 1)).toHaveLength(3);
    expect(backend.ops("abort")).toHaveLength(1);
  });

  // fetch reports no progress: its allowance is stallTimeoutMs + 1 s per 8 KB, so it gets a small body.
  it.each([
    ["auto", 6 * MiB],
    ["fetch", 1000],
  ] as const)("aborts a stalled part and retries it (%s transport)", async (transport, size) => {
    const uploader = setup({ transport, stallTimeoutMs: 150 });
    backend.onPut = async (call, attempt) => {
      // Part 1, or the single PUT (no partNumber in its URL).
      if (call.partNumber <= 1 && attempt === 1) await delay("infinite");
      return undefined;
    };
    const data = bytes(size, 13);
    const upload = uploader.add(data, { filename: "stall.bin" });
    const codes: string[] = [];
    upload.on("retry", (r) => codes.push(`${r.partNumber}:${r.error.code}`));
    await upload.done();
    expect(codes).toEqual(["1:Stalled"]);
    expect(Buffer.compare(backend.objects.get("uploads/stall.bin") as Uint8Array, data)).toBe(0);
  });

  it("signs a part again when S3 says its URL expired", async () => {
    const uploader = setup();
    backend.onPut = (call, attempt) =>
      call.partNumber === 2 && attempt === 1 ? s3Error(403, "AccessDenied", "Request has expired") : undefined;
    await uploader.upload(bytes(11 * MiB), { filename: "exp.bin" });
    const signed = backend
      .ops("sign")
      .flatMap((c) => (c["parts"] as Array<{ partNumber: number }>).map((p) => p.partNumber));
    expect(signed.filter((n) => n === 2)).toHaveLength(2);
    const part2 = backend.puts.filter((p) => p.partNumber === 2);
    expect(part2).toHaveLength(2);
    expect(part2[0]?.sig).not.toBe(part2[1]?.sig);
  });

  it("does not retry a 403 signature mismatch, and aborts the upload once", async () => {
    const uploader = setup();
    backend.onPut = (call) =>
      call.partNumber === 1
        ? s3Error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
        : undefined;
    const error = await uploader.upload(bytes(6 * MiB), { filename: "sig.bin" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3Error);
    expect((error as S3Error).s3Code).toBe("SignatureDoesNotMatch");
    // No signed URL in what an application would log.
    expect(`${String(error)} ${(error as Error).stack}`).not.toMatch(/sig=|s3\.test/);
    expect(backend.puts.filter((p) => p.partNumber === 1)).toHaveLength(1);
    expect(backend.ops("abort")).toHaveLength(1);
    expect(uploader.getState().uploads[0]?.status).toBe("error");
  });

  it("cancel mid-upload aborts in-flight parts and calls abort exactly once", async () => {
    const uploader = setup({ concurrency: 2 });
    let started!: () => void;
    const firstPut = new Promise<void>((resolve) => (started = resolve));
    backend.onPut = async () => {
      started();
      await delay("infinite");
      return undefined;
    };
    const upload = uploader.add(bytes(16 * MiB), { filename: "c.bin" });
    await firstPut;
    await upload.cancel();
    await upload.cancel();
    expect(backend.ops("abort")).toHaveLength(1);
    expect(backend.ops("complete")).toHaveLength(0);
    expect(upload.getState().status).toBe("cancelled");
    await expect(upload.done()).rejects.toMatchObject({ code: "Aborted" });
  });

  it("an AbortSignal cancels the upload", async () => {
    const uploader = setup();
    backend.onPut = async () => {
      await delay("infinite");
      return undefined;
    };
    const controller = new AbortController();
    const upload = uploader.add(bytes(6 * MiB), { filename: "sig.bin", signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await expect(upload.done()).rejects.toMatchObject({ code: "Aborted" });
    expect(backend.ops("abort")).toHaveLength(1);
  });

  it("names the operation when the endpoint answers HTML", async () => {
    const uploader = setup();
    server.use(
      http.post(ENDPOINT, () => new HttpResponse("<html>login</html>", { headers: { "content-type": "text/html" } })),
    );
    const error = await uploader.upload(bytes(10), { filename: "h.bin" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointError);
    expect((error as EndpointError).operation).toBe("create");
    expect((error as EndpointError).message).toMatch(/not the s3edge protocol/);
  });

  it("passes the server's error code through without retrying a 4xx", async () => {
    const uploader = setup();
    server.use(
      http.post(ENDPOINT, () =>
        HttpResponse.json({ error: { code: "TooLarge", message: "max 1 MB" } }, { status: 413 }),
      ),
    );
    const error = (await uploader.upload(bytes(10), { filename: "big.bin" }).catch((e: unknown) => e)) as EndpointError;
    expect(error.serverCode).toBe("TooLarge");
    expect(error.status).toBe(413);
  });

  it("fails with a clear error when S3 answers without an ETag", async () => {
    const uploader = setup();
    backend.onPut = () => new HttpResponse(null, { status: 200 });
    const error = (await uploader
      .upload(bytes(6 * MiB), { filename: "e.bin" })
      .catch((e: unknown) => e)) as S3EdgeError;
    expect(error.message).toMatch(/without an ETag/);
    expect(backend.ops("abort")).toHaveLength(1);
  });

  it("uploads a single PUT for a small file and an empty one", async () => {
    const uploader = setup();
    const small = await uploader.upload(bytes(1000), { filename: "small.bin" });
    const empty = await uploader.upload(new Uint8Array(0), { filename: "empty.bin" });
    expect(small.size).toBe(1000);
    expect(empty.size).toBe(0);
    expect(backend.objects.get("uploads/empty.bin")?.byteLength).toBe(0);
    expect(backend.ops("sign")).toHaveLength(0);
  });

  it("cuts a stream of unknown length into parts as it flows", async () => {
    const uploader = setup();
    const data = bytes(13 * MiB + 17, 9);
    // Odd chunk sizes: parts must not depend on the stream's chunking.
    const chunks = function* () {
      for (let i = 0; i < data.byteLength; i += 300_001) yield data.subarray(i, i + 300_001);
    };
    const result = await uploader.upload(Readable.from(chunks()), { filename: "stream.bin" });
    expect(result.size).toBe(data.byteLength);
    expect(Buffer.compare(backend.objects.get("uploads/stream.bin") as Uint8Array, data)).toBe(0);
    expect(backend.ops("create")[0]?.["size"]).toBeNull();
  });

  it.each([
    ["a Readable of known length", true],
    ["a stream of unknown length", false],
  ])("signs the parts of %s in one round trip, ahead of reading them", async (_name, known) => {
    const uploader = setup({}, { partSize: MiB, threshold: MiB });
    const data = bytes(30 * MiB + 5, 14);
    const chunks = function* () {
      for (let i = 0; i < data.byteLength; i += 100_003) yield data.subarray(i, i + 100_003);
    };
    const result = await uploader.upload(Readable.from(chunks()), {
      filename: `seq-${known}.bin`,
      ...(known && { size: data.byteLength }),
    });
    expect(result.size).toBe(data.byteLength);
    expect(Buffer.compare(backend.objects.get(`uploads/seq-${known}.bin`) as Uint8Array, data)).toBe(0);
    // 31 parts: create + one sign (the last, shorter part of an unknown-length stream is signed again) + complete.
    expect(backend.ops("sign")).toHaveLength(known ? 1 : 2);
  });

  it("fails with SourceChanged and aborts when a file grows during the upload", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s3edge-"));
    try {
      const path = join(dir, "grow.bin");
      await writeFile(path, bytes(11 * MiB));
      const uploader = setup({ concurrency: 1 });
      backend.onPut = async (call) => {
        if (call.partNumber === 1) await appendFile(path, "more");
        return undefined;
      };
      const error = (await uploader.upload(path).catch((e: unknown) => e)) as S3EdgeError;
      expect(error.code).toBe("SourceChanged");
      expect(backend.ops("abort")).toHaveLength(1);
      expect(backend.ops("complete")).toHaveLength(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps at most `concurrency` parts in flight across all files", async () => {
    const uploader = setup({ concurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    backend.onPut = async () => {
      peak = Math.max(peak, ++inFlight);
      await delay(20);
      inFlight--;
      return undefined;
    };
    await Promise.all([1, 2, 3].map((i) => uploader.upload(bytes(11 * MiB, i), { filename: `f${i}.bin` })));
    expect(peak).toBe(3);
    expect(backend.objects.size).toBe(3);
  });

  it("pause stops sending and resume finishes the upload", async () => {
    const uploader = setup({ concurrency: 1 });
    let release!: () => void;
    let paused = false;
    backend.onPut = async (call, attempt) => {
      if (call.partNumber === 2 && attempt === 1) {
        paused = true;
        upload.pause();
        await new Promise<void>((r) => (release = r));
      }
      return undefined;
    };
    const data = bytes(15 * MiB, 4);
    const upload = uploader.add(data, { filename: "p.bin" });
    await new Promise<void>((resolve) => {
      const stop = upload.subscribe((s) => {
        if (s.status === "paused" && paused) {
          stop();
          resolve();
        }
      });
    });
    const putsWhilePaused = backend.puts.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(backend.puts.length).toBe(putsWhilePaused);
    upload.resume();
    release();
    await upload.done();
    expect(Buffer.compare(backend.objects.get("uploads/p.bin") as Uint8Array, data)).toBe(0);
  });
});
