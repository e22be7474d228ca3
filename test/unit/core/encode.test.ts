import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeRfc3986 } from "../../../src/core/encode.js";
import { GiB, KiB, MiB, TiB } from "../../../src/core/sizes.js";

describe("encodeRfc3986", () => {
  it("keeps only unreserved characters and encodes what encodeURIComponent keeps (! ' ( ) *)", () => {
    expect(encodeRfc3986("AZaz09-._~")).toBe("AZaz09-._~");
    expect(encodeRfc3986("!'()*")).toBe("%21%27%28%29%2A");
    expect(encodeRfc3986("a b+c/d?e#f&g=h%")).toBe("a%20b%2Bc%2Fd%3Fe%23f%26g%3Dh%25");
  });

  it("encodes UTF-8 with upper-case hex", () => {
    expect(encodeRfc3986("é€😀")).toBe("%C3%A9%E2%82%AC%F0%9F%98%80");
  });

  it("round-trips through decodeURIComponent and leaves nothing but unreserved characters and escapes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        const encoded = encodeRfc3986(text);
        expect(encoded).toMatch(/^([A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
        expect(decodeURIComponent(encoded)).toBe(text);
      }),
    );
  });
});

describe("sizes", () => {
  it("are binary units", () => {
    expect([KiB, MiB, GiB, TiB]).toEqual([2 ** 10, 2 ** 20, 2 ** 30, 2 ** 40]);
  });
});
