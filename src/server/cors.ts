/**
 * CORS for the signing endpoint, when the page calling it lives on another
 * origin: preflight answers and the headers of actual responses. The allowed
 * origin is echoed (never `*`), with `Vary: Origin`, so that credentials work
 * and caches keep answers per origin apart.
 *
 * With `credentials: true` the browser sends the user's cookies, so the allowed
 * origins must be named: `origin: "*"` is refused (any website could then read
 * this user's tokens and signed URLs), and the opaque origin `null` (sandboxed
 * iframes, `data:` pages, some redirects) is never allowed.
 */
import { ConfigError } from "../core/errors.js";

/** CORS settings of {@link handleS3Edge}. */
export interface CorsOptions {
  /** Allowed origins: one, a list, `"*"` for any (not with `credentials`), or a predicate. */
  origin: string | string[] | ((origin: string) => boolean);
  /** Send `Access-Control-Allow-Credentials: true` (cookies on a cross-origin endpoint). Needs named origins; `Origin: null` is then refused. */
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
  if (typeof options !== "object" || options === null)
    throw new ConfigError("cors", "cors must be an object: { origin, credentials?, maxAge? }");
  const { origin, credentials = false, maxAge = 600 } = options;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0)
    throw new ConfigError("cors.maxAge", "cors.maxAge must be a non-negative integer number of seconds");
  if (typeof credentials !== "boolean")
    throw new ConfigError("cors.credentials", "cors.credentials must be true or false");
  const list = typeof origin === "string" ? [origin] : Array.isArray(origin) ? origin : undefined;
  if (list === undefined && typeof origin !== "function") {
    throw new ConfigError(
      "cors.origin",
      'cors.origin is required: an origin such as "https://app.example.com", a list, "*" or a predicate',
    );
  }
  if (list?.some((o) => typeof o !== "string")) throw new ConfigError("cors.origin", "cors.origin must hold strings");
  if (credentials && list?.includes("*")) {
    throw new ConfigError(
      "cors.origin",
      'cors: origin "*" with credentials: true would let any website read your users\' upload tokens and signed URLs with their cookies: list the origins of your pages (or pass a predicate)',
    );
  }
  const allowed = (value: string): boolean => {
    // An opaque origin is anyone's: never with the user's cookies.
    if (credentials && value === "null") return false;
    return typeof origin === "function" ? origin(value) === true : (list ?? []).some((o) => o === "*" || o === value);
  };

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
          "access-control-allow-headers":
            requested !== null && HEADER_LIST.test(requested) ? requested : "content-type",
          "access-control-max-age": String(maxAge),
        },
      });
    },
  };
}
