/**
 * Validation of operation inputs as they arrive from the wire: shapes, types and
 * the protocol's own bounds. Policy (limits, content types, quotas) lives in
 * `limits.ts`. Every failure is a {@link SignerError} with a message safe to
 * send back.
 */
import { utf8ByteLength } from "../core/keys.js";
import { S3_LIMITS } from "../core/parts.js";
import { CRC32_BASE64, MAX_PARTS_PER_SIGN } from "../core/protocol.js";
import type { ChecksumAlgorithm, CompletedPart, SignPart } from "../core/protocol.js";
import { SignerError } from "./errors.js";

/** Longest file name accepted in `create`, in UTF-8 bytes. */
export const MAX_FILENAME_BYTES = 1024;
/** Largest user metadata (names plus values), in bytes, as S3 counts it. */
export const MAX_METADATA_BYTES = 2048;

const MEDIA_TOKEN = "[A-Za-z0-9!#$&^_.+-]+";
/** RFC 9110 quoted-string: printable ASCII but `"` and `\`, or a `\`-escaped pair. */
const QUOTED = '"(?:[\\t !#-\\[\\]-~]|\\\\[\\t -~])*"';
const PARAMETER = `;[ \\t]*${MEDIA_TOKEN}=(?:${MEDIA_TOKEN}|${QUOTED})[ \\t]*`;
const CONTENT_TYPE = new RegExp(`^(${MEDIA_TOKEN})/(${MEDIA_TOKEN})[ \\t]*(?:${PARAMETER})*$`);
const METADATA_NAME = /^[a-z0-9-]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function bad(message: string): SignerError {
  return new SignerError("BadRequest", message);
}

/** An object with string keys (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The media type (`type/subtype`, lower case) of a valid Content-Type, else `undefined`. */
export function mediaType(contentType: string): string | undefined {
  const match = CONTENT_TYPE.exec(contentType);
  return match ? `${match[1]}/${match[2]}`.toLowerCase() : undefined;
}

/** The validated fields of a `create` request. */
export interface ValidCreate {
  filename: string;
  contentType: string;
  size: number | null;
  metadata: Record<string, string>;
  checksum: ChecksumAlgorithm | undefined;
  partSize: number | undefined;
  /** How many first part URLs to sign into the answer (1..100), when asked. */
  signParts: number | undefined;
  /** The client sent this create before (`retry: true`). */
  retry: boolean;
}

/** Validate `metadata`: names `[a-z0-9-]`, printable ASCII values, at most 2 KB in all. */
export function validateMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw bad("metadata must be an object of strings");
  const metadata: Record<string, string> = {};
  let bytes = 0;
  for (const [name, text] of Object.entries(value)) {
    if (!METADATA_NAME.test(name)) throw bad("metadata names may only contain a-z, 0-9 and '-'");
    if (typeof text !== "string" || !PRINTABLE_ASCII.test(text)) {
      throw bad(`metadata "${name}" must be a string of printable ASCII characters`);
    }
    bytes += name.length + text.length;
    if (bytes > MAX_METADATA_BYTES) throw bad(`metadata is larger than ${MAX_METADATA_BYTES} bytes`);
    metadata[name] = text; // the name pattern excludes "__proto__"
  }
  return metadata;
}

/** Validate the body of `create`. */
export function validateCreate(req: unknown): ValidCreate {
  if (!isRecord(req)) throw bad("request must be an object");
  const { filename, contentType, size, checksum, partSize, signParts, retry } = req;
  if (typeof filename !== "string") throw bad("filename must be a string");
  if (utf8ByteLength(filename) > MAX_FILENAME_BYTES) throw bad(`filename is longer than ${MAX_FILENAME_BYTES} bytes`);
  if (typeof contentType !== "string" || contentType.length > 256 || mediaType(contentType) === undefined) {
    throw bad(
      'contentType must be a media type such as image/png (type/subtype, then optional ; name=value or ; name="quoted" parameters, at most 256 characters)',
    );
  }
  if (size !== null && (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0)) {
    throw bad("size must be a non-negative integer, or null for an unknown length");
  }
  if (checksum !== undefined && checksum !== "CRC32") throw bad('checksum must be "CRC32" when given');
  if (partSize !== undefined && (typeof partSize !== "number" || !Number.isSafeInteger(partSize) || partSize <= 0)) {
    throw bad("partSize must be a positive integer when given");
  }
  if (
    signParts !== undefined &&
    (typeof signParts !== "number" || !Number.isInteger(signParts) || signParts < 1 || signParts > MAX_PARTS_PER_SIGN)
  ) {
    throw bad(`signParts must be an integer from 1 to ${MAX_PARTS_PER_SIGN} when given`);
  }
  if (retry !== undefined && typeof retry !== "boolean") throw bad("retry must be true or false when given");
  return {
    filename,
    contentType,
    size,
    metadata: validateMetadata(req.metadata),
    checksum,
    partSize,
    signParts,
    retry: retry === true,
  };
}

