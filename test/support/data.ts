/** Test data: deterministic pseudo-random bytes and their SHA-256, shared by the upload suites. */
import { createHash } from "node:crypto";

/** `size` pseudo-random bytes, the same for the same `seed` (an LCG: fast, not cryptographic). */
export function pseudoRandomBytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Hex SHA-256 of `bytes`, to compare objects without printing megabytes on failure. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
