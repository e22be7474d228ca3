import { crc32 as zlibCrc32 } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32, crc32FromBase64, crc32ToBase64 } from "../../../src/core/crc32.js";
import { CRC32_BASE64 } from "../../../src/core/protocol.js";

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Base64 of the big-endian CRC, computed with node's own tools (zlib + Buffer). */
const nodeBase64 = (data: Uint8Array): string => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(zlibCrc32(data));
  return buffer.toString("base64");
};

describe("crc32", () => {
  it("matches the standard check value and edge cases", () => {
    expect(crc32(text("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(text("hello world"))).toBe(0x0d4a1185);
    expect(crc32(new Uint8Array([0]))).toBe(0xd202ef8d);
    expect(crc32(new Uint8Array(32).fill(0xff))).toBe(0xff6cab0b);
  });

  it("gives the x-amz-checksum-crc32 value S3 expects for 'hello world'", () => {
    expect(crc32ToBase64(crc32(text("hello world")))).toBe("DUoRhQ==");
    expect(crc32ToBase64(crc32(text("hello world")))).toBe(nodeBase64(text("hello world")));
  });

  it("encodes values big-endian with padding", () => {
    expect(crc32ToBase64(0)).toBe("AAAAAA==");
    expect(crc32ToBase64(0xffffffff)).toBe("/////w==");
    expect(crc32ToBase64(0x01020304)).toBe("AQIDBA==");
  });

  it("decodes a header value back, and refuses malformed ones", () => {
    expect(crc32FromBase64("DUoRhQ==")).toBe(0x0d4a1185);
    expect(crc32FromBase64("/////w==")).toBe(0xffffffff);
    for (const bad of ["", "DUoRhQ=", "DUoRhQ", "DUoRhQ==x", "DUoRh!==", "DUoRhR=="]) {
      expect(crc32FromBase64(bad)).toBeUndefined();
    }
  });

  it("agrees with zlib.crc32 on random bytes, and its base64 with Buffer's", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const value = crc32(bytes);
        expect(value).toBe(zlibCrc32(bytes));
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(0xffffffff);
        expect(crc32ToBase64(value)).toBe(nodeBase64(bytes));
        expect(crc32FromBase64(crc32ToBase64(value))).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it("is incremental: crc32(b, crc32(a)) === crc32(a + b) at any split point", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), fc.nat(), fc.nat(), (bytes, s1, s2) => {
        const [i, j] = [s1 % (bytes.length + 1), s2 % (bytes.length + 1)].sort((x, y) => x - y) as [number, number];
        const chained = crc32(bytes.subarray(j), crc32(bytes.subarray(i, j), crc32(bytes.subarray(0, i))));
        expect(chained).toBe(zlibCrc32(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("reads only its view of a larger buffer", () => {
    const backing = new Uint8Array(64).map((_, i) => i);
    const view = new Uint8Array(backing.buffer, 7, 33);
    expect(crc32(view)).toBe(zlibCrc32(Buffer.from(backing.subarray(7, 40))));
  });

  it("agrees with zlib on 64 MiB", () => {
    const size = 64 * 1024 * 1024;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) data[i] = (i * 2654435761) >>> 24;
    expect(crc32(data)).toBe(zlibCrc32(data));
  });
});

describe("CRC32_BASE64 (the wire format of a part checksum)", () => {
  it("accepts every value crc32ToBase64 writes and refuses other shapes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        expect(crc32ToBase64(value)).toMatch(CRC32_BASE64);
      }),
    );
    for (const bad of ["", "AAAAAA=", "AAAAAAA=", "AAAAAA===", "AAAA-A==", "AAAAAAAA"])
      expect(bad).not.toMatch(CRC32_BASE64);
  });
});
