/**
 * Multipart planning within S3's limits: part size from the object size, part
 * count, the byte range of each part, and validation of a completed part list.
 * Pure and isomorphic.
 */
import { InvalidInputError } from "./errors.js";
import { GiB, MiB, TiB } from "./sizes.js";

/** S3's multipart limits, in bytes and parts. */
export interface S3Limits {
  /** Smallest part except the last one: 5 MiB. */
  readonly minPartSize: number;
  /** Largest part: 5 GiB. */
  readonly maxPartSize: number;
  /** Most parts in one upload: 10,000. */
  readonly maxParts: number;
  /** Largest object: 5 TiB. */
  readonly maxObjectSize: number;
  /** Largest object one single PUT may carry: 5 GiB. */
  readonly maxSinglePutSize: number;
}

/** S3's multipart limits (AWS "Amazon S3 multipart upload limits"). */
export const S3_LIMITS: S3Limits = Object.freeze({
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxParts: 10_000,
  maxObjectSize: 5 * TiB,
  maxSinglePutSize: 5 * GiB,
});

/**
 * Part size used when the application does not choose one: 10 MiB, the size of the pieces
 * Chromium stores a Blob built in memory in (`max_bytes_data_item_size`, 10 MiB from the start
 * of each run of bytes). A `slice()` that cuts one of those pieces is a copy, counted against the
 * browser's blob memory (500 MiB by default, with no disk to page to in a private window) until
 * the page's garbage collector frees it; a slice of whole pieces shares them. Measured: a 256 MiB
 * File built in the page, 4 parts in flight, met 5 `ERR_BLOB_OUT_OF_MEMORY` PUT failures per
 * upload in 8 MiB parts and none in 10 MiB parts (docs/performance.md). Picked files (slices of
 * a file on disk) and Node do not care.
 */
export const DEFAULT_PART_SIZE = 10 * MiB;

function assertSize(size: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new InvalidInputError(`${what} must be a non-negative integer number of bytes, got ${String(size)}`);
  }
}

/**
 * Part size for an upload of `size` bytes: `preferred` (default
 * {@link DEFAULT_PART_SIZE}) raised, when needed, so that the object fits in
 * {@link S3_LIMITS}.maxParts parts (the raised size rounded up to a whole MiB),
 * then clamped to [minPartSize, maxPartSize]. With `size` `null` (unknown length,
 * e.g. a stream) the preferred size is returned.
 *
 * @throws InvalidInputError when `size` is negative, not an integer or larger than
 * maxObjectSize, or when `preferred` is outside [minPartSize, maxPartSize].
 */
export function choosePartSize(size: number | null, preferred: number = DEFAULT_PART_SIZE): number {
  if (!Number.isSafeInteger(preferred) || preferred < S3_LIMITS.minPartSize || preferred > S3_LIMITS.maxPartSize) {
    throw new InvalidInputError(
      `Part size must be an integer between ${S3_LIMITS.minPartSize} (5 MiB) and ${S3_LIMITS.maxPartSize} (5 GiB) bytes, got ${String(preferred)}`,
    );
  }
  if (size === null) return preferred;
  assertSize(size, "Object size");
  if (size > S3_LIMITS.maxObjectSize) {
    throw new InvalidInputError(
      `Object size ${size} is larger than S3's limit of 5 TiB (${S3_LIMITS.maxObjectSize} bytes)`,
    );
  }
  return Math.min(S3_LIMITS.maxPartSize, Math.max(S3_LIMITS.minPartSize, preferred, partSizeToFit(size)));
}

/**
 * Smallest part size, rounded up to a whole MiB, that cuts `size` bytes into at
 * most `maxParts` parts (default {@link S3_LIMITS}.maxParts). Not clamped to S3's
 * part size limits: callers combine it with their preferred size.
 */
export function partSizeToFit(size: number, maxParts: number = S3_LIMITS.maxParts): number {
  return Math.ceil(Math.ceil(size / maxParts) / MiB) * MiB;
}

/**
 * Number of parts of an upload of `size` bytes in parts of `partSize` bytes. An
 * empty object still has one (empty) part.
 *
 * @throws InvalidInputError when `size` is not a non-negative integer or
 * `partSize` is not a positive integer.
 */
export function partCount(size: number, partSize: number): number {
  assertSize(size, "Object size");
  if (!Number.isSafeInteger(partSize) || partSize <= 0) {
    throw new InvalidInputError(`Part size must be a positive integer, got ${String(partSize)}`);
  }
  return size === 0 ? 1 : Math.ceil(size / partSize);
}

/**
 * Byte range of part `partNumber` (1-based) of an object of `size` bytes cut in
 * parts of `partSize` bytes: `start` inclusive, `end` exclusive. Part 1 of an
 * empty object is `{ start: 0, end: 0 }`.
 *
 * @throws InvalidInputError when `partNumber` is not an integer in
 * 1..partCount(size, partSize), or the sizes are invalid.
 */
export function partRange(partNumber: number, partSize: number, size: number): { start: number; end: number } {
  const count = partCount(size, partSize);
  if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > count) {
    throw new InvalidInputError(`Part number ${String(partNumber)} is out of range 1..${count}`);
  }
  const start = (partNumber - 1) * partSize;
  return { start, end: Math.min(start + partSize, size) };
}

/**
 * Why a list of part numbers cannot complete a multipart upload, or `undefined`
 * when it can: it must be non-empty, each number an integer in 1..10,000, in
 * strictly ascending order (no duplicates). Gaps are allowed, as in S3.
 */
export function partListProblem(partNumbers: readonly number[]): string | undefined {
  if (partNumbers.length === 0) return "part list is empty";
  if (partNumbers.length > S3_LIMITS.maxParts) return `more than ${S3_LIMITS.maxParts} parts`;
  let previous = 0;
  for (const n of partNumbers) {
    if (!Number.isInteger(n) || n < 1 || n > S3_LIMITS.maxParts) {
      return `part number ${String(n)} is not an integer in 1..${S3_LIMITS.maxParts}`;
    }
    if (n === previous) return `part number ${n} appears twice`;
    if (n < previous) return `part numbers are not in ascending order (${n} after ${previous})`;
    previous = n;
  }
  return undefined;
}
