/**
 * The fast path of batch presigning. The AWS SDK's command pipeline costs a
 * few hundred microseconds per URL, so a batch presigns ONE URL through the SDK
 * (its endpoint resolution, addressing style and credentials stay
 * authoritative), takes that URL apart, and signs the other parts with a
 * `SignatureV4` over the same host and path, changing only `partNumber`,
 * `Content-Length` and the checksum. When the SDK's URL is not of the expected
 * shape (S3 Express sessions, SigV4a, an extra parameter), the batch falls back
 * to the SDK for every part.
 */
import type {
  AwsCredentialIdentity,
  ChecksumConstructor,
  HashConstructor,
  HttpRequest,
  QueryParameterBag,
} from "@smithy/types";
import {
  CHECKSUM_HEADER,
  UNSIGNED_PAYLOAD,
  partHeaders,
  presignPartSdk,
  presignPartsSdk,
  signedHeaderSet,
  type PartToSign,
  type PresignTiming,
  type UploadTarget,
} from "./presign.js";
import type { Aws } from "./sdk.js";
import { encodeRfc3986 as encodeQuery } from "../core/encode.js";

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
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Take apart an SDK part URL, or `undefined` when it is not of the shape the fast path reproduces. */
function parseTemplate(
  url: string,
  upload: UploadTarget,
  part: PartToSign,
  timing: PresignTiming,
): UrlTemplate | undefined {
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
  const [accessKeyId, scopeDate, region, service, terminator, ...extra] = (params.get("X-Amz-Credential") ?? "").split(
    "/",
  );
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
  return {
    protocol,
    authority,
    path,
    query,
    accessKeyId,
    sessionToken: params.get("X-Amz-Security-Token"),
    region,
    service,
  };
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
  aws: Aws,
  upload: UploadTarget,
  parts: readonly PartToSign[],
  timing: PresignTiming,
): Promise<string[]> {
  const { client } = aws;
  const [first, ...rest] = parts;
  if (first === undefined) return [];
  const firstUrl = await presignPartSdk(aws, upload, first, timing);
  if (rest.length === 0) return [firstUrl];
  const template = parseTemplate(firstUrl, upload, first, timing);
  const credentials: AwsCredentialIdentity | undefined = template && (await client.config.credentials());
  if (
    template === undefined ||
    credentials === undefined ||
    credentials.accessKeyId !== template.accessKeyId ||
    credentials.sessionToken !== template.sessionToken
  ) {
    return [firstUrl, ...(await presignPartsSdk(aws, upload, rest, timing))];
  }
  const signer = new aws.sdk.sigv4.SignatureV4({
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
