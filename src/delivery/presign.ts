/**
 * Presigned GET URLs for a private bucket from the signing endpoint of
 * `s3edge/server` (its `url` operation), cached until shortly before they expire.
 */
import { ConfigError } from "../core/errors.js";
import { createEndpoint, type EndpointOptions } from "../endpoint/client.js";
import { checkEndpointUrl } from "../endpoint/location.js";

/** Options of {@link presignWith}: how to reach the endpoint (as for `createUploader`), and the cache. */
export interface PresignWithOptions extends EndpointOptions {
  /** Stop using a cached URL this long before its `expiresAt`, in ms (default 60 000). */
  marginMs?: number;
  /** Keys whose URL is kept (default 500; the oldest go first). */
  maxEntries?: number;
  /** Clock (epoch ms), injectable for tests (default `Date.now`). */
  now?: () => number;
}

/** Options of the deprecated positional form `presignWith(endpoint, options)`. */
export type LegacyPresignWithOptions = Omit<PresignWithOptions, "endpoint"> & {
  /** @deprecated Use `endpointTimeoutMs`. */
  timeoutMs?: number;
};

interface Entry {
  url: string;
  until: number;
  pending?: Promise<string>;
}

function check(options: PresignWithOptions): void {
  checkEndpointUrl(options.endpoint, "presignWith");
  const { marginMs, maxEntries, endpointTimeoutMs, now } = options;
  if (marginMs !== undefined && !(Number.isFinite(marginMs) && marginMs >= 0)) {
    throw new ConfigError("marginMs", "presignWith: `marginMs` must be a number of milliseconds >= 0");
  }
  if (maxEntries !== undefined && !(Number.isInteger(maxEntries) && maxEntries >= 1)) {
    throw new ConfigError("maxEntries", "presignWith: `maxEntries` must be a whole number >= 1");
  }
  if (endpointTimeoutMs !== undefined && !(Number.isFinite(endpointTimeoutMs) && endpointTimeoutMs >= 0)) {
    throw new ConfigError(
      "endpointTimeoutMs",
      "presignWith: `endpointTimeoutMs` must be a number of milliseconds >= 0 (0: no timeout)",
    );
  }
  if (now !== undefined && typeof now !== "function")
    throw new ConfigError("now", "presignWith: `now` must be a function returning epoch ms");
}

/**
 * A presigner for `createEdge({ origin: { presign } })` that asks the signing
 * endpoint for `{ op: "url", key }`. URLs are cached per key until `marginMs`
 * before `expiresAt` (a cached URL is returned synchronously, so `edge.urls()`
 * can list it); concurrent calls for a key share one request; a failed request
 * is not cached. A relative `endpoint` resolves at the first request.
 *
 * @example
 * const edge = createEdge({ cdn: "https://cdn.example.com", origin: { presign: presignWith({ endpoint: "/api/s3edge" }) } });
 */
export function presignWith(options: PresignWithOptions): (key: string) => string | Promise<string>;
/** @deprecated Pass one object: `presignWith({ endpoint, ...options })` (the positional form goes in 1.0). */
export function presignWith(
  endpoint: string,
  options?: LegacyPresignWithOptions,
): (key: string) => string | Promise<string>;
export function presignWith(
  first: PresignWithOptions | string,
  legacy: LegacyPresignWithOptions = {},
): (key: string) => string | Promise<string> {
  let options: PresignWithOptions;
  if (typeof first === "string") {
    const { timeoutMs, ...rest } = legacy;
    options = {
      ...rest,
      endpoint: first,
      ...(timeoutMs !== undefined && rest.endpointTimeoutMs === undefined && { endpointTimeoutMs: timeoutMs }),
    };
  } else {
    if (typeof first !== "object" || first === null)
      throw new ConfigError("endpoint", 'presignWith: pass `{ endpoint: "/api/s3edge" }`');
    options = first;
  }
  check(options);
  const { marginMs = 60_000, maxEntries = 500, now = Date.now, ...endpoint } = options;
  const call = createEndpoint(endpoint);
  const cache = new Map<string, Entry>();
  return (key) => {
    const hit = cache.get(key);
    if (hit && (hit.pending || now() < hit.until)) return hit.pending ?? hit.url;
    const pending = call("url", { key }).then(
      ({ url, expiresAt }) => {
        cache.delete(key);
        cache.set(key, { url, until: typeof expiresAt === "number" ? expiresAt - marginMs : 0 });
        if (cache.size > maxEntries) {
          const oldest = cache.keys().next();
          if (!oldest.done) cache.delete(oldest.value);
        }
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
