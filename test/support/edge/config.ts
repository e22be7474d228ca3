/**
 * Renders the nginx configuration of the CDN edge fixture for one mode.
 * Pure string building: no I/O, so each mode's config can be read and reasoned about in one place.
 */

/** What the edge does; see `EdgeMode` in `../edge.ts` for the meaning of each mode. */
export type EdgeMode =
  | "healthy"
  | { status: number; body?: "html" | "image" }
  | "hang"
  | { slowBytesPerSecond: number }
  | { delayMs: number }
  | { flapMs: number }
  | "stopped";

/** Everything the config needs to know; paths are absolute. */
export interface EdgeConfigInput {
  /** Random id of this edge, echoed by `/__edge_mode` so we never mistake another server for ours. */
  edgeId: string;
  /** Increases on every config write; `/__edge_mode` echoes it so a reload can be awaited. */
  generation: number;
  /** The mode to render ("stopped" has no config: nginx is simply not running). */
  mode: Exclude<EdgeMode, "stopped">;
  /** Port nginx listens on, on 127.0.0.1. */
  port: number;
  /** Origin as `host:port` (used for `proxy_pass` and the upstream `Host` header). */
  originHostPort: string;
  /** Port of the silent socket used by the "hang" mode. */
  silentPort: number;
  /** Port of the fault server (placeholder images, delayed answers, flapping). */
  faultPort: number;
  /** Send CORS and `Timing-Allow-Origin` headers (a CDN configured for reading statuses) or none at all. */
  cors: boolean;
  /** The edge's temp dir: pid file, logs, temp folders. */
  dir: string;
  /** Cache directory and zone name (a purge switches to a fresh pair). */
  cacheDir: string;
  cacheZone: string;
  /** `proxy_cache_valid 200` duration. */
  cacheValidSeconds: number;
  /** Emit `user root root;` (only meaningful, and only accepted quietly, when the master runs as root). */
  runWorkersAsRoot: boolean;
}

/** A short, stable name for a mode, used in `/__edge_mode` and in the access log. */
export function modeName(mode: EdgeMode): string {
  if (typeof mode === "string") return mode;
  if ("status" in mode) return `status-${mode.status}${mode.body === "image" ? "-image" : ""}`;
  if ("delayMs" in mode) return `delay-${mode.delayMs}`;
  if ("flapMs" in mode) return `flap-${mode.flapMs}`;
  return `slow-${mode.slowBytesPerSecond}`;
}

/** The line `/__edge_mode` answers for this edge, generation and mode. */
export function modeProbeBody(edgeId: string, generation: number, mode: EdgeMode): string {
  return `edge=${edgeId} generation=${generation} mode=${modeName(mode)}`;
}

/** Checks a mode's numbers before they reach nginx (a bad number would make the reload fail quietly). */
export function validateMode(mode: EdgeMode): void {
  if (typeof mode === "string") {
    if (!["healthy", "hang", "stopped"].includes(mode)) throw new TypeError(`unknown edge mode ${String(mode)}`);
    return;
  }
  if ("status" in mode) {
    const { status } = mode;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new TypeError(`edge status must be an integer in 200..599, got ${status}`);
    }
    if (mode.body !== undefined && mode.body !== "html" && mode.body !== "image")
      throw new TypeError(`edge body must be "html" or "image"`);
    return;
  }
  if ("delayMs" in mode || "flapMs" in mode) {
    const ms = "delayMs" in mode ? mode.delayMs : mode.flapMs;
    if (!Number.isInteger(ms) || ms < 1)
      throw new TypeError(`edge delayMs/flapMs must be a positive integer, got ${ms}`);
    return;
  }
  const rate = mode.slowBytesPerSecond;
  if (!Number.isInteger(rate) || rate < 1) {
    throw new TypeError(`slowBytesPerSecond must be a positive integer, got ${rate}`);
  }
}

/** The edge's CORS headers (and `Timing-Allow-Origin`), or nothing for an edge without CORS. */
const corsHeaders = (input: EdgeConfigInput): string =>
  input.cors
    ? `
      add_header Access-Control-Allow-Origin "*" always;
      add_header Access-Control-Expose-Headers "ETag, X-Cache-Status" always;
      add_header Timing-Allow-Origin "*" always;`
    : "";

