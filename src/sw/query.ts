/**
 * Options of the ready-made worker script from its own URL, for apps without a
 * bundler: `navigator.serviceWorker.register("/s3edge-sw.js?cdn=...&bucket=...&region=...")`.
 * Parameters: `cdn` (repeat it for several CDNs), `bucket` with `region` (AWS)
 * or `endpoint` (R2, MinIO...), `pathStyle`, `timeoutMs`, `hedgeMs`,
 * `fallbackStatuses` (comma-separated), `cors`, `persist`. Values are checked
 * by `registerEdgeFallback` like any other options.
 */
import type { OriginSpec } from "../core/urls.js";
import type { EdgeFallbackOptions } from "./types.js";

const flag = (value: string | null): boolean | undefined =>
  value === null ? undefined : value === "" || value === "1" || value === "true";
const number = (value: string | null): number | undefined => (value === null ? undefined : Number(value));

/** The options in a worker script's query string, or undefined when it names no `cdn`. */
export function optionsFromQuery(search: string): EdgeFallbackOptions | undefined {
  const q = new URLSearchParams(search);
  const cdn = q.getAll("cdn");
  if (cdn.length === 0) return undefined;
  const bucket = q.get("bucket") ?? "";
  const endpoint = q.get("endpoint");
  const pathStyle = flag(q.get("pathStyle"));
  const origin: OriginSpec = endpoint === null ? { bucket, region: q.get("region") ?? "" } : { endpoint, bucket };
  if (pathStyle !== undefined) origin.pathStyle = pathStyle;
  const options: EdgeFallbackOptions = { cdn, origin };
  const statuses = q.get("fallbackStatuses");
  if (statuses !== null) options.fallbackStatuses = statuses.split(",").map(Number);
  const timeoutMs = number(q.get("timeoutMs"));
  const hedgeMs = number(q.get("hedgeMs"));
  const cors = flag(q.get("cors"));
  const persist = flag(q.get("persist"));
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  if (hedgeMs !== undefined) options.hedgeMs = hedgeMs;
  if (cors !== undefined) options.cors = cors;
  if (persist !== undefined) options.persist = persist;
  return options;
}
