/**
 * Every presigned URL the signer hands out through the AWS SDK: single PUT,
 * upload parts, GET. Batches of part URLs go through `presign-fast.ts`, which
 * signs one URL here and the rest with `SignatureV4`.
 *
 * Signed headers: `content-length` always (S3 then refuses a body of another
 * size: this is how size limits hold), `x-amz-checksum-crc32` when given, and,
 * for the single PUT, `content-type` and `x-amz-meta-*`. These are kept as
 * headers (never hoisted into the query) so that the PUT must carry them.
 */
import type { S3Client } from "@aws-sdk/client-s3";

import { ConfigError } from "../core/errors.js";
import type { Aws } from "./sdk.js";

/** Timing of one presigning call. */
export interface PresignTiming {
  signingDate: Date;
  /** Seconds. */
  expiresIn: number;
}

/** One part to sign. */
export interface PartToSign {
  partNumber: number;
  /** Exact byte length, signed as Content-Length. */
  size: number;
  /** Base64 CRC32 of the part, signed as `x-amz-checksum-crc32`. */
  checksum?: string | undefined;
}

/** The multipart upload the parts belong to. */
export interface UploadTarget {
  bucket: string;
  key: string;
  uploadId: string;
}

/** The signed header that carries a part's CRC32. */
export const CHECKSUM_HEADER = "x-amz-checksum-crc32";
/** Payload hash of presigned URLs: the body is not hashed. */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** Headers a part's PUT must carry besides Content-Length (which the HTTP client sets). */
export function partHeaders(part: PartToSign): Record<string, string> {
  return part.checksum === undefined ? {} : { [CHECKSUM_HEADER]: part.checksum };
}

/** Headers signed into a part URL. */
export function signedHeaderSet(part: PartToSign): Set<string> {
  return new Set(part.checksum === undefined ? ["content-length"] : ["content-length", CHECKSUM_HEADER]);
}

/** Presign one UploadPart through the SDK's command pipeline. */
export function presignPartSdk(
  aws: Aws,
  upload: UploadTarget,
  part: PartToSign,
  timing: PresignTiming,
): Promise<string> {
  const command = new aws.sdk.s3.UploadPartCommand({
    Bucket: upload.bucket,
    Key: upload.key,
    UploadId: upload.uploadId,
    PartNumber: part.partNumber,
    ContentLength: part.size,
    ...(part.checksum === undefined ? {} : { ChecksumCRC32: part.checksum }),
  });
  return aws.sdk.presigner.getSignedUrl(aws.client, command, {
    signingDate: timing.signingDate,
    expiresIn: timing.expiresIn,
    signableHeaders: signedHeaderSet(part),
    unhoistableHeaders: new Set([CHECKSUM_HEADER]),
  });
}

/** Presign every part through the SDK (the reference path; ~0.3-0.6 ms per URL). */
export async function presignPartsSdk(
  aws: Aws,
  upload: UploadTarget,
  parts: readonly PartToSign[],
  timing: PresignTiming,
): Promise<string[]> {
  const urls: string[] = [];
  for (const part of parts) urls.push(await presignPartSdk(aws, upload, part, timing));
  return urls;
}

/** What the single PUT of a small file signs. */
export interface PutToSign {
  bucket: string;
  key: string;
  contentType: string;
  size: number;
  metadata: Record<string, string>;
}

/** Presign a PutObject whose Content-Type, Content-Length and metadata are signed headers. */
export async function presignPut(
  aws: Aws,
  put: PutToSign,
  timing: PresignTiming,
): Promise<{ url: string; headers: Record<string, string> }> {
  const headers: Record<string, string> = { "content-type": put.contentType };
  for (const [name, value] of Object.entries(put.metadata)) headers[`x-amz-meta-${name}`] = value;
  const url = await aws.sdk.presigner.getSignedUrl(
    aws.client,
    new aws.sdk.s3.PutObjectCommand({
      Bucket: put.bucket,
      Key: put.key,
      ContentType: put.contentType,
      ContentLength: put.size,
      Metadata: put.metadata,
    }),
    {
      signingDate: timing.signingDate,
      expiresIn: timing.expiresIn,
      signableHeaders: new Set(["content-type", "content-length"]),
      unhoistableHeaders: new Set(Object.keys(headers).filter((name) => name.startsWith("x-amz-"))),
    },
  );
  return { url, headers };
}

/** Presign a GetObject. */
export function presignGetObject(aws: Aws, bucket: string, key: string, timing: PresignTiming): Promise<string> {
  return aws.sdk.presigner.getSignedUrl(aws.client, new aws.sdk.s3.GetObjectCommand({ Bucket: bucket, Key: key }), {
    signingDate: timing.signingDate,
    expiresIn: timing.expiresIn,
  });
}

/**
 * Refuse a client that adds flexible checksums to every request: presigned
 * PUTs would then carry the checksum of an empty body and fail (a {@link ConfigError}).
 */
export async function assertPresignableClient(client: S3Client): Promise<void> {
  const mode = await client.config.requestChecksumCalculation();
  if (mode !== "WHEN_REQUIRED") {
    throw new ConfigError(
      "s3",
      's3: create your S3Client with requestChecksumCalculation: "WHEN_REQUIRED" (and responseChecksumValidation: ' +
        '"WHEN_REQUIRED"), or pass its configuration instead: with the SDK\'s default every presigned PUT carries the ' +
        "checksum of an empty body and S3 refuses the browser's bytes",
    );
  }
}
