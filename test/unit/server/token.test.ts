/**
 * Upload tokens: HMAC over the payload, canonical base64url, expiry, and the
 * refusal of short secrets.
 */
import { describe, expect, it } from "vitest";

import { SignerError, createSigner } from "../../../src/server.js";
import { base64url, createTokenCodec, fromBase64url } from "../../../src/server/token.js";
import type { TokenPayload } from "../../../src/server/token.js";

const SECRET = "0123456789abcdef0123456789abcdef";
const payload: TokenPayload = {
  k: "uploads/a b/ü.bin",
  u: "up-1",
  s: "alice",
  e: 2_000,
  z: 123,
  p: 5 * 1024 * 1024,
  c: "CRC32",
  t: "image/png",
};

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof SignerError ? error.code : `not a SignerError: ${String(error)}`;
  }
}

describe("upload tokens", () => {
  it("round-trips the payload", async () => {
    const codec = createTokenCodec(SECRET);
    const token = await codec.issue(payload);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    await expect(codec.verify(token, 1_000)).resolves.toEqual(payload);
  });

  it("refuses every single-character change of the payload or the MAC", async () => {
    const codec = createTokenCodec(SECRET);
    const token = await codec.issue(payload);
    for (let i = 0; i < token.length; i++) {
      if (token[i] === ".") continue;
      const changed = token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
      expect(await codeOf(codec.verify(changed, 1_000)), `position ${i}`).toBe("InvalidToken");
    }
  });

  it("refuses a token made with another secret", async () => {
    const token = await createTokenCodec("another-secret-of-32-bytes-or-more!").issue(payload);
    expect(await codeOf(createTokenCodec(SECRET).verify(token, 1_000))).toBe("InvalidToken");
  });

  it("refuses malformed tokens", async () => {
    const codec = createTokenCodec(SECRET);
    for (const bad of [undefined, 42, "", ".", "abc", "a.b.c", "a.", ".b", "x".repeat(9000)]) {
      expect(await codeOf(codec.verify(bad, 1_000)), String(bad).slice(0, 20)).toBe("InvalidToken");
    }
  });

  it("refuses a correctly signed payload of the wrong shape", async () => {
    const codec = createTokenCodec(SECRET);
    const token = await codec.issue({ ...payload, z: -5 });
    expect(await codeOf(codec.verify(token, 1_000))).toBe("InvalidToken");
  });

  it("answers TokenExpired from the expiry on", async () => {
    const codec = createTokenCodec(SECRET);
    const token = await codec.issue(payload);
    await expect(codec.verify(token, 1_999)).resolves.toEqual(payload);
    expect(await codeOf(codec.verify(token, 2_000))).toBe("TokenExpired");
  });

  it("accepts an expired token only when asked to (abort), and never a tampered one", async () => {
    const codec = createTokenCodec(SECRET);
    const token = await codec.issue(payload);
    await expect(codec.verify(token, 9_999_999, true)).resolves.toEqual(payload);
    const tampered = `${token.slice(0, -2)}${token.endsWith("A") ? "B" : "A"}${token.slice(-1)}`;
    expect(await codeOf(codec.verify(tampered, 9_999_999, true))).toBe("InvalidToken");
  });

  it("accepts only the canonical base64url spelling of bytes", () => {
    const bytes = new Uint8Array([1, 2, 3, 250]);
    const text = base64url(bytes);
    expect(text).toBe("AQID-g");
    expect(fromBase64url(text)).toEqual(bytes);
    expect(fromBase64url("AQID-h")).toBeUndefined(); // same bytes, other unused bits
    expect(fromBase64url("AQID+g")).toBeUndefined();
    expect(fromBase64url("AQID-g==")).toBeUndefined();
  });

  it("refuses a secret shorter than 32 bytes at construction", () => {
    const options = { s3: { region: "us-east-1" }, bucket: "my-bucket", authorize: () => ({ id: "a" }) };
    expect(() => createSigner({ ...options, tokenSecret: "short" })).toThrow(/5 bytes: it must be at least 32/);
    expect(() => createSigner({ ...options, tokenSecret: new Uint8Array(31) })).toThrow(/at least 32/);
    expect(() => createTokenCodec("short")).toThrow(/at least 32 bytes/);
    expect(() => createSigner({ ...options, tokenSecret: new Uint8Array(32) })).not.toThrow();
    // 11 three-byte characters: 33 UTF-8 bytes.
    expect(() => createSigner({ ...options, tokenSecret: "€".repeat(11) })).not.toThrow();
  });
});