/** Validate the `key`, `uploadId` and `token` strings every multipart operation carries. */
export function validateUploadRef(req: unknown): { key: string; uploadId: string; token: string } {
  if (!isRecord(req)) throw bad("request must be an object");
  const { key, uploadId, token } = req;
  if (typeof key !== "string" || typeof uploadId !== "string" || typeof token !== "string") {
    throw bad("key, uploadId and token must be strings");
  }
  return { key, uploadId, token };
}

function isPartNumber(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= S3_LIMITS.maxParts;
}

/** Validate a checksum value against the upload's algorithm (required when it has one, refused when not). */
export function validateChecksum(
  checksum: unknown,
  algorithm: ChecksumAlgorithm | undefined,
  partNumber: number,
): string | undefined {
  if (algorithm === undefined) {
    if (checksum !== undefined) throw bad(`part ${partNumber}: this upload was created without a checksum algorithm`);
    return undefined;
  }
  if (typeof checksum !== "string" || !CRC32_BASE64.test(checksum)) {
    throw bad(`part ${partNumber}: checksum must be the base64 CRC32 of the part`);
  }
  return checksum;
}

/** Validate the `parts` of `sign`: 1..100 entries, part numbers 1..10,000, no duplicates. */
export function validateSignParts(value: unknown): Array<{ partNumber: number; size: unknown; checksum: unknown }> {
  if (!Array.isArray(value) || value.length === 0) throw bad("parts must be a non-empty array");
  if (value.length > MAX_PARTS_PER_SIGN) throw bad(`at most ${MAX_PARTS_PER_SIGN} parts per sign request`);
  const seen = new Set<number>();
  return value.map((part: unknown) => {
    if (!isRecord(part)) throw bad("each part must be an object");
    const { partNumber, size, checksum } = part as Partial<Record<keyof SignPart, unknown>>;
    if (!isPartNumber(partNumber)) {
      throw new SignerError("InvalidPartNumber", `partNumber must be an integer from 1 to ${S3_LIMITS.maxParts}`);
    }
    if (seen.has(partNumber)) throw bad(`part ${partNumber} appears twice`);
    seen.add(partNumber);
    return { partNumber, size, checksum };
  });
}

/** Validate the `parts` of `complete`: exactly 1..n in ascending order, non-empty ETags. */
export function validateCompleteParts(value: unknown): Array<{ partNumber: number; etag: string; checksum: unknown }> {
  if (!Array.isArray(value) || value.length === 0) throw bad("parts must be a non-empty array");
  if (value.length > S3_LIMITS.maxParts)
    throw new SignerError("TooManyParts", `an upload has at most ${S3_LIMITS.maxParts} parts`);
  return value.map((part: unknown, index) => {
    if (!isRecord(part)) throw bad("each part must be an object");
    const { partNumber, etag, checksum } = part as Partial<Record<keyof CompletedPart, unknown>>;
    if (partNumber !== index + 1) {
      throw new SignerError(
        "InvalidPartOrder",
        `parts must be numbered 1..${value.length} in ascending order without gaps`,
      );
    }
    if (typeof etag !== "string" || etag.length === 0 || etag.length > 256 || !PRINTABLE_ASCII.test(etag)) {
      throw bad(`part ${index + 1}: etag must be a non-empty string`);
    }
    return { partNumber: index + 1, etag, checksum };
  });
}