/** Headers the origin may send that the edge replaces with its own CORS policy (no duplicates). */
const HIDDEN_ORIGIN_HEADERS = [
  "Access-Control-Allow-Origin",
  "Access-Control-Expose-Headers",
  "Access-Control-Allow-Methods",
  "Access-Control-Allow-Headers",
  "Access-Control-Allow-Credentials",
  "Access-Control-Max-Age",
];

function proxyToOrigin(input: EdgeConfigInput, extra: string): string {
  return `
      if ($request_method = OPTIONS) {${
        input.cors
          ? `
        add_header Access-Control-Allow-Origin "*" always;`
          : ""
      }
        add_header Access-Control-Allow-Methods "GET, HEAD, OPTIONS" always;
        add_header Access-Control-Allow-Headers "Range, If-None-Match, If-Modified-Since" always;
        add_header Access-Control-Max-Age "600" always;
        return 204;
      }
      proxy_pass http://${input.originHostPort};
      proxy_set_header Host ${input.originHostPort};
      proxy_cache ${input.cacheZone};
      proxy_cache_valid 200 ${input.cacheValidSeconds}s;
${HIDDEN_ORIGIN_HEADERS.map((h) => `      proxy_hide_header ${h};`).join("\n")}
      add_header X-Cache-Status $upstream_cache_status always;${corsHeaders(input)}${extra}`;
}

function rootLocation(input: EdgeConfigInput): string {
  const { mode } = input;
  if (mode === "healthy") return proxyToOrigin(input, "");
  if (mode === "hang") {
    // No cache here: a hung edge hangs for every object, cached or not.
    return `
      proxy_pass http://127.0.0.1:${input.silentPort};
      proxy_connect_timeout 3600s;
      proxy_send_timeout 3600s;
      proxy_read_timeout 3600s;${corsHeaders(input)}`;
  }
  const fault = (header: string): string => `
      proxy_pass http://127.0.0.1:${input.faultPort};
      proxy_set_header X-Edge-Fault "${header}";
      proxy_read_timeout 3600s;
${HIDDEN_ORIGIN_HEADERS.map((h) => `      proxy_hide_header ${h};`).join("\n")}${corsHeaders(input)}`;
  if ("status" in mode && mode.body === "image") return fault(`placeholder=${mode.status}`);
  if ("delayMs" in mode) return fault(`delay=${mode.delayMs}`);
  if ("flapMs" in mode) return fault(`flap=${mode.flapMs}`);
  if ("status" in mode) {
    const body = `<html><head><title>${mode.status}</title></head><body><h1>${mode.status}</h1><p>s3edge test edge</p></body></html>`;
    return `${corsHeaders(input)}
      default_type text/html;
      return ${mode.status} '${body}';`;
  }
  return proxyToOrigin(
    input,
    `
      limit_rate ${mode.slowBytesPerSecond};
      limit_rate_after 0;`,
  );
}

/** The whole nginx.conf for this input. It never includes anything from /etc/nginx. */
export function renderEdgeConfig(input: EdgeConfigInput): string {
  const { dir } = input;
  const probe = modeProbeBody(input.edgeId, input.generation, input.mode);
  return `# Generated by test/support/edge.ts for mode ${modeName(input.mode)}, generation ${input.generation}.
${input.runWorkersAsRoot ? "user root root;\n" : ""}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
# Old workers of a reload must not linger on hung connections (a client that aborted may keep its socket open).
worker_shutdown_timeout 500ms;
events { worker_connections 512; }
http {
  default_type application/octet-stream;
  client_body_temp_path ${dir}/tmp/client_body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  proxy_cache_path ${input.cacheDir} levels=1:2 keys_zone=${input.cacheZone}:1m max_size=256m inactive=1h use_temp_path=off;
  log_format edge_json escape=json '{"msec":"$msec","method":"$request_method","uri":"$request_uri",'
    '"status":"$status","cacheStatus":"$upstream_cache_status","upstreamStatus":"$upstream_status",'
    '"bytesSent":"$body_bytes_sent","range":"$http_range","mode":"${modeName(input.mode)}"}';
  access_log ${dir}/access.log edge_json;
  server_tokens off;
  server {
    listen 127.0.0.1:${input.port};
    location = /__edge_mode {
      access_log off;
      default_type text/plain;
      return 200 '${probe}';
    }
    location / {${rootLocation(input)}
    }
  }
}
`;
}
