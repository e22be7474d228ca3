import { describe, expect, it } from "vitest";
import { blobSource } from "../../../src/upload/sources/blob.js";
import { bytesSource } from "../../../src/upload/sources/bytes.js";
import { streamSource } from "../../../src/upload/sources/stream.js";

describe("sources and their resume fingerprints", () => {
  it("a File is resumable: its fingerprint is name, size, type and lastModified", () => {
    const file = new File(["abc"], "photo.jpg", { type: "image/jpeg", lastModified: 1700000000000 });
    const source = blobSource(file);
    expect(source.fingerprint).toBe("blob:photo.jpg:3:image/jpeg:1700000000000");
    expect(blobSource(new File(["abd"], "photo.jpg", { type: "image/jpeg", lastModified: 1700000000001 })).fingerprint).not.toBe(source.fingerprint);
  });

  it("a plain Blob is not resumable: two different Blobs of one size must never share parts", () => {
    const a = blobSource(new Blob(["aaa"], { type: "image/png" }), "x.png");
    const b = blobSource(new Blob(["bbb"], { type: "image/png" }), "x.png");
    expect(a.fingerprint).toBeUndefined();
    expect(b.fingerprint).toBeUndefined();
  });

  it("bytes and streams are not resumable, and slices and reads give the right bytes", async () => {
    const bytes = bytesSource(new TextEncoder().encode("hello world"), "h.txt");
    expect(bytes.fingerprint).toBeUndefined();
    expect(new TextDecoder().decode((await bytes.slice?.(6, 11)) as Uint8Array)).toBe("world");
    const stream = streamSource(new Blob(["0123456789"]).stream(), "s.bin");
    expect(stream.fingerprint).toBeUndefined();
    expect(new TextDecoder().decode(await stream.read?.(4))).toBe("0123");
    expect(new TextDecoder().decode(await stream.read?.(100))).toBe("456789");
    expect((await stream.read?.(4))?.byteLength).toBe(0);
  });
});
