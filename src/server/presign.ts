/**
 * Every presigned URL the signer hands out: single PUT, upload parts, GET.
 *
 * Part URLs are signed in batches. The AWS SDK's command pipeline costs a few
 * hundred microseconds per URL, so a batch presigns ONE URL through the SDK
 * (its endpoint resolution, addressing style and credentials stay
 * authoritative), takes that URL apart, and signs the other parts with a
 * `SignatureV4` over the same host and path, changing only `partNumber`,
 * `Content-Length` and the checksum. When the SDK's URL is not of the expected
 * shape (S3 Express sessions, SigV4a, an extra parameter), the batch falls back
 * to the SDK for every part.
 *
 * Signed headers: `content-length` always (S3 then refuses a body of another
 * size: this is how size limits hold), `x-amz-checksum-crc32` when given, and,
 * for the single PUT, `content-type` and `x-amz-meta-*`. These are kept as
 * headers (never hoisted into the query) so that the PUT must carry them.
 */
import { GetObjectCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, ChecksumConstructor, HashConstructor, HttpRequest, QueryParameterBag } from "@smithy/types";

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

const CHECKSUM_HEADER = "x-amz-checksum-crc32";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** Headers a part's PUT must carry besides Content-Length (which the HTTP client sets). */
export function partHeaders(part: PartToSign): Record<string, string> {
  return part.checksum === undefined ? {} : { [CHECKSUM_HEADER]: part.checksum };
}

function signedHeaderSet(part: PartToSign): Set<string> {
  return new Set(part.checksum === undefined ? ["content-length"] : ["content-length", CHECKSUM_HEADER]);
}

/** Presign one UploadPart through the SDK's command pipeline. */
export function presignPartSdk(client: S3Client, upload: UploadTarget, part: PartToSign, timing: PresignTiming): Promise<string> {
  const command = new UploadPartCommand({
    Bucket: upload.bucket,
    Key: upload.key,
    UploadId: upload.uploadId,
    PartNumber: part.partNumber,
    ContentLength: part.size,
    ...(part.checksum === undefined ? {} : { ChecksumCRC32: part.checksum }),
  });
  return getSignedUrl(client, command, {
    signingDate: timing.signingDate,
    expiresIn: timing.expiresIn,
    signableHeaders: signedHeaderSet(part),
    unhoistableHeaders: new Set([CHECKSUM_HEADER]),
  });
}

/** Presign every part through the SDK (the reference path; ~0.3-0.6 ms per URL). */
export async function presignPartsSdk(
  client: S3Client,
  upload: UploadTarget,
  parts: readonly PartToSign[],
  timing: PresignTiming,
): Promise<string[]> {
  const urls: string[] = [];
  for (const part of parts) urls.push(await presignPartSdk(client, upload, part, timing));
  return urls;
}

/** What a batch reuses of the SDK's first URL. */
interface UrlTemplate {
  protocol: string;
  /** `host[:port]` exactly as in the URL (the signed `host` header). */
  authority: string;
  /** Encoded path exactly as in the URL. */
  path: string;
  /** Query parameters other than the signature's and `partNumber` (decoded). */
  query: Record<string, string>;
  accessKeyId: string;
  sessionToken: string | undefined;
  region: string;
  service: string;
}

/** Query parameters the SDK puts into a presigned UploadPart URL; anything else means "not our shape". */
const KNOWN_PARAMS = new Set([
  "X-Amz-Algorithm",
  "X-Amz-Content-Sha256",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-Signature",
  "X-Amz-SignedHeaders",
  "X-Amz-Security-Token",
  "partNumber",
  "uploadId",
  "x-id",
]);

