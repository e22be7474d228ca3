/**
 * The operations on an existing multipart upload: `sign`, `list`, `complete`,
 * `abort`. Each starts by verifying the upload token against the request's
 * key, uploadId and user.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
} from "@aws-sdk/client-s3";
import type { ListPartsCommandOutput } from "@aws-sdk/client-s3";
import { partCount, partRange } from "../core/parts.js";
import type {
  AbortRequest,
  AbortResponse,
  CompleteRequest,
  ListRequest,
  ListResponse,
  SignRequest,
  SignResponse,
  SignedPart,
  StoredPart,
  UploadResult,
} from "../core/protocol.js";
import type { SignerCore } from "./context.js";
import { SignerError, fromS3Error, s3ErrorName } from "./errors.js";
import { maxPartNumber } from "./limits.js";
import { partHeaders } from "./presign.js";
import { presignPartsFast } from "./presign-fast.js";
import type { PartToSign } from "./presign.js";
import type { TokenPayload } from "./token.js";
import type { OpInput, SignerContext } from "./types.js";
import { validateChecksum, validateCompleteParts, validateSignParts, validateUploadRef } from "./validate.js";

const notFound = (): SignerError => new SignerError("UploadNotFound", "no such upload: it was completed, aborted or has expired");

function partSizeOf(token: TokenPayload, partNumber: number, declared: unknown, limit: number): number {
  if (token.z !== null) {
    if (partNumber > limit) {
      throw new SignerError("InvalidPartNumber", `part ${partNumber} is beyond the last part (${limit}) of this upload`);
    }
    const { start, end } = partRange(partNumber, token.p, token.z);
    if (declared !== undefined && declared !== end - start) {
      throw new SignerError("BadRequest", `part ${partNumber} is ${end - start} bytes, not ${String(declared)}`);
    }
    return end - start;
  }
  if (partNumber > limit) {
    throw new SignerError("TooManyParts", `this upload may have at most ${limit} parts`);
  }
  // An empty stream of unknown length is one empty part.
  const min = partNumber === 1 ? 0 : 1;
  if (typeof declared !== "number" || !Number.isSafeInteger(declared) || declared < min || declared > token.p) {
    throw new SignerError("BadRequest", `part ${partNumber}: size must be an integer from ${min} to ${token.p}`);
  }
  return declared;
}

/** Run `sign`: presigned PUT URLs for up to 100 parts. */
export async function signParts(core: SignerCore, req: OpInput<SignRequest>, ctx: SignerContext): Promise<SignResponse> {
  const ref = validateUploadRef(req);
  const token = await core.verify(ref, ctx);
  const requested = validateSignParts((req as { parts?: unknown }).parts);
  const limit = maxPartNumber(token.z, token.p, core.limits);
  const parts: PartToSign[] = requested.map(({ partNumber, size, checksum }) => ({
    partNumber,
    size: partSizeOf(token, partNumber, size, limit),
    checksum: validateChecksum(checksum, token.c, partNumber),
  }));
  await core.ready();
  const timing = core.timing();
  const urls = await presignPartsFast(core.client, { bucket: core.bucket, key: ref.key, uploadId: ref.uploadId }, parts, timing);
  const signed: Record<string, SignedPart> = {};
  parts.forEach((part, i) => {
    signed[String(part.partNumber)] = { url: urls[i] ?? "", headers: partHeaders(part) };
  });
  return { urls: signed, expiresAt: timing.expiresAt };
}

