/**
 * The configured hosts of an edge: CDN and S3 URLs of a key, and which side a
 * URL belongs to. URL building itself is `core/urls.ts`; this only binds it to
 * the options and remembers the S3 hosts that function and presign origins reveal.
 */
import { InvalidInputError } from "../core/errors.js";
import { assertValidKey, decodeKey, keyProblem } from "../core/keys.js";
import { cdnObjectUrl, hostOf, originBase, s3ObjectUrl, type OriginSpec } from "../core/urls.js";
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

/** Bind URL building to `cdn` bases and `origin`; validates both. */
export function createHosts(cdn: string | string[], origin: OriginSpec | PresignOrigin): Hosts {
  const bases = (Array.isArray(cdn) ? cdn : [cdn]).map((base) => cdnObjectUrl(base, "k").slice(0, -2));
  if (bases.length === 0) throw new InvalidInputError("createEdge: at least one CDN base URL is needed");
  const cdnHosts = new Set(bases.map((base) => hostOf(base)));
  const s3Hosts = new Set<string>();
  const presign = typeof origin === "object" && "presign" in origin ? origin.presign : undefined;
  const s3Base = typeof origin === "object" && !("presign" in origin) ? originBase(origin) : undefined;
  if (s3Base !== undefined) s3Hosts.add(hostOf(s3Base));

  /** Check a URL from a function or a presigner, and learn its host. */
  const learn = (url: unknown): string => {
    const host = typeof url === "string" && /^https?:\/\//i.test(url) ? safeHost(url) : undefined;
    if (host === undefined) throw new InvalidInputError("createEdge: the origin gave something that is not an http(s) URL");
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
