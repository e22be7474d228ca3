/**
 * Resume records as read back from a store: anything (another version, a
 * record edited by hand, a torn write, another app's key) until checked field
 * by field. The uploader trusts only what passes {@link parseResumeRecord}.
 */
import type { TargetInfo, UploadRef } from "../../core/protocol.js";
import type { ResumeRecord } from "../types.js";

/** Version of the records this build writes. */
export const RESUME_RECORD_VERSION: ResumeRecord["v"] = 1;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown): value is string => typeof value === "string" && value.length > 0;
const count = (value: unknown, min: number): value is number => Number.isSafeInteger(value) && (value as number) >= min;
const time = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

type Part = ResumeRecord["parts"][number];

function part(value: unknown): Part | undefined {
  if (!isObject(value)) return undefined;
  const { partNumber, etag, size, checksum } = value;
  if (!count(partNumber, 1) || partNumber > 10_000 || !text(etag) || !count(size, 0)) return undefined;
  if (checksum !== undefined && typeof checksum !== "string") return undefined;
  return { partNumber, etag, size, ...(checksum !== undefined && { checksum }) };
}

/** A record's upload target when well formed (else dropped: the token, not the record, decides where the upload is). */
function target(value: unknown): TargetInfo | undefined {
  if (!isObject(value)) return undefined;
  const { id, bucket, region, endpoint, accelerate } = value;
  if (
    !text(id) ||
    !text(bucket) ||
    (region !== undefined && !text(region)) ||
    (endpoint !== undefined && !text(endpoint))
  )
    return undefined;
  return {
    id,
    bucket,
    ...(region !== undefined && { region }),
    ...(endpoint !== undefined && { endpoint }),
    ...(accelerate === true && { accelerate }),
  };
}

/** A copy of `value` when it is a well-formed record of this version, else `undefined`. */
export function parseResumeRecord(value: unknown): ResumeRecord | undefined {
  if (!isObject(value) || value["v"] !== RESUME_RECORD_VERSION) return undefined;
  const { fingerprint, filename, size, key, uploadId, token, partSize, expiresAt, createdAt, checksum } = value;
  const parts = Array.isArray(value["parts"]) ? value["parts"].map(part) : [undefined];
  const where = target(value["target"]);
  if (
    !text(fingerprint) ||
    typeof filename !== "string" ||
    !count(size, 0) ||
    !text(key) ||
    !text(uploadId) ||
    !text(token) ||
    !count(partSize, 1) ||
    !time(expiresAt) ||
    !time(createdAt) ||
    (checksum !== undefined && checksum !== "CRC32") ||
    !parts.every((p): p is Part => p !== undefined)
  ) {
    return undefined;
  }
  return {
    v: RESUME_RECORD_VERSION,
    fingerprint,
    filename,
    size,
    key,
    uploadId,
    token,
    partSize,
    expiresAt,
    createdAt,
    ...(checksum !== undefined && { checksum }),
    parts,
    ...(where && { target: where }),
  };
}

/** The upload a record that failed {@link parseResumeRecord} still names, if it names one (to abort it). */
export function refOf(value: unknown): UploadRef | undefined {
  if (!isObject(value)) return undefined;
  const { key, uploadId, token } = value;
  return text(key) && text(uploadId) && text(token) ? { key, uploadId, token } : undefined;
}
