/**
 * Parses the edge's JSON access log (one object per line, written by nginx's `log_format
 * edge_json escape=json`) into typed entries.
 */

/** One request the edge finished answering. */
export interface EdgeLogEntry {
  method: string;
  /**
   * The request URI as the client sent it (path and query, still percent-encoded), with the
   * values of signing parameters (`X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`,
   * CloudFront's `Signature`, `Policy`, `Key-Pair-Id`) replaced by `<redacted>`.
   */
  uri: string;
  /** Status the edge answered. */
  status: number;
  /** nginx's `$upstream_cache_status` ("MISS", "HIT", "EXPIRED", ...), or "" when no cache was involved. */
  cacheStatus: string;
  /** Status the origin (or the silent socket) answered, when the edge asked it. */
  upstreamStatus?: number;
  /** When the edge finished the request, in epoch milliseconds. */
  time: number;
  /** Body bytes sent to the client. */
  bytesSent: number;
  /** The client's `Range` header, or "" when none. */
  range: string;
  /** Name of the mode that served the request ("healthy", "status-503", "slow-2048", "hang"). */
  mode: string;
}

const SECRET_PARAMS =
  /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|Policy|Key-Pair-Id)=)[^&]*/gi;

/** Replaces the values of signing query parameters in a request URI by `<redacted>`. */
export function redactSigningParams(uri: string): string {
  return uri.replace(SECRET_PARAMS, "$1<redacted>");
}

function text(value: unknown): string {
  return typeof value === "string" && value !== "-" ? value : "";
}

/** Parses the whole log text; lines that are not JSON objects (there should be none) are skipped. */
export function parseAccessLog(content: string): EdgeLogEntry[] {
  const entries: EdgeLogEntry[] = [];
  for (const line of content.split("\n")) {
    if (!line.trim()) continue;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const entry: EdgeLogEntry = {
      method: text(raw["method"]),
      uri: redactSigningParams(text(raw["uri"])),
      status: Number(text(raw["status"])),
      cacheStatus: text(raw["cacheStatus"]),
      time: Math.round(Number(text(raw["msec"])) * 1000),
      bytesSent: Number(text(raw["bytesSent"]) || 0),
      range: text(raw["range"]),
      mode: text(raw["mode"]),
    };
    // "$upstream_status" lists one status per upstream tried ("502, 200"); the last one answered.
    const upstream =
      text(raw["upstreamStatus"])
        .split(/[,:]\s*/)
        .pop()
        ?.trim() ?? "";
    if (/^\d{3}$/.test(upstream)) entry.upstreamStatus = Number(upstream);
    entries.push(entry);
  }
  return entries;
}
