/**
 * The configured hosts of an edge, built on the minimal mapping of
 * `origins.ts` (bases, origins, key <-> URL): CDN URLs with a query, the
 * primary origin's URLs, synchronous URLs of presign origins, and which side a
 * URL belongs to (remembering the S3 hosts that function and presign origins reveal).
 * URL building itself is `core/urls.ts`. Origin 0 is the primary:
 * `s3Url`/`resolveS3Url`/`s3UrlNow` are its URLs.
 */
import { assertValidKey } from "../core/keys.js";
import { cdnObjectUrl, hostOf } from "../core/urls.js";
import { createOrigins, safeHost, type Origins } from "./origins.js";
import type { EdgeOrigin, EdgeQuery, EdgeSource } from "./types.js";

/** URL building bound to an edge's options. */
export interface Hosts extends Origins {
  cdnUrl(index: number, key: string, query?: EdgeQuery): string;
  /** URL of `key` on origin `index` when it can be had synchronously. */
  originUrlNow(index: number, key: string): string | undefined;
  /** The primary origin's (index 0) URL. */
  s3Url(key: string): string;
  resolveS3Url(key: string): Promise<string>;
  /** The S3 URL when it can be had synchronously (a presigner with a cached URL). */
  s3UrlNow(key: string): string | undefined;
  sourceOf(url: string): EdgeSource | undefined;
  /** Configured hosts with their side, CDN first. */
  all(): [string, EdgeSource][];
}

/** Bind URL building to `cdn` bases and `origin` (one or a list); validates both (`ConfigError` naming the option). */
export function createHosts(cdn: string | string[], origin: EdgeOrigin | EdgeOrigin[]): Hosts {
  const s3Hosts = new Set<string>();
  const o = createOrigins(cdn, origin, "createEdge", (host) => s3Hosts.add(host));
  const cdnHosts = new Set(o.cdn.map((base) => hostOf(base)));
  for (let i = 0; i < o.origins; i++) {
    const host = o.originHost(i);
    if (host !== undefined) s3Hosts.add(host);
  }

  const originUrlNow = (index: number, key: string): string | undefined => {
    const presign = o.presigner(index);
    if (!presign) return o.originUrl(index, key);
    assertValidKey(key);
    const url = presign(key);
    if (typeof url === "string") return o.learn(index, url);
    url.then((u) => o.learn(index, u)).catch(() => undefined);
    return undefined;
  };

  return {
    ...o,
    cdnUrl: (index, key, query) => cdnObjectUrl(o.cdn[index] ?? "", key, query),
    originUrlNow,
    s3Url: (key) => o.originUrl(0, key),
    resolveS3Url: (key) => o.resolveOriginUrl(0, key),
    s3UrlNow: (key) => originUrlNow(0, key),
    sourceOf(url) {
      const host = safeHost(url);
      if (host === undefined) return undefined;
      return cdnHosts.has(host) ? "cdn" : s3Hosts.has(host) ? "s3" : undefined;
    },
    all: () => [
      ...[...cdnHosts].map((host): [string, EdgeSource] => [host, "cdn"]),
      ...[...s3Hosts].filter((host) => !cdnHosts.has(host)).map((host): [string, EdgeSource] => [host, "s3"]),
    ],
  };
}
