/**
 * Where requests go, seen from the page: relative endpoint URLs resolved at the
 * first request (a module evaluated while prerendering has no page location).
 * The cross-origin hints for failures are `cross-origin.ts`'s (loaded on failure).
 */
import { ConfigError } from "../core/errors.js";

/** The page's location, when there is one (browsers, workers); `undefined` in Node. */
export function pageHref(): string | undefined {
  const href = (globalThis as { location?: { href?: unknown } }).location?.href;
  return typeof href === "string" ? href : undefined;
}

/** `new URL(url, base)`, or `undefined` when it does not parse (`URL.canParse` is missing in Safari < 17). */
export function parse(url: string, base?: string): URL | undefined {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
}

/** True when `url` cannot stand alone and needs a base (`/api/s3edge`, `api/s3edge`). */
export function isRelativeUrl(url: string): boolean {
  return parse(url) === undefined;
}

/**
 * Check an endpoint URL when a factory is called. A relative URL is accepted
 * as it is (it resolves at the first request); an absolute one must be http(s).
 */
export function checkEndpointUrl(url: unknown, factory: string): string {
  if (typeof url !== "string" || !url.trim()) {
    throw new ConfigError(
      "endpoint",
      `${factory}: \`endpoint\` (the URL of your s3edge/server endpoint, e.g. "/api/s3edge") is required`,
    );
  }
  const absolute = parse(url);
  if (absolute && !/^https?:$/.test(absolute.protocol)) {
    throw new ConfigError(
      "endpoint",
      `${factory}: \`endpoint\` must be an http(s) URL or a path, not a ${absolute.protocol} URL`,
    );
  }
  return url;
}

/**
 * The absolute URL of `url`: as it is when absolute, else against the page's
 * location. Without a page (Node, prerendering), a relative URL is a
 * {@link ConfigError}: only the application knows its own origin there.
 */
export function resolveEndpointUrl(url: string): URL {
  const resolved = parse(url) ?? parse(url, pageHref());
  if (resolved) return resolved;
  const shown = url.split(/[?#]/)[0];
  throw new ConfigError(
    "endpoint",
    `endpoint "${shown}" is relative, and a relative endpoint needs a base URL in Node: pass an absolute URL (e.g. "https://app.example.com${shown?.startsWith("/") ? shown : `/${shown}`}")`,
  );
}
