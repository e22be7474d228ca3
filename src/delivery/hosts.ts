/**
 * The configured hosts of an edge: CDN and S3 URLs of a key, and which side a
 * URL belongs to. URL building itself is `core/urls.ts`; this only binds it to
 * the options and remembers the S3 hosts that function and presign origins reveal.
 */
import { ConfigError, InvalidInputError, isS3EdgeError, redactUrl } from "../core/errors.js";
import { assertValidKey, decodeKey, keyProblem } from "../core/keys.js";
import { cdnObjectUrl, hostOf, originBase, s3ObjectUrl, type OriginObjectSpec, type OriginSpec } from "../core/urls.js";
import type { EdgeQuery, EdgeSource, PresignOrigin } from "./types.js";

/** URL building bound to an edge's options. */
export interface Hosts {
  /** Normalised CDN bases (no trailing slash). */
  cdn: string[];
  cdnUrl(index: number, key: string, query?: EdgeQuery): string;
  s3Url(key: string): string;
  resolveS3Url(key: string): Promise<string>;
  /** The S3 URL when it can be had synchronously (a presigner with a cached URL). */
  s3UrlNow(key: string): string | undefined;
  sourceOf(url: string): EdgeSource | undefined;
  keyOf(url: string): string | undefined;
  /** Configured hosts with their side, CDN first. */
  all(): [string, EdgeSource][];
}

const safeHost = (url: string): string | undefined => {
  try {
    return hostOf(url);
  } catch {
    return undefined;
  }
};

/** How `value` may appear in a message: a URL without its query or credentials, anything else quoted and cut short. */
const shown = (value: unknown): string =>
  typeof value === "string" && /^[a-z][a-z0-9+.-]*:/i.test(value) ? redactUrl(value) : JSON.stringify(String(value).slice(0, 80));

/** The normalised CDN bases (no trailing slash); `ConfigError("cdn")` for anything else. */
function cdnBases(cdn: unknown): string[] {
  const list: unknown[] = Array.isArray(cdn) ? cdn : cdn === undefined || cdn === null || cdn === "" ? [] : [cdn];
  if (list.length === 0) {
    throw new ConfigError("cdn", 'createEdge: cdn is required: the CDN base URL (e.g. "https://cdn.example.com"), or a list of them in order of preference');
  }
  return list.map((base) => {
    try {
      if (typeof base !== "string") throw new InvalidInputError(`got ${typeof base}`);
      return cdnObjectUrl(base, "k").slice(0, -2);
    } catch (error) {
      const why = isS3EdgeError(error) ? error.message : String(error);
      throw new ConfigError("cdn", `createEdge: cdn ${shown(base)} is not a CDN base URL (absolute http(s), no query): ${why}`);
    }
  });
}

const ORIGIN_FORMS =
  "{ bucket, region } (AWS), { endpoint, bucket } (R2, MinIO...), a function (encodedKey, key) => url, or { presign } for a private bucket";

/** The presigner of a presign origin, the S3 base of an object origin; `ConfigError("origin")` for anything else. */
function originParts(origin: unknown): { presign?: PresignOrigin["presign"]; base?: string } {
  if (typeof origin === "function") return {};
  if (typeof origin !== "object" || origin === null) {
    throw new ConfigError("origin", `createEdge: origin is required: the S3 fallback, as ${ORIGIN_FORMS}${origin === undefined ? "" : `; got ${shown(origin)}`}`);
  }
  if ("presign" in origin) {
    if (typeof origin.presign !== "function") throw new ConfigError("origin", "createEdge: origin.presign must be a function (key) => url, e.g. presignWith({ endpoint })");
    return { presign: origin.presign as PresignOrigin["presign"] };
  }
  try {
    return { base: originBase(origin as OriginObjectSpec) };
  } catch (error) {
    const why = isS3EdgeError(error) ? error.message : `it must be ${ORIGIN_FORMS}`;
    throw new ConfigError("origin", `createEdge: origin: ${why}`);
  }
}

/** Bind URL building to `cdn` bases and `origin`; validates both (`ConfigError` naming the option). */
export function createHosts(cdn: string | string[], origin: OriginSpec | PresignOrigin): Hosts {
  const bases = cdnBases(cdn);
  const cdnHosts = new Set(bases.map((base) => hostOf(base)));
  const s3Hosts = new Set<string>();
  const { presign, base: s3Base } = originParts(origin);
  if (s3Base !== undefined) s3Hosts.add(hostOf(s3Base));

  /** Check a URL from a function or a presigner, and learn its host. */
  const learn = (url: unknown): string => {
    const host = typeof url === "string" && /^https?:\/\//i.test(url) ? safeHost(url) : undefined;
    if (host === undefined) throw new ConfigError("origin", `createEdge: the origin gave ${shown(url)}, which is not an http(s) URL`);
    s3Hosts.add(host);
    return url as string;
  };

  const s3Url = (key: string): string => {
    if (presign) throw new InvalidInputError("s3Url is not available for a presign origin (private bucket): use resolveS3Url");
    const url = s3ObjectUrl(origin as OriginSpec, key);
    return s3Base === undefined ? learn(url) : url;
  };

  return {
    cdn: bases,
    cdnUrl: (index, key, query) => cdnObjectUrl(bases[index] ?? "", key, query),
    s3Url,
    async resolveS3Url(key) {
      if (!presign) return s3Url(key);
      assertValidKey(key);
      return learn(await presign(key));
    },
    s3UrlNow(key) {
      if (!presign) return s3Url(key);
      assertValidKey(key);
      const url = presign(key);
      if (typeof url === "string") return learn(url);
      url.then(learn).catch(() => undefined);
      return undefined;
    },
    sourceOf(url) {
      const host = safeHost(url);
      if (host === undefined) return undefined;
      return cdnHosts.has(host) ? "cdn" : s3Hosts.has(host) ? "s3" : undefined;
    },
    keyOf(url) {
      const path = url.split(/[?#]/)[0] ?? "";
      for (const base of s3Base === undefined ? bases : [...bases, s3Base]) {
        if (path.startsWith(`${base}/`)) {
          try {
            const key = decodeKey(path.slice(base.length + 1));
            return keyProblem(key) === undefined ? key : undefined;
          } catch {
            return undefined;
          }
        }
      }
      return undefined;
    },
    all: () => [
      ...[...cdnHosts].map((host): [string, EdgeSource] => [host, "cdn"]),
      ...[...s3Hosts].filter((host) => !cdnHosts.has(host)).map((host): [string, EdgeSource] => [host, "s3"]),
    ],
  };
}
