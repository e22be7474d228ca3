/**
 * AWS Signature Version 4 verification for the S3 test fixture (node:crypto only).
 *
 * Verifies both forms S3 accepts: presigned query auth (`X-Amz-Signature` in the URL) and header
 * auth (`Authorization: AWS4-HMAC-SHA256 ...`). The payload hash is taken as declared
 * (`X-Amz-Content-Sha256`), never recomputed from the body. Every header named in
 * `SignedHeaders` is read from the actual request, so a changed `Content-Length`, `Content-Type`
 * or `x-amz-*` header breaks the signature, exactly as on S3.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

import type { S3ErrorSpec } from "./xml.js";

/** The request parts SigV4 covers: what a `node:http` `IncomingMessage` provides. */
export interface SignedRequest {
  method: string;
  /** Raw request target: path and query exactly as received (`/bucket/a%20b?partNumber=1`). */
  url: string;
  /** Header values by lower-case name, as in `IncomingMessage.headersDistinct`. */
  headers: Readonly<Record<string, readonly string[] | undefined>>;
}

/** What the verifier needs to know about the server. */
export interface VerifyOptions {
  /** Secret access key by access key id. */
  secrets: ReadonlyMap<string, string>;
  region: string;
  /** Current time in ms since the epoch. */
  now: number;
  /** Service name in the credential scope; `s3` unless told. */
  service?: string;
}

/** Outcome of {@link verifySigV4}. `anonymous` means the request carried no authentication. */
export type VerifyResult =
  | { ok: true; kind: "query" | "header"; accessKeyId: string }
  | { ok: true; kind: "anonymous" }
  | { ok: false; error: S3ErrorSpec };

const ALGORITHM = "AWS4-HMAC-SHA256";
const MAX_PRESIGN_SECONDS = 604_800;
const MAX_SKEW_MS = 15 * 60 * 1000;

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-._~` percent-encoded. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Splits a raw query string into decoded `[name, value]` pairs, in order (`?uploads` -> `["uploads", ""]`).
 * A raw `+` reads as a space, as in any form-encoded query (signers encode spaces as `%20` anyway).
 */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  if (rawQuery === "") return [];
  const decodeParam = (value: string): string => decode(value.replace(/\+/g, " "));
  return rawQuery
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const eq = pair.indexOf("=");
      return eq === -1 ? [decodeParam(pair), ""] : [decodeParam(pair.slice(0, eq)), decodeParam(pair.slice(eq + 1))];
    });
}

/**
 * Canonical URI: each path segment decoded then RFC 3986-encoded once (S3 does not double-encode),
 * so `/b/a%20b%2Bc` and `/b/a%20b+c` name the same key and canonicalise identically.
 */
export function canonicalUri(rawPath: string): string {
  return rawPath
    .split("/")
    .map((segment) => rfc3986(decode(segment)))
    .join("/");
}

/** Canonical query: names and values RFC 3986-encoded, sorted by name then value, `X-Amz-Signature` left out. */
export function canonicalQuery(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs
    .filter(([name]) => name.toLowerCase() !== "x-amz-signature")
    .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function canonicalHeaderValue(values: readonly string[] | undefined): string {
  return (values ?? [])
    .map((value) =>
      value
        .replace(/[\r\n]/g, " ")
        .replace(/[ \t]+/g, " ")
        .trim(),
    )
    .join(",");
}

/** Builds the SigV4 canonical request from the actual request and the signer's declarations. */
export function canonicalRequest(input: {
  method: string;
  rawPath: string;
  query: ReadonlyArray<readonly [string, string]>;
  headers: SignedRequest["headers"];
  signedHeaders: readonly string[];
  payloadHash: string;
}): string {
  const headerLines = input.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(input.headers[name])}\n`);
  return [
    input.method,
    canonicalUri(input.rawPath),
    canonicalQuery(input.query),
    headerLines.join(""),
    input.signedHeaders.join(";"),
    input.payloadHash,
  ].join("\n");
}

