/**
 * Cross-origin hints for requests that failed below HTTP: a browser reports a
 * CORS refusal exactly like a network error, so a failure on another origin
 * than the page's says what to check. Loaded only when a request fails.
 */
import { pageHref, parse } from "./location.js";

/**
 * A hint for a request that failed below HTTP, when the page is on another
 * origin than `url`: browsers report a CORS refusal as a plain network error.
 * Empty outside browsers and for same-origin requests.
 */
export function crossOriginHint(url: string | URL, remedy: string): string {
  const base = pageHref();
  if (base === undefined) return "";
  const page = parse(base)?.origin;
  const target = parse(String(url), base)?.origin;
  return page === undefined || target === undefined || target === page
    ? ""
    : ` It is on another origin than this page (${page}): ${remedy}`;
}

/** The hint for the signing endpoint at `url`. */
export const endpointHint = (url: string | URL): string =>
  crossOriginHint(
    url,
    "a cross-origin endpoint must allow it (the `cors` option of handleS3Edge), or the host is down.",
  );
