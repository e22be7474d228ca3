/**
 * The operations on an existing multipart upload: `sign`, `list`, `complete`,
 * `abort`. Each starts by verifying the upload token against the request's
 * key, uploadId and user.
 */
import type { ListPartsCommandOutput } from "@aws-sdk/client-s3";

import { partCount, partRange } from "../core/parts.js";
import type {
  AbortResponse,
  ListResponse,
  SignResponse,
  StoredPart,
  UploadRef,
  UploadResult,
} from "../core/protocol.js";
import type { SignerRuntime } from "./context.js";
import { SignerError, fromS3Error, s3ErrorName } from "./errors.js";
import { maxPartNumber, maxUnknownPartSize } from "./limits.js";
import { signBatch } from "./sign-batch.js";
import { abortSiblings } from "./siblings.js";
import type { PartToSign } from "./presign.js";
import type { TokenPayload } from "./token.js";
import type { SignerContext } from "./types.js";
import { count } from "./text.js";
import { isRecord, validateChecksum, validateCompleteParts, validateSignParts, validateUploadRef } from "./validate.js";

/**
 * Verify the request's token and answer the runtime of the target it binds (the request cannot
 * name another: a changed target id breaks the token's MAC). A target no longer configured is
 * `InvalidToken`, so that a client starts over.
 */
async function verified(
  base: SignerRuntime,
  req: unknown,
  ctx: SignerContext,
  allowExpired?: boolean,
): Promise<{ rt: SignerRuntime; ref: UploadRef; token: TokenPayload }> {
  const ref = validateUploadRef(req);
  const token = await base.verify(ref, ctx, allowExpired);
  const rt = await base.at(token.g);
  if (rt === undefined)
    throw new SignerError("InvalidToken", "this upload's target is no longer configured on the signer");
  return { rt, ref, token };
}

const notFound = (): SignerError =>
  new SignerError("UploadNotFound", "no such upload: it was completed, aborted or has expired");

function sizeProblem(partNumber: number, declared: unknown): SignerError | undefined {
  if (declared === undefined || typeof declared === "number") return undefined;
  return new SignerError(
    "BadRequest",
    `part ${partNumber}: size must be a number of bytes, not ${declared === null ? "null" : `a ${typeof declared}`}`,
  );
}

function partSizeOf(
  rt: SignerRuntime,
  token: TokenPayload,
  partNumber: number,
  declared: unknown,
  limit: number,
): number {
  const wrongType = sizeProblem(partNumber, declared);
  if (wrongType !== undefined) throw wrongType;
  if (token.z !== null) {
    if (partNumber > limit) {
      throw new SignerError(
        "InvalidPartNumber",
        `part ${partNumber} is beyond the last part (${limit}) of this upload`,
      );
    }
    const { start, end } = partRange(partNumber, token.p, token.z);
    if (declared !== undefined && declared !== end - start) {
      throw new SignerError(
        "BadRequest",
        `part ${partNumber} is ${count(end - start, "byte")}, not ${String(declared)}`,
      );
    }
    return end - start;
  }
  if (partNumber > limit) {
    throw new SignerError("TooManyParts", `this upload may have at most ${count(limit, "part")}`);
  }
  // An empty stream of unknown length is one empty part; no part may take the object past maxSize.
  const min = partNumber === 1 ? 0 : 1;
  const max = maxUnknownPartSize(partNumber, token.p, rt.limits);
  if (typeof declared !== "number" || !Number.isSafeInteger(declared) || declared < min || declared > max) {
    throw new SignerError("BadRequest", `part ${partNumber}: size must be an integer from ${min} to ${max}`);
  }
  return declared;
}

/** Run `sign`: presigned PUT URLs for up to 100 parts. */
export async function signParts(base: SignerRuntime, req: unknown, ctx: SignerContext): Promise<SignResponse> {
  const { rt, ref, token } = await verified(base, req, ctx);
  const requested = validateSignParts(isRecord(req) ? req.parts : undefined);
  const limit = maxPartNumber(token.z, token.p, rt.limits);
  const parts: PartToSign[] = requested.map(({ partNumber, size, checksum }) => ({
    partNumber,
    size: partSizeOf(rt, token, partNumber, size, limit),
    checksum: validateChecksum(checksum, token.c, partNumber),
  }));
  return signBatch(rt, ref, parts);
}

