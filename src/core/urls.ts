/**
 * URLs of objects: direct S3 URLs (virtual-hosted, path-style, dualstack,
 * Transfer Acceleration, custom S3-compatible endpoints) and CDN URLs. Pure and
 * isomorphic. Every key goes through {@link assertValidKey} and
 * {@link encodeKey}, so a key can never change the host or escape the path.
 */
import { encodeRfc3986 } from "./encode.js";
import { InvalidInputError } from "./errors.js";
import { assertValidKey, encodeKey } from "./keys.js";

/**
 * Where objects live, for direct S3 URLs.
 *
 * - AWS: `{ bucket, region }` with optional `pathStyle`, `dualstack`, `accelerate`.
 *   A bucket name with dots is always addressed path-style (the `*.s3` TLS
 *   wildcard certificate does not match it).
 * - Custom S3-compatible endpoint (R2, MinIO, Wasabi, s3rver): `{ endpoint, bucket }`,
 *   path-style unless `pathStyle: false`.
 * - A function of the encoded key (and the raw key) for anything else.
 */
export type OriginSpec =
  | { bucket: string; region: string; pathStyle?: boolean; dualstack?: boolean; accelerate?: boolean }
  | { endpoint: string; bucket: string; pathStyle?: boolean }
  | ((encodedKey: string, key: string) => string);

/** The object forms of {@link OriginSpec} (everything but the function). */
export type OriginObjectSpec = Exclude<OriginSpec, (encodedKey: string, key: string) => string>;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Why `bucket` is not a valid S3 bucket name (general purpose bucket rules), or
 * `undefined`: 3-63 characters of `a-z 0-9 . -`, starting and ending with a
 * letter or digit, no `..`, `.-` or `-.`, not an IPv4 address.
 */
export function bucketProblem(bucket: string): string | undefined {
  if (typeof bucket !== "string" || bucket.length < 3 || bucket.length > 63) {
    return "bucket name must be 3 to 63 characters long";
  }
  if (!/^[a-z0-9.-]+$/.test(bucket)) {
    return "bucket name may only contain lowercase letters, digits, dots and hyphens";
  }
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket)) {
    return "bucket name must start and end with a letter or a digit";
  }
  if (/\.\.|\.-|-\./.test(bucket)) return "bucket name must not contain '..', '.-' or '-.'";
  if (IPV4.test(bucket)) return "bucket name must not look like an IP address";
  return undefined;
}

function assertBucket(bucket: string): void {
  const problem = bucketProblem(bucket);
  if (problem !== undefined) {
    throw new InvalidInputError(`Invalid bucket name ${JSON.stringify(String(bucket))}: ${problem}`);
  }
}

/** An absolute http(s) URL without query or fragment, with its trailing slashes removed. */
function parseBase(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(`${what} must be an absolute http(s) URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InvalidInputError(`${what} must be an http(s) URL, got ${url.protocol}`);
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new InvalidInputError(`${what} must not have a query, a fragment or credentials`);
  }
  return url;
}

/** `scheme://host[:port][/prefix]` with no trailing slash. */
function baseString(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * Base URL (no trailing slash) under which the keys of an origin live: a key's
 * URL is `originBase(origin) + "/" + encodeKey(key)`. `undefined` for a
 * function origin.
 *
 * @throws InvalidInputError for an invalid bucket name, region or endpoint, and for
 * Transfer Acceleration with path-style addressing or a bucket name with dots
 * (S3 does not support them).
 */
export function originBase(origin: OriginObjectSpec): string;
export function originBase(origin: OriginSpec): string | undefined;
export function originBase(origin: OriginSpec): string | undefined {
  if (typeof origin === "function") return undefined;
  assertBucket(origin.bucket);
  const dotted = origin.bucket.includes(".");
  if ("endpoint" in origin) {
    const endpoint = parseBase(origin.endpoint, "Origin endpoint");
    if (origin.pathStyle ?? true) return `${baseString(endpoint)}/${origin.bucket}`;
    if (dotted) return `${baseString(endpoint)}/${origin.bucket}`;
    if (endpoint.hostname.startsWith("[") || IPV4.test(endpoint.hostname)) {
      throw new InvalidInputError("Virtual-hosted addressing needs an endpoint with a DNS name, not an IP address");
    }
    return `${endpoint.protocol}//${origin.bucket}.${endpoint.host}${endpoint.pathname.replace(/\/+$/, "")}`;
  }
  const { bucket, region } = origin;
  if (typeof region !== "string" || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(region)) {
    throw new InvalidInputError(`Invalid region ${JSON.stringify(String(region))}`);
  }
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  if (origin.accelerate) {
    if (dotted) {
      throw new InvalidInputError(`Transfer Acceleration does not support bucket names with dots ("${bucket}")`);
    }
    if (origin.pathStyle) throw new InvalidInputError("Transfer Acceleration does not support path-style addressing");
    return `https://${bucket}.s3-accelerate${origin.dualstack ? ".dualstack" : ""}.${domain}`;
  }
  const service = `s3.${origin.dualstack ? "dualstack." : ""}${region}.${domain}`;
  if (origin.pathStyle || dotted) return `https://${service}/${bucket}`;
  return `https://${bucket}.${service}`;
}

/**
 * Direct S3 URL of `key` for an origin (a function origin receives the encoded
 * key and the raw key and returns the URL).
 *
 * @throws InvalidInputError for an invalid key (code `InvalidKey`) or origin.
 */
export function s3ObjectUrl(origin: OriginSpec, key: string): string {
  assertValidKey(key);
  const encoded = encodeKey(key);
  if (typeof origin === "function") return origin(encoded, key);
  return `${originBase(origin)}/${encoded}`;
}

/**
 * A CDN base as {@link cdnObjectUrl} uses it: an absolute http(s) URL (which may
 * carry a path prefix), without its trailing slashes.
 *
 * @throws InvalidInputError when `base` is not such a URL (or has a query, a fragment or credentials).
 */
export function cdnBase(base: string): string {
  return baseString(parseBase(base, "CDN base URL"));
}

/** Values a query parameter of {@link cdnObjectUrl} may take; `undefined` skips it. */
export type QueryValue = string | number | boolean | undefined;

/**
 * CDN URL of `key`: `base` (an absolute http(s) URL, which may carry a path
 * prefix; trailing slashes tolerated) + `/` + {@link encodeKey}(key), then the
 * `query` parameters sorted by name and RFC 3986-encoded (`undefined` values
 * skipped; no `?` when nothing is left).
 *
 * @throws InvalidInputError for an invalid key (code `InvalidKey`) or base.
 */
export function cdnObjectUrl(base: string, key: string, query?: Record<string, QueryValue>): string {
  assertValidKey(key);
  const url = `${cdnBase(base)}/${encodeKey(key)}`;
  if (query === undefined) return url;
  const pairs: string[] = [];
  for (const name of Object.keys(query).sort()) {
    const value = query[name];
    if (value === undefined) continue;
    pairs.push(`${encodeRfc3986(name)}=${encodeRfc3986(String(value))}`);
  }
  return pairs.length === 0 ? url : `${url}?${pairs.join("&")}`;
}

/**
 * Host of a URL as `host[:port]`, lowercased (default ports dropped, as the URL
 * standard does): the key under which host health is tracked. A relative URL is
 * resolved against `base` when one is given.
 *
 * @throws InvalidInputError when `url` is not a URL.
 */
export function hostOf(url: string, base?: string): string {
  try {
    return new URL(url, base).host.toLowerCase();
  } catch {
    throw new InvalidInputError("hostOf: not a URL");
  }
}