/** Run `list`: every part S3 holds for the upload (ListParts, all pages). */
export async function listParts(core: SignerCore, req: OpInput<ListRequest>, ctx: SignerContext): Promise<ListResponse> {
  const ref = validateUploadRef(req);
  await core.verify(ref, ctx);
  const parts: StoredPart[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 100; page++) {
    let out: ListPartsCommandOutput;
    try {
      out = await core.client.send(
        new ListPartsCommand({
          Bucket: core.bucket,
          Key: ref.key,
          UploadId: ref.uploadId,
          ...(marker === undefined ? {} : { PartNumberMarker: marker }),
        }),
      );
    } catch (error) {
      throw fromS3Error(error, { NoSuchUpload: notFound });
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

/** After completing an upload of unknown length: refuse (and delete) an object outside the size limits. */
async function checkFinalSize(core: SignerCore, key: string): Promise<number> {
  let size: number;
  try {
    const head = await core.client.send(new HeadObjectCommand({ Bucket: core.bucket, Key: key }));
    size = head.ContentLength ?? 0;
  } catch (error) {
    throw fromS3Error(error);
  }
  const { maxSize, minSize } = core.limits;
  if (size > maxSize || size < minSize) {
    try {
      await core.client.send(new DeleteObjectCommand({ Bucket: core.bucket, Key: key }));
    } catch (error) {
      throw fromS3Error(error);
    }
    throw size > maxSize
      ? new SignerError("TooLarge", `file is larger than the limit of ${maxSize} bytes; it was deleted`)
      : new SignerError("TooSmall", `file is smaller than the minimum of ${minSize} bytes; it was deleted`);
  }
  return size;
}

/**
 * The object of an upload that is already complete: a client whose first `complete` answer was
 * lost retries, and S3 no longer knows the upload. The object counts as this upload's when it
 * was written after the upload began and (for a known size) has its size.
 */
async function completedBefore(core: SignerCore, key: string, token: TokenPayload): Promise<{ etag: string; size: number } | undefined> {
  try {
    const head = await core.client.send(new HeadObjectCommand({ Bucket: core.bucket, Key: key }));
    const began = token.e - core.tokenExpiresIn * 1000;
    const written = head.LastModified?.getTime() ?? 0;
    const size = head.ContentLength ?? -1;
    // LastModified has a one-second resolution.
    if (written + 1000 < began || (token.z !== null && size !== token.z)) return undefined;
    return { etag: head.ETag ?? "", size };
  } catch {
    return undefined;
  }
}

/** Run `complete`: CompleteMultipartUpload with exactly parts 1..n. */
export async function completeUpload(core: SignerCore, req: OpInput<CompleteRequest>, ctx: SignerContext): Promise<UploadResult> {
  const ref = validateUploadRef(req);
  const token = await core.verify(ref, ctx);
  const parts = validateCompleteParts((req as { parts?: unknown }).parts);
  if (token.z !== null) {
    const expected = partCount(token.z, token.p);
    if (parts.length !== expected) {
      throw new SignerError("InvalidPartOrder", `this upload has ${expected} parts, not ${parts.length}`);
    }
  } else if (parts.length > maxPartNumber(null, token.p, core.limits)) {
    throw new SignerError("TooManyParts", `this upload may have at most ${maxPartNumber(null, token.p, core.limits)} parts`);
  }
  const completed = parts.map((part) => {
    const checksum = validateChecksum(part.checksum, token.c, part.partNumber);
    return { PartNumber: part.partNumber, ETag: part.etag, ...(checksum === undefined ? {} : { ChecksumCRC32: checksum }) };
  });
  let etag: string;
  try {
    const out = await core.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: core.bucket,
        Key: ref.key,
        UploadId: ref.uploadId,
        MultipartUpload: { Parts: completed },
      }),
    );
    etag = out.ETag ?? "";
  } catch (error) {
    const done = s3ErrorName(error)?.name === "NoSuchUpload" ? await completedBefore(core, ref.key, token) : undefined;
    if (done) return { key: ref.key, ...done, ...(await core.urls(ref.key)) };
    throw fromS3Error(error, {
      NoSuchUpload: notFound,
      InvalidPart: () => new SignerError("InvalidPart", "a part was not found or its ETag does not match"),
      InvalidPartOrder: () => new SignerError("InvalidPartOrder", "parts must be in ascending order"),
      EntityTooSmall: () => new SignerError("InvalidPart", "a part other than the last is smaller than 5 MiB"),
      BadDigest: () => new SignerError("InvalidPart", "a part's checksum does not match its bytes"),
    });
  }
  const size = token.z ?? (await checkFinalSize(core, ref.key));
  return { key: ref.key, etag, size, ...(await core.urls(ref.key)) };
}

/**
 * Run `abort`. Idempotent: an upload that no longer exists counts as aborted.
 * An expired token is accepted (its MAC and user are still checked): cleaning up
 * one's own stale upload is always allowed, so no part is left billed.
 */
export async function abortUpload(core: SignerCore, req: OpInput<AbortRequest>, ctx: SignerContext): Promise<AbortResponse> {
  const ref = validateUploadRef(req);
  await core.verify(ref, ctx, true);
  try {
    await core.client.send(new AbortMultipartUploadCommand({ Bucket: core.bucket, Key: ref.key, UploadId: ref.uploadId }));
  } catch (error) {
    const mapped = fromS3Error(error, { NoSuchUpload: () => new SignerError("UploadNotFound", "gone") });
    if (mapped.code !== "UploadNotFound") throw mapped;
  }
  return { ok: true };
}