/** Run `list`: every part S3 holds for the upload (ListParts, all pages). */
export async function listParts(base: SignerRuntime, req: unknown, ctx: SignerContext): Promise<ListResponse> {
  const { rt, ref } = await verified(base, req, ctx);
  const parts: StoredPart[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 100; page++) {
    let out: ListPartsCommandOutput;
    try {
      out = await rt.aws.client.send(
        new rt.aws.sdk.s3.ListPartsCommand({
          Bucket: rt.bucket,
          Key: ref.key,
          UploadId: ref.uploadId,
          ...(marker === undefined ? {} : { PartNumberMarker: marker }),
        }),
      );
    } catch (error) {
      // Ceph RGW answers ListParts of an aborted upload with NoSuchKey (AWS: NoSuchUpload).
      throw fromS3Error(error, { NoSuchUpload: notFound, NoSuchKey: notFound });
    }
    for (const p of out.Parts ?? []) {
      if (p.PartNumber === undefined || p.ETag === undefined) continue;
      parts.push({
        partNumber: p.PartNumber,
        etag: p.ETag,
        size: p.Size ?? 0,
        ...(p.ChecksumCRC32 === undefined ? {} : { checksum: p.ChecksumCRC32 }),
      });
    }
    const next = out.NextPartNumberMarker;
    if (out.IsTruncated !== true || next === undefined || next === marker) break;
    marker = next;
  }
  return { parts };
}

/** The object's size and ETag (HeadObject). */
async function head(rt: SignerRuntime, key: string): Promise<{ size: number; etag: string; written: number }> {
  const out = await rt.aws.client.send(new rt.aws.sdk.s3.HeadObjectCommand({ Bucket: rt.bucket, Key: key }));
  return { size: out.ContentLength ?? -1, etag: out.ETag ?? "", written: out.LastModified?.getTime() ?? 0 };
}

/** After completing an upload of unknown length: refuse (and delete) an object outside the size limits. */
async function checkFinalSize(rt: SignerRuntime, key: string, size: number): Promise<void> {
  const { maxSize, minSize } = rt.limits;
  if (size <= maxSize && size >= minSize) return;
  try {
    await rt.aws.client.send(new rt.aws.sdk.s3.DeleteObjectCommand({ Bucket: rt.bucket, Key: key }));
  } catch (error) {
    throw fromS3Error(error);
  }
  throw size > maxSize
    ? new SignerError("TooLarge", `file is larger than the limit of ${count(maxSize, "byte")}; it was deleted`)
    : new SignerError("TooSmall", `file is smaller than the minimum of ${count(minSize, "byte")}; it was deleted`);
}

/**
 * The object of an upload that is already complete: a client whose first `complete` answer was
 * lost retries, and S3 no longer knows the upload. The object counts as this upload's when it
 * was written after the upload began and (for a known size) has its size.
 */
async function completedBefore(
  rt: SignerRuntime,
  key: string,
  token: TokenPayload,
): Promise<{ etag: string; size: number } | undefined> {
  try {
    const object = await head(rt, key);
    const began = token.e - rt.tokenExpiresInMs;
    // LastModified has a one-second resolution.
    if (object.written + 1000 < began || (token.z !== null && object.size !== token.z)) return undefined;
    return { etag: object.etag, size: object.size };
  } catch {
    return undefined;
  }
}

function checkPartCount(rt: SignerRuntime, token: TokenPayload, given: number): void {
  if (token.z !== null) {
    const expected = partCount(token.z, token.p);
    if (given !== expected)
      throw new SignerError("InvalidPartOrder", `this upload has ${count(expected, "part")}, not ${given}`);
    return;
  }
  const limit = maxPartNumber(null, token.p, rt.limits);
  if (given > limit) throw new SignerError("TooManyParts", `this upload may have at most ${count(limit, "part")}`);
}

