/**
 * The minimal URL mapping of an edge: the configured CDN bases and S3 origins
 * (checked, `ConfigError` naming the option), a CDN or S3 URL -> key, and
 * key -> the URL on an origin (presigned when needed). `hosts.ts` builds the
 * rest on it (CDN URLs with a query, which side a URL is on, synchronous URLs
 * of presign origins); the service worker uses this layer alone. `name` is the
 * factory the messages name (`createEdge`, `registerEdgeFallback`...).
 * `origin` may be a list (a primary bucket, then its replicas): origin 0 is the primary.
 */
import { ConfigError, InvalidInputError, redactUrl, S3EdgeError } from "../core/errors.js";
import { assertValidKey, decodeKey, keyProblem } from "../core/keys.js";
import { cdnBase, hostOf, originBase, s3ObjectUrl, type OriginObjectSpec, type OriginSpec } from "../core/urls.js";
import type { EdgeOrigin, PresignOrigin } from "./types.js";

/** The configured CDNs and origins, and the mapping between their URLs and keys. */
export interface Origins {
  /** Normalised CDN bases (no trailing slash). */
  cdn: string[];
  /** How many S3 origins (at least 1), in configured order. */
  origins: number;
  /** URL of `key` on origin `index` (throws for a presign origin). */
  originUrl(index: number, key: string): string;
  /** URL of `key` on origin `index`, presigned when needed. */
  resolveOriginUrl(index: number, key: string): Promise<string>;
  /** Host of origin `index`: known for bucket origins, learned from the first URL of function and presign origins. */
  originHost(index: number): string | undefined;
  /** S3 base of origin `index` (bucket origins only): `<base>/<encoded key>` is an object's URL. */
  originBase(index: number): string | undefined;
  /** The presigner of origin `index` (presign origins only). */
  presigner(index: number): PresignOrigin["presign"] | undefined;
  /** Check a URL a function or presign origin gave, and learn its host; returns it. */
  learn(index: number, url: unknown): string;
  /** The key of a CDN or bucket-origin URL (query and fragment ignored); undefined for any other URL or an invalid key. */
  keyOf(url: string): string | undefined;
}

/** `host[:port]` of `url`, or undefined when it is not a URL. */
export const safeHost = (url: string): string | undefined => {
  try {
    return hostOf(url);
  } catch {
    return undefined;
  }
};

/** How `value` may appear in a message: a URL without its query or credentials, anything else quoted and cut short. */
const shown = (value: unknown): string =>
  typeof value === "string" && /^[a-z][a-z0-9+.-]*:/i.test(value)
    ? redactUrl(value)
    : JSON.stringify(String(value).slice(0, 80));

/** The normalised CDN bases (no trailing slash); `ConfigError("cdn")` for anything else. */
function cdnBases(cdn: unknown, name: string): string[] {
  const list: unknown[] = Array.isArray(cdn) ? cdn : cdn === undefined || cdn === null || cdn === "" ? [] : [cdn];
  if (list.length === 0)
    throw new ConfigError(
      "cdn",
      `${name}: cdn is required: the CDN base URL, or a list of them in order of preference`,
    );
  return list.map((base) => {
    try {
      if (typeof base !== "string") throw new InvalidInputError(`got ${typeof base}`);
      return cdnBase(base);
    } catch (error) {
      const why = error instanceof S3EdgeError ? error.message : String(error);
      throw new ConfigError("cdn", `${name}: cdn ${shown(base)} is not a CDN base URL: ${why}`);
    }
  });
}

/** The forms of an origin, for messages (docs/delivery.md explains each). */
const ORIGIN_FORMS = "{ bucket, region }, { endpoint, bucket }, a function (encodedKey, key) => url, or { presign }";

interface Origin {
  spec: EdgeOrigin;
  presign: PresignOrigin["presign"] | undefined;
  base: string | undefined;
  host: string | undefined;
}

/** One configured origin; `ConfigError("origin")` (`what`: "origin" or "origin[i]") for anything else. */
function originOf(spec: unknown, what: string, name: string): Origin {
  const fail = (m: string): ConfigError => new ConfigError("origin", `${name}: ${what}${m}`);
  if (typeof spec !== "function" && (typeof spec !== "object" || spec === null)) {
    throw fail(` is required: the S3 fallback, as ${ORIGIN_FORMS}${spec === undefined ? "" : `; got ${shown(spec)}`}`);
  }
  const origin = { spec: spec as EdgeOrigin, presign: undefined, base: undefined, host: undefined };
  if (typeof spec === "function") return origin;
  if ("presign" in spec) {
    if (typeof spec.presign !== "function")
      throw fail(".presign must be a function (key) => url, e.g. presignWith({ endpoint })");
    return { ...origin, presign: spec.presign as PresignOrigin["presign"] };
  }
  try {
    const base = originBase(spec as OriginObjectSpec);
    return { ...origin, base, host: hostOf(base) };
  } catch (error) {
    throw fail(`: ${error instanceof S3EdgeError ? error.message : `it must be ${ORIGIN_FORMS}`}`);
  }
}

/**
 * Check `cdn` bases and `origin` (one or a list), and bind the mapping to them.
 * `onHost` hears every S3 host learned from a function or presign origin.
 */
export function createOrigins(
  cdn: unknown,
  origin: unknown,
  name = "createEdge",
  onHost?: (host: string) => void,
): Origins {
  const bases = cdnBases(cdn, name);
  const specs: unknown[] = Array.isArray(origin) ? origin : [origin];
  if (specs.length === 0)
    throw new ConfigError(
      "origin",
      `${name}: origin is required: the S3 fallback, as ${ORIGIN_FORMS}, or a list of them (primary, then replicas)`,
    );
  const origins = specs.map((spec, i) => originOf(spec, Array.isArray(origin) ? `origin[${i}]` : "origin", name));
  const s3Bases = origins.flatMap((o) => (o.base === undefined ? [] : [o.base]));
  const at = (index: number): Origin => origins[index] ?? (origins[0] as Origin);

  const learn = (index: number, url: unknown): string => {
    const host = typeof url === "string" && /^https?:\/\//i.test(url) ? safeHost(url) : undefined;
    if (host === undefined)
      throw new ConfigError("origin", `${name}: the origin gave ${shown(url)}, which is not an http(s) URL`);
    at(index).host = host;
    onHost?.(host);
    return url as string;
  };
  const originUrl = (index: number, key: string): string => {
    const o = at(index);
    if (o.presign)
      throw new InvalidInputError("s3Url is not available for a presign origin (private bucket): use resolveS3Url");
    const url = s3ObjectUrl(o.spec as OriginSpec, key);
    return o.base === undefined ? learn(index, url) : url;
  };

  return {
    cdn: bases,
    origins: origins.length,
    originUrl,
    async resolveOriginUrl(index, key) {
      const presign = at(index).presign;
      if (!presign) return originUrl(index, key);
      assertValidKey(key);
      return learn(index, await presign(key));
    },
    originHost: (index) => at(index).host,
    originBase: (index) => at(index).base,
    presigner: (index) => at(index).presign,
    learn,
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
  };
}
