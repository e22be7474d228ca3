import { describe, expect, it } from "vitest";
import { createUploader, SourceChangedError } from "../../../src/node.js";
import { retrying, toS3EdgeError } from "../../../src/upload/retrying.js";
import { unsupportedInput } from "../../../src/upload/failures.js";
import { blobSource } from "../../../src/upload/sources/blob.js";
import { bytesSource } from "../../../src/upload/sources/bytes.js";
import { streamSource } from "../../../src/upload/sources/stream.js";

describe("sources and their resume fingerprints", () => {
  it("a File is resumable: its fingerprint is name, size, type and lastModified", () => {
    const file = new File(["abc"], "photo.jpg", { type: "image/jpeg", lastModified: 1700000000000 });
    const source = blobSource(file);
    expect(source.fingerprint).toBe("blob:photo.jpg:3:image/jpeg:1700000000000");
    expect(
      blobSource(new File(["abd"], "photo.jpg", { type: "image/jpeg", lastModified: 1700000000001 })).fingerprint,
    ).not.toBe(source.fingerprint);
  });

  it("a Blob's whole range is the Blob itself (no slice: slicing a picked File asks the browser for its metadata again)", async () => {
    const file = new File(["hello world"], "h.txt", { lastModified: 1 });
    const source = blobSource(file);
    expect(await source.slice(0, 11)).toBe(file);
    const part = await source.slice(6, 11);
    expect(part).not.toBe(file);
    expect(await (part as Blob).text()).toBe("world");
  });

  it("the size read when an upload was added is the one its source uses, once: a later source reads it again", async () => {
    const { readBlobSize } = await import("../../../src/upload/sources/blob.js");
    const file = new File(["abc"], "a.bin", { lastModified: 1 });
    let reads = 0;
    let size = 3;
    Object.defineProperty(file, "size", {
      get: () => {
        reads++;
        return size;
      },
    });
    expect(readBlobSize(file)).toBe(3);
    size = 4; // changed on disk since it was added
    expect(blobSource(file).size).toBe(3);
    expect(reads).toBe(1);
    expect(blobSource(file).size).toBe(4); // a retry reads it again
    expect(reads).toBe(2);
  });

  it("a plain Blob is not resumable: two different Blobs of one size must never share parts", () => {
    const a = blobSource(new Blob(["aaa"], { type: "image/png" }), "x.png");
    const b = blobSource(new Blob(["bbb"], { type: "image/png" }), "x.png");
    expect(a.fingerprint).toBeUndefined();
    expect(b.fingerprint).toBeUndefined();
  });

  it("bytes and streams are not resumable, and slices and reads give the right bytes", async () => {
    const bytes = bytesSource(new TextEncoder().encode("hello world"), "h.txt");
    expect(bytes.kind).toBe("random");
    expect(bytes.fingerprint).toBeUndefined();
    expect(new TextDecoder().decode((await bytes.slice(6, 11)) as Uint8Array)).toBe("world");
    const stream = streamSource(new Blob(["0123456789"]).stream(), "s.bin");
    expect(stream.kind).toBe("sequential");
    expect(stream.fingerprint).toBeUndefined();
    expect(new TextDecoder().decode(await stream.read(4))).toBe("0123");
    expect(new TextDecoder().decode(await stream.read(100))).toBe("456789");
    expect((await stream.read(4)).byteLength).toBe(0);
  });
});

describe("a stream of declared size holds to it", () => {
  async function* chunks(...parts: string[]) {
    for (const part of parts) yield new TextEncoder().encode(part);
  }

  it("reads exactly the declared bytes, whatever the chunking", async () => {
    const stream = streamSource(chunks("01", "", "2345", "6789"), "s.bin", 10);
    expect(new TextDecoder().decode(await stream.read(3))).toBe("012");
    expect(new TextDecoder().decode(await stream.read(7))).toBe("3456789");
  });

  it("fails with SourceChanged when the stream ends early", async () => {
    const stream = streamSource(chunks("0123"), "short.bin", 10);
    await expect(stream.read(10)).rejects.toBeInstanceOf(SourceChangedError);
    await expect(streamSource(chunks("0123"), "short.bin", 10).read(10)).rejects.toThrow(
      /short\.bin changed while it was uploaded \(10 bytes were declared, the stream ended after 4\)/,
    );
  });

  it("fails with SourceChanged when the stream goes on past the declared size", async () => {
    const stream = streamSource(chunks("01234", "56789", "!"), "long.bin", 10);
    await expect(stream.read(5)).resolves.toHaveLength(5);
    await expect(stream.read(5)).rejects.toThrow(/declared, the stream is longer/);
  });

  it("a declared size of 0 holds too", async () => {
    await expect(streamSource(chunks(), "e.bin", 0).read(0)).resolves.toHaveLength(0);
    await expect(streamSource(chunks("x"), "e.bin", 0).read(0)).rejects.toBeInstanceOf(SourceChangedError);
  });
});

describe("inputs no source accepts", () => {
  it.each([
    [undefined, "Cannot upload undefined: pass a File, Blob,"],
    [null, "Cannot upload null: pass a File, Blob,"],
    [42, "Cannot upload a number: pass a File, Blob,"],
    [{ name: "x" }, "Cannot upload an Object: pass a File, Blob,"],
    [new Date(0), "Cannot upload a Date: pass a File, Blob,"],
  ])("%o is refused with a message that says what to pass", async (input, message) => {
    expect(unsupportedInput(input).message.startsWith(message)).toBe(true);
    const upload = createUploader({ endpoint: "http://app.test/s3edge", store: false }).add(input as never);
    await expect(upload.done()).rejects.toMatchObject({
      code: "InvalidInput",
      message: expect.stringContaining(message),
    });
    expect(upload.getState().status).toBe("error");
  });
});

describe("unknown thrown values", () => {
  it("become InternalError, not InvalidInput, and are not retried", async () => {
    let calls = 0;
    const error = await retrying(
      async () => {
        calls++;
        throw new TypeError("x is not a function");
      },
      { retry: { retries: 3, baseDelayMs: 0, maxDelayMs: 0 }, signal: new AbortController().signal },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "InternalError",
      name: "InternalError",
      message: "Unexpected error: x is not a function",
    });
    expect(calls).toBe(1);
    expect(toS3EdgeError("plain string")).toMatchObject({ code: "InternalError" });
    expect(toS3EdgeError(new DOMException("stop", "AbortError"))).toMatchObject({ code: "Aborted" });
  });
});