/** Derives the SigV4 signing key: HMAC chain of `"AWS4"+secret`, date, region, service, `aws4_request`. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac("sha256", `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac("sha256", kDate).update(region).digest();
  const kService = createHmac("sha256", kRegion).update(service).digest();
  return createHmac("sha256", kService).update("aws4_request").digest();
}

/** String to sign for a canonical request: algorithm, timestamp, scope, hex SHA-256 of the request. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  const hash = createHash("sha256").update(canonical, "utf8").digest("hex");
  return [ALGORITHM, amzDate, scope, hash].join("\n");
}

/** Parses `yyyyMMddTHHmmssZ` into ms since the epoch, or NaN. */
export function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

interface AuthParts {
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  scopeTerminator: string;
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  payloadHash: string;
}

function authParts(
  credential: string,
  amzDate: string,
  signedHeaders: string,
  signature: string,
  payloadHash: string,
): AuthParts {
  const [accessKeyId = "", scopeDate = "", scopeRegion = "", scopeService = "", scopeTerminator = ""] =
    credential.split("/");
  return {
    accessKeyId,
    scopeDate,
    scopeRegion,
    scopeService,
    scopeTerminator,
    amzDate,
    signedHeaders: signedHeaders.split(";"),
    signature,
    payloadHash,
  };
}

function err(status: number, code: string, message: string, detail?: Record<string, string>): VerifyResult {
  return { ok: false, error: detail ? { status, code, message, detail } : { status, code, message } };
}

function first(headers: SignedRequest["headers"], name: string): string | undefined {
  return headers[name]?.[0];
}

