/**
 * CORS for the signing endpoint, when the page calling it lives on another
 * origin: preflight answers and the headers of actual responses. The allowed
 * origin is echoed (never `*`), with `Vary: Origin`, so that credentials work
 * and caches keep answers per origin apart.
 */

/** CORS settings of {@link handleS3Edge}. */
export interface CorsOptions {
  /** Allowed origins: one, a list, `"*"` for any, or a predicate. */
  origin: string | string[] | ((origin: string) => boolean);
  /** Send `Access-Control-Allow-Credentials: true` (cookies on a cross-origin endpoint). */
  credentials?: boolean;
  /** Seconds browsers may cache a preflight answer. Default 600. */
  maxAge?: number;
}

/** The CORS behaviour of one handler. */
export interface Cors {
  /** Headers to add to an actual response for the request's `Origin`. */
  headers(origin: string | null): Record<string, string>;
  /** The answer to an OPTIONS preflight. */
  preflight(request: Request): Response;
}

const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/** Build the CORS behaviour from its options. */
export function createCors(options: CorsOptions): Cors {
  const { origin, credentials = false, maxAge = 600 } = options;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new TypeError("s3edge: cors.maxAge must be a non-negative integer");
  const list = typeof origin === "string" ? [origin] : Array.isArray(origin) ? origin : undefined;
  if (list !== undefined && list.some((o) => typeof o !== "string")) throw new TypeError("s3edge: cors.origin must hold strings");
  const allowed = (value: string): boolean =>
    typeof origin === "function" ? origin(value) === true : (list ?? []).some((o) => o === "*" || o === value);

  const headers = (requestOrigin: string | null): Record<string, string> => {
    if (requestOrigin === null || !allowed(requestOrigin)) return { vary: "Origin" };
    return {
      "access-control-allow-origin": requestOrigin,
      vary: "Origin",
      ...(credentials ? { "access-control-allow-credentials": "true" } : {}),
    };
  };

  return {
    headers,
    preflight(request) {
      const requestOrigin = request.headers.get("origin");
      const method = request.headers.get("access-control-request-method");
      const vary = { vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" };
      if (requestOrigin === null || !allowed(requestOrigin) || method !== "POST") {
        return new Response(null, { status: 403, headers: vary });
      }
      const requested = request.headers.get("access-control-request-headers");
      return new Response(null, {
        status: 204,
        headers: {
          ...headers(requestOrigin),
          ...vary,
          "access-control-allow-methods": "POST",
          "access-control-allow-headers": requested !== null && HEADER_LIST.test(requested) ? requested : "content-type",
          "access-control-max-age": String(maxAge),
        },
      });
    },
  };
}
