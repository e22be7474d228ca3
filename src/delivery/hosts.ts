/**
 * The configured hosts of an edge: CDN and S3 URLs of a key, and which side a
 * URL belongs to. URL building itself is `core/urls.ts`; this only binds it to
 * the options and remembers the S3 hosts that function and presign origins reveal.
 * `origin` may be a list (a primary bucket, then its replicas): origin 0 is the
 * primary, and `s3Url`/`resolveS3Url`/`s3UrlNow` are its URLs.
 */
import { ConfigError, InvalidInputError, isS3EdgeError, redactUrl } from "../core/errors.js";
import { assertValidKey, decodeKey, keyProblem } from "../core/keys.js";
import { cdnObjectUrl, hostOf, originBase, s3ObjectUrl, type OriginObjectSpec, type OriginSpec } from "../core/urls.js";
import type { EdgeOrigin, EdgeQuery, EdgeSource, PresignOrigin } from "./types.js";

/** URL building bound to an edge's options. */
export interface Hosts {
  /** Normalised CDN bases (no trailing slash). */
  cdn: string[];
  cdnUrl(index: number, key: string, query?: EdgeQuery): string;
  /** How many S3 origins (at least 1), in configured order. */
  origins: number;
  /** URL of `key` on origin `index` (throws for a presign origin). */
  originUrl(index: number, key: string): string;
  /** URL of `key` on origin `index`, presigned when needed. */
  resolveOriginUrl(index: number, key: string): Promise<string>;
  /** URL of `key` on origin `index` when it can be had synchronously. */
  originUrlNow(index: number, key: string): string | undefined;
  /** Host of origin `index`: known for bucket origins, learned from the first URL of function and presign origins. */
  originHost(index: number): string | undefined;
  /** S3 base of origin `index` (bucket origins only): `<base>/<encoded key>` is an object's URL. */
  originBase(index: number): string | undefined;
  /** The primary origin's (index 0) URL. */
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

interface Origin {
  spec: EdgeOrigin;
  presign: PresignOrigin["presign"] | undefined;
  base: string | undefined;
  host: string | undefined;
}

/** The configured origins, in order; `ConfigError("origin")` for an empty list or a bad entry (named by its index). */
function originList(origin: unknown): Origin[] {
  const list = Array.isArray(origin) ? origin : [origin];
  if (list.length === 0) throw new ConfigError("origin", `createEdge: origin is required: the S3 fallback, as ${ORIGIN_FORMS}, or a list of them (primary bucket, then replicas)`);
  return list.map((spec: unknown, i) => {
    try {
      const { presign, base } = originParts(spec);
      return { spec: spec as EdgeOrigin, presign, base, host: base === undefined ? undefined : hostOf(base) };
    } catch (error) {
      if (!Array.isArray(origin) || !(error instanceof ConfigError)) throw error;
      throw new ConfigError("origin", error.message.replace("createEdge: origin", `createEdge: origin[${i}]`), { cause: error.cause });
    }
  });
}

/** Bind URL building to `cdn` bases and `origin` (one or a list); validates both (`ConfigError` naming the option). */
export function createHosts(cdn: string | string[], origin: EdgeOrigin | EdgeOrigin[]): Hosts {
  const bases = cdnBases(cdn);
  const cdnHosts = new Set(bases.map((base) => hostOf(base)));
  const s3Hosts = new Set<string>();
  const origins = originList(origin);
  for (const o of origins) if (o.host !== undefined) s3Hosts.add(o.host);
  const s3Bases = origins.flatMap((o) => (o.base === undefined ? [] : [o.base]));
  const at = (index: number): Origin => origins[index] ?? (origins[0] as Origin);

  /** Check a URL from a function or a presigner, and learn its host. */
  const learn = (o: Origin, url: unknown): string => {
    const host = typeof url === "string" && /^https?:\/\//i.test(url) ? safeHost(url) : undefined;
    if (host === undefined) throw new ConfigError("origin", `createEdge: the origin gave ${shown(url)}, which is not an http(s) URL`);
    s3Hosts.add(host);
    o.host = host;
    return url as string;
  };

  const originUrl = (index: number, key: string): string => {
    const o = at(index);
    if (o.presign) throw new InvalidInputError("s3Url is not available for a presign origin (private bucket): use resolveS3Url");
    const url = s3ObjectUrl(o.spec as OriginSpec, key);
    return o.base === undefined ? learn(o, url) : url;
  };
  const resolveOriginUrl = async (index: number, key: string): Promise<string> => {
    const o = at(index);
    if (!o.presign) return originUrl(index, key);
    assertValidKey(key);
    return learn(o, await o.presign(key));
  };
  const originUrlNow = (index: number, key: string): string | undefined => {
    const o = at(index);
    if (!o.presign) return originUrl(index, key);
    assertValidKey(key);
    const url = o.presign(key);
    if (typeof url === "string") return learn(o, url);
    url.then((u) => learn(o, u)).catch(() => undefined);
    return undefined;
  };

  return {
    cdn: bases,
    cdnUrl: (index, key, query) => cdnObjectUrl(bases[index] ?? "", key, query),
    origins: origins.length,
    originUrl,
    resolveOriginUrl,
    originUrlNow,
    originHost: (index) => at(index).host,
    originBase: (index) => at(index).base,
    s3Url: (key) => originUrl(0, key),
    resolveS3Url: (key) => resolveOriginUrl(0, key),
    s3UrlNow: (key) => originUrlNow(0, key),
    sourceOf(url) {
      const host = safeHost(url);
      if (host === undefined) return undefined;
      return cdnHosts.has(host) ? "cdn" : s3Hosts.has(host) ? "s3" : undefined;
    },
    keyOf(url) {
      const path = url.split(/[?#]/)[0] ?? "";
      for (const base of [...bases, ...s3Bases]) {
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
