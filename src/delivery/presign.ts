/**
 * Presigned GET URLs for a private bucket from the signing endpoint of
 * `s3edge/server` (its `url` operation), cached until shortly before they expire.
 */
import { createEndpoint, type EndpointOptions } from "../upload/endpoint.js";

/** Options of {@link presignWith}: how to reach the endpoint, and the cache. */
export interface PresignWithOptions extends Omit<EndpointOptions, "url"> {
  /** Stop using a cached URL this long before its `expiresAt`, in ms (default 60 s). */
  marginMs?: number;
  /** Keys whose URL is kept (default 500; the oldest go first). */
  maxEntries?: number;
  /** Clock (epoch ms), injectable for tests (default `Date.now`). */
  now?: () => number;
}

interface Entry {
  url: string;
  until: number;
  pending?: Promise<string>;
}

/**
 * A presigner for `createEdge({ origin: { presign } })` that asks the signing
 * endpoint at `endpointUrl` for `{ op: "url", key }`. URLs are cached per key
 * until `marginMs` before `expiresAt` (a cached URL is returned synchronously,
 * so `edge.urls()` can list it); concurrent calls for a key share one request;
 * a failed request is not cached.
 *
 * @example
 * const edge = createEdge({ cdn: "https://cdn.example.com", origin: { presign: presignWith("/api/s3edge") } });
 */
export function presignWith(endpointUrl: string, init: PresignWithOptions = {}): (key: string) => string | Promise<string> {
  const { marginMs = 60_000, maxEntries = 500, now = Date.now, ...endpoint } = init;
  const call = createEndpoint({ ...endpoint, url: endpointUrl });
  const cache = new Map<string, Entry>();
  return (key) => {
    const hit = cache.get(key);
    if (hit && (hit.pending || now() < hit.until)) return hit.pending ?? hit.url;
    const pending = call("url", { key }).then(
      ({ url, expiresAt }) => {
        cache.delete(key);
        cache.set(key, { url, until: typeof expiresAt === "number" ? expiresAt - marginMs : 0 });
        if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
        return url;
      },
      (error: unknown) => {
        cache.delete(key);
        throw error;
      },
    );
    cache.set(key, { url: "", until: 0, pending });
    return pending;
  };
}