/**
 * Run `complete`: CompleteMultipartUpload with exactly parts 1..n. When S3 answers no ETag
 * (Ceph RGW answers `<ETag/>`) or the size is unknown, the object's HeadObject supplies them.
 */
export async function completeUpload(base: SignerRuntime, req: unknown, ctx: SignerContext): Promise<UploadResult> {
  const { rt, ref, token } = await verified(base, req, ctx);
  const where = rt.target && { target: rt.target };
  const parts = validateCompleteParts(isRecord(req) ? req.parts : undefined);
  checkPartCount(rt, token, parts.length);
  const completed = parts.map((part) => {
    const checksum = validateChecksum(part.checksum, token.c, part.partNumber);
    return {
      PartNumber: part.partNumber,
      ETag: part.etag,
      ...(checksum === undefined ? {} : { ChecksumCRC32: checksum }),
    };
  });
  let etag: string;
  try {
    const out = await rt.aws.client.send(
      new rt.aws.sdk.s3.CompleteMultipartUploadCommand({
        Bucket: rt.bucket,
        Key: ref.key,
        UploadId: ref.uploadId,
        MultipartUpload: { Parts: completed },
      }),
    );
    etag = out.ETag ?? "";
  } catch (error) {
    const done = s3ErrorName(error)?.name === "NoSuchUpload" ? await completedBefore(rt, ref.key, token) : undefined;
    if (done) {
      await cleanUpRetries(rt, ref, token);
      return { key: ref.key, ...done, ...(await rt.urls(ref.key)), ...where };
    }
    throw fromS3Error(error, {
      NoSuchUpload: notFound,
      InvalidPart: () => new SignerError("InvalidPart", "a part was not found or its ETag does not match"),
      InvalidPartOrder: () => new SignerError("InvalidPartOrder", "parts must be in ascending order"),
      EntityTooSmall: () => new SignerError("InvalidPart", "a part other than the last is smaller than 5 MiB"),
      BadDigest: () => new SignerError("InvalidPart", "a part's checksum does not match its bytes"),
    });
  }
  await cleanUpRetries(rt, ref, token);
  let size = token.z;
  if (size === null) {
    // Unknown length: the stored object tells the size (and the ETag when S3 answered none).
    let object: { size: number; etag: string };
    try {
      object = await head(rt, ref.key);
    } catch (error) {
      throw fromS3Error(error);
    }
    size = Math.max(0, object.size);
    await checkFinalSize(rt, ref.key, size);
    if (etag === "") etag = object.etag;
  } else if (etag === "") {
    // The upload is complete: a failed HEAD leaves the ETag empty rather than failing it.
    etag = (await head(rt, ref.key).catch(() => undefined))?.etag ?? "";
  }
  return { key: ref.key, etag, size, ...(await rt.urls(ref.key)), ...where };
}

/**
 * A request-scoped upload (token flag `r`): every other upload of exactly its key is a retry of
 * the same create (the SDK's or the client's) that nobody will complete: abort them, best effort.
 * Keys that are not request-scoped may have legitimate uploads in flight: never touched.
 */
async function cleanUpRetries(
  rt: SignerRuntime,
  ref: { key: string; uploadId: string },
  token: TokenPayload,
): Promise<void> {
  if (token.r === true) await abortSiblings(rt, ref.key, ref.uploadId);
}

/**
 * Run `abort`. Idempotent: an upload that no longer exists counts as aborted.
 * An expired token is accepted (its MAC and user are still checked): cleaning up
 * one's own stale upload is always allowed, so no part is left billed.
 */
export async function abortUpload(base: SignerRuntime, req: unknown, ctx: SignerContext): Promise<AbortResponse> {
  const { rt, ref, token } = await verified(base, req, ctx, true);
  try {
    await rt.aws.client.send(
      new rt.aws.sdk.s3.AbortMultipartUploadCommand({ Bucket: rt.bucket, Key: ref.key, UploadId: ref.uploadId }),
    );
  } catch (error) {
    const mapped = fromS3Error(error, { NoSuchUpload: () => new SignerError("UploadNotFound", "gone") });
    if (mapped.code !== "UploadNotFound") throw mapped;
  }
  await cleanUpRetries(rt, ref, token);
  return { ok: true };
}