function fromQuery(query: ReadonlyArray<readonly [string, string]>, now: number): AuthParts | VerifyResult {
  const get = (name: string): string | undefined => query.find(([n]) => n === name)?.[1];
  const bad = (message: string): VerifyResult => err(400, "AuthorizationQueryParametersError", message);
  if (get("X-Amz-Algorithm") !== ALGORITHM) return bad('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const credential = get("X-Amz-Credential");
  const amzDate = get("X-Amz-Date");
  const expires = get("X-Amz-Expires");
  const signedHeaders = get("X-Amz-SignedHeaders");
  const signature = get("X-Amz-Signature");
  if (!credential || !amzDate || !expires || !signedHeaders || signature === undefined) {
    return bad(
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, " +
        "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    );
  }
  const signedAt = parseAmzDate(amzDate);
  if (Number.isNaN(signedAt)) return bad("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  const seconds = Number(expires);
  if (!/^\d+$/.test(expires)) return bad("X-Amz-Expires should be a number");
  if (seconds > MAX_PRESIGN_SECONDS) {
    return bad("X-Amz-Expires must be less than a week (in seconds) that is 604800 seconds");
  }
  if (now > signedAt + seconds * 1000) {
    return err(403, "AccessDenied", "Request has expired", {
      "X-Amz-Expires": expires,
      Expires: new Date(signedAt + seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
      ServerTime: new Date(now).toISOString().replace(/\.\d+Z$/, "Z"),
    });
  }
  return authParts(credential, amzDate, signedHeaders, signature, get("X-Amz-Content-Sha256") ?? "UNSIGNED-PAYLOAD");
}

const PAYLOAD_HASH = /^(UNSIGNED-PAYLOAD|STREAMING-[A-Z0-9-]+|[0-9a-f]{64})$/;

function fromHeader(authorization: string, headers: SignedRequest["headers"], now: number): AuthParts | VerifyResult {
  const malformed = (message: string): VerifyResult => err(400, "AuthorizationHeaderMalformed", message);
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    return err(400, "InvalidArgument", "Unsupported Authorization Type", { ArgumentName: "Authorization" });
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || signature === undefined) {
    return malformed(
      "The authorization header is malformed; the authorization header requires three components: " +
        "Credential, SignedHeaders, and Signature.",
    );
  }
  const payloadHash = first(headers, "x-amz-content-sha256");
  if (payloadHash === undefined) {
    return err(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  }
  if (!PAYLOAD_HASH.test(payloadHash)) {
    return err(
      400,
      "InvalidArgument",
      "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-..., or a valid sha256 value.",
    );
  }
  const amzDate = first(headers, "x-amz-date");
  const signedAt = amzDate === undefined ? Number.NaN : parseAmzDate(amzDate);
  if (amzDate === undefined || Number.isNaN(signedAt)) {
    return err(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  }
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    return err(
      403,
      "RequestTimeTooSkewed",
      "The difference between the request time and the current time is too large.",
      {
        RequestTime: amzDate,
        ServerTime: new Date(now).toISOString().replace(/\.\d+Z$/, "Z"),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      },
    );
  }
  return authParts(credential, amzDate, signedHeaders, signature, payloadHash);
}

/**
 * Verifies a request's SigV4 authentication the way S3 does.
 *
 * Order of checks: auth form and parameters, expiry (presigned) or clock skew (header), credential
 * scope, known access key, `host` signed, no unsigned `x-amz-*` header, then the signature itself.
 */
export function verifySigV4(request: SignedRequest, options: VerifyOptions): VerifyResult {
  const q = request.url.indexOf("?");
  const rawPath = q === -1 ? request.url : request.url.slice(0, q);
  const query = parseQuery(q === -1 ? "" : request.url.slice(q + 1));
  const authorization = first(request.headers, "authorization");
  const presigned = query.some(([name]) => name === "X-Amz-Algorithm" || name === "X-Amz-Signature");
  if (authorization !== undefined && presigned) {
    return err(
      400,
      "InvalidArgument",
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, " +
        "Signature query string parameter or the Authorization header should be specified",
      { ArgumentName: "Authorization" },
    );
  }
  if (authorization === undefined && !presigned) {
    if (query.some(([name]) => name === "Signature" || name === "AWSAccessKeyId")) {
      return err(400, "InvalidArgument", "Signature Version 2 is not supported by this fixture; use AWS4-HMAC-SHA256.");
    }
    return { ok: true, kind: "anonymous" };
  }

  const parts = presigned
    ? fromQuery(query, options.now)
    : fromHeader(authorization ?? "", request.headers, options.now);
  if ("ok" in parts) return parts;

  const service = options.service ?? "s3";
  const scopeError = presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed";
  if (parts.scopeRegion !== options.region) {
    return err(
      400,
      scopeError,
      `Error parsing the X-Amz-Credential parameter; the region '${parts.scopeRegion}' is wrong; expecting '${options.region}'`,
      {
        Region: options.region,
      },
    );
  }
  if (
    parts.scopeService !== service ||
    parts.scopeTerminator !== "aws4_request" ||
    parts.scopeDate !== parts.amzDate.slice(0, 8)
  ) {
    return err(400, scopeError, "Error parsing the X-Amz-Credential parameter; the credential scope is malformed.");
  }
  const secret = options.secrets.get(parts.accessKeyId);
  if (secret === undefined) {
    return err(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", {
      AWSAccessKeyId: parts.accessKeyId,
    });
  }
  if (!parts.signedHeaders.includes("host")) {
    return err(403, "AccessDenied", "There were headers present in the request which were not signed", {
      HeadersNotSigned: "host",
    });
  }
  const unsigned = Object.keys(request.headers)
    .filter((name) => name.startsWith("x-amz-") && !parts.signedHeaders.includes(name))
    .sort();
  if (unsigned.length > 0) {
    return err(403, "AccessDenied", "There were headers present in the request which were not signed", {
      HeadersNotSigned: unsigned.join(", "),
    });
  }

  const canonical = canonicalRequest({
    method: request.method,
    rawPath,
    query,
    headers: request.headers,
    signedHeaders: parts.signedHeaders,
    payloadHash: parts.payloadHash,
  });
  const scope = [parts.scopeDate, parts.scopeRegion, parts.scopeService, parts.scopeTerminator].join("/");
  const toSign = stringToSign(parts.amzDate, scope, canonical);
  const key = signingKey(secret, parts.scopeDate, parts.scopeRegion, parts.scopeService);
  const expected = createHmac("sha256", key).update(toSign, "utf8").digest();
  const provided = /^[0-9a-f]{64}$/.test(parts.signature) ? Buffer.from(parts.signature, "hex") : Buffer.alloc(0);
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    return err(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      {
        AWSAccessKeyId: parts.accessKeyId,
        StringToSign: toSign,
        CanonicalRequest: canonical,
      },
    );
  }
  return { ok: true, kind: presigned ? "query" : "header", accessKeyId: parts.accessKeyId };
}