function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Take apart an SDK part URL, or `undefined` when it is not of the shape the fast path reproduces. */
function parseTemplate(url: string, upload: UploadTarget, part: PartToSign, timing: PresignTiming): UrlTemplate | undefined {
  const match = /^(https?:)\/\/([^/?#@]+)(\/[^?#]*)\?([^#]*)$/.exec(url);
  if (!match) return undefined;
  const [, protocol = "", authority = "", path = "", rawQuery = ""] = match;
  const params = new Map<string, string>();
  for (const pair of rawQuery.split("&")) {
    const eq = pair.indexOf("=");
    if (eq < 0) return undefined;
    const name = safeDecode(pair.slice(0, eq));
    const value = safeDecode(pair.slice(eq + 1));
    if (name === undefined || value === undefined || !KNOWN_PARAMS.has(name) || params.has(name)) return undefined;
    params.set(name, value);
  }
  const expectedHeaders = [...signedHeaderSet(part), "host"].sort().join(";");
  const [accessKeyId, scopeDate, region, service, terminator, ...extra] = (params.get("X-Amz-Credential") ?? "").split("/");
  const ok =
    params.get("X-Amz-Algorithm") === "AWS4-HMAC-SHA256" &&
    params.get("X-Amz-Content-Sha256") === UNSIGNED_PAYLOAD &&
    params.get("X-Amz-Date") === amzDate(timing.signingDate) &&
    params.get("X-Amz-Expires") === String(timing.expiresIn) &&
    params.get("X-Amz-SignedHeaders") === expectedHeaders &&
    params.get("partNumber") === String(part.partNumber) &&
    params.get("uploadId") === upload.uploadId &&
    params.has("X-Amz-Signature") &&
    accessKeyId !== undefined &&
    accessKeyId !== "" &&
    scopeDate === amzDate(timing.signingDate).slice(0, 8) &&
    region !== undefined &&
    region !== "" &&
    service !== undefined &&
    service !== "" &&
    terminator === "aws4_request" &&
    extra.length === 0;
  if (!ok) return undefined;
  const query: Record<string, string> = {};
  for (const [name, value] of params) {
    if (!name.startsWith("X-Amz-") && name !== "partNumber") query[name] = value;
  }
  return { protocol, authority, path, query, accessKeyId, sessionToken: params.get("X-Amz-Security-Token"), region, service };
}

/** RFC 3986 encoding of a query name or value, as SigV4 canonicalises it. */
function encodeQuery(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function formatPresigned(template: UrlTemplate, query: QueryParameterBag): string {
  const pairs = Object.keys(query)
    .sort()
    .map((name) => {
      const value = query[name];
      return `${encodeQuery(name)}=${encodeQuery(typeof value === "string" ? value : "")}`;
    });
  return `${template.protocol}//${template.authority}${template.path}?${pairs.join("&")}`;
}

/**
 * Presign a batch of parts: the first through the SDK, the others with a
 * `SignatureV4` over the first URL's host and path (~40 us per URL). Falls back
 * to {@link presignPartsSdk} when the SDK's URL is of an unexpected shape.
 */
export async function presignPartsFast(
  client: S3Client,
  upload: UploadTarget,
  parts: readonly PartToSign[],
  timing: PresignTiming,
): Promise<string[]> {
  const [first, ...rest] = parts;
  if (first === undefined) return [];
  const firstUrl = await presignPartSdk(client, upload, first, timing);
  if (rest.length === 0) return [firstUrl];
  const template = parseTemplate(firstUrl, upload, first, timing);
  const credentials: AwsCredentialIdentity | undefined = template && (await client.config.credentials());
  if (
    template === undefined ||
    credentials === undefined ||
    credentials.accessKeyId !== template.accessKeyId ||
    credentials.sessionToken !== template.sessionToken
  ) {
    return [firstUrl, ...(await presignPartsSdk(client, upload, rest, timing))];
  }
  const signer = new SignatureV4({
    credentials,
    region: template.region,
    service: template.service,
    sha256: client.config.sha256 as ChecksumConstructor | HashConstructor,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const hostname = template.authority.replace(/:\d+$/, "");
  const urls = [firstUrl];
  for (const part of rest) {
    const request: HttpRequest = {
      method: "PUT",
      protocol: template.protocol,
      hostname,
      path: template.path,
      query: { ...template.query, partNumber: String(part.partNumber) },
      headers: {
        host: template.authority,
        "content-length": String(part.size),
        "X-Amz-Content-Sha256": UNSIGNED_PAYLOAD,
        ...partHeaders(part),
      },
    };
    const signed = await signer.presign(request, {
      signingDate: timing.signingDate,
      expiresIn: timing.expiresIn,
      unhoistableHeaders: new Set([CHECKSUM_HEADER]),
    });
    urls.push(formatPresigned(template, signed.query ?? {}));
  }
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
  client: S3Client,
  put: PutToSign,
  timing: PresignTiming,
): Promise<{ url: string; headers: Record<string, string> }> {
  const headers: Record<string, string> = { "content-type": put.contentType };
  for (const [name, value] of Object.entries(put.metadata)) headers[`x-amz-meta-${name}`] = value;
  const url = await getSignedUrl(
    client,
    new PutObjectCommand({
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
export function presignGetObject(client: S3Client, bucket: string, key: string, timing: PresignTiming): Promise<string> {
  return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
    signingDate: timing.signingDate,
    expiresIn: timing.expiresIn,
  });
}

/**
 * Refuse a client that adds flexible checksums to every request: presigned
 * PUTs would then carry the checksum of an empty body and fail.
 */
export async function assertPresignableClient(client: S3Client): Promise<void> {
  const mode = await client.config.requestChecksumCalculation();
  if (mode !== "WHEN_REQUIRED") {
    throw new TypeError(
      's3edge: the S3Client must be created with requestChecksumCalculation: "WHEN_REQUIRED" ' +
        '(and responseChecksumValidation: "WHEN_REQUIRED"), or presigned PUTs carry a wrong checksum',
    );
  }
}
