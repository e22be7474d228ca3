/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum S3 calls
 * `CRC32` (`x-amz-checksum-crc32`). Slicing-by-8, tables built lazily on first
 * use. Pure and isomorphic (no Buffer, no zlib).
 */
import { CRC32_BASE64 } from "./protocol.js";

/** 8 tables of 256 entries, table k at offset 256 * k. */
let tables: Uint32Array | undefined;

function buildTables(): Uint32Array {
  const t = new Uint32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[256 * k + n] = c;
    }
  }
  return t;
}

/**
 * CRC-32 of `data`, as an unsigned 32-bit integer. Incremental: pass the CRC of
 * the bytes before as `previous` (default 0, the CRC of nothing), so that
 * `crc32(b, crc32(a)) === crc32(concat(a, b))`.
 */
export function crc32(data: Uint8Array, previous = 0): number {
  const t = (tables ??= buildTables());
  let crc = ~previous >>> 0;
  let i = 0;
  const length = data.length;
  const end8 = length - (length % 8);
  while (i < end8) {
    const a = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    const b = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + (b & 0xff)]! ^
      t[512 + ((b >>> 8) & 0xff)]! ^
      t[256 + ((b >>> 16) & 0xff)]! ^
      t[(b >>> 24) & 0xff]!;
    i += 8;
  }
  while (i < length) {
    crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * A CRC-32 value in the format of S3's `x-amz-checksum-crc32` header: its 4
 * bytes big-endian, base64-encoded (8 characters, ending in `=`).
 */
export function crc32ToBase64(value: number): string {
  const v = value >>> 0;
  const bytes = [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff] as const;
  const first = (bytes[0] << 16) | (bytes[1] << 8) | bytes[2];
  const last = bytes[3];
  return (
    BASE64[(first >>> 18) & 63]! +
    BASE64[(first >>> 12) & 63]! +
    BASE64[(first >>> 6) & 63]! +
    BASE64[first & 63]! +
    BASE64[last >>> 2]! +
    BASE64[(last & 3) << 4]! +
    "=="
  );
}

/** Inverse of {@link crc32ToBase64}: the CRC-32 value of a header value, or `undefined` if malformed. */
export function crc32FromBase64(header: string): number | undefined {
  if (!CRC32_BASE64.test(header)) return undefined;
  const d = (i: number): number => BASE64.indexOf(header[i]!);
  const first = (d(0) << 18) | (d(1) << 12) | (d(2) << 6) | d(3);
  const c4 = d(4);
  const c5 = d(5);
  if ((c5 & 15) !== 0) return undefined;
  return ((first << 8) | (c4 << 2) | (c5 >>> 4)) >>> 0;
}
