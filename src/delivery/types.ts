/**
 * Public types of delivery (`createEdge`), kept apart from the logic so that the
 * API surface reads in one place.
 */
import type { HostHealth, HostHealthOptions, HostStatus } from "../core/health.js";
import type { RouteReason, RoutingOptions } from "../core/host-order.js";
import type { Observable } from "../core/observable.js";
import type { OriginSpec, QueryValue } from "../core/urls.js";

/** Query parameters for CDN URLs (image CDN options such as `w`, `q`); `undefined` values are skipped. */
export type EdgeQuery = Record<string, QueryValue>;

/**
 * A private bucket: `presign(key)` returns a presigned GET URL (see `presignWith`
 * for the signing endpoint's `url` operation). It may return synchronously when
 * it has the URL cached; `edge.urls()` can only list the S3 URL in that case.
 */
export interface PresignOrigin {
  presign: (key: string) => string | Promise<string>;
}

/** One S3 origin: a bucket ({@link OriginSpec}) or a presigner for a private bucket. */
export type EdgeOrigin = OriginSpec | PresignOrigin;

export type { RouteReason, RoutingOptions } from "../core/host-order.js";

/** Which configured side a host or URL belongs to. */
export type EdgeSource = "cdn" | "s3";

/** Why a host failed a request (see {@link FallbackEvent}). */
export type FailureReason = "network" | "timeout" | "status" | "redirect";

/**
 * Why a request left a host for another. `"missing"`: an S3 origin that is not
 * the last one answered 403/404 (a replica behind on replication); not a failure of the host.
 */
export type FallbackReason = FailureReason | "circuit-open" | "hedge" | "missing";

/** Telemetry: a request moved from one configured host to another. */
export interface FallbackEvent {
  key: string;
  /** Host (`host[:port]`) the request left. */
  from: string;
  /** Host the request went to next (or that won the hedge). */
  to: string;
  reason: FallbackReason;
  /** HTTP status of `from`'s answer (reasons "status" and "redirect"). */
  status?: number;
  /** Milliseconds since `edge.fetch` was called. */
  elapsedMs: number;
}

/** A host's breaker came back: it closed again after being open. */
export interface RecoverEvent {
  host: string;
}

/**
 * Telemetry for RUM: the host a request tried first, and why: `"order"` (the
 * configured first host), `"health"` (hosts before it held back by their
 * breaker), `"latency"` (clearly faster than the hosts before it), `"explore"`
 * (sent to be measured: never tried, or its estimate is old).
 */
export interface RouteEvent {
  key: string;
  /** Host (`host[:port]`) tried first. */
  host: string;
  source: EdgeSource;
  reason: RouteReason;
  /** The host's latency estimate when it was chosen, in ms (when measured). */
  latencyMs?: number;
}

/** Events of an {@link Edge} (`edge.on(name, listener)`). */
export interface EdgeEvents {
  fallback: FallbackEvent;
  recover: RecoverEvent;
  route: RouteEvent;
}

/**
 * The options every layer takes with the same names and meanings: `createEdge`,
 * `autoFallback` (`s3edge/dom`) and `registerEdgeFallback` (`s3edge/sw`). What a
 * layer adds or means differently is in its own options' description.
 */
export interface FallbackBaseOptions {
  /**
   * CDN base URL(s), in order of preference (multi-CDN). A base may carry a path
   * prefix. Only URLs under these bases are handled by the image and worker layers.
   */
  cdn: string | string[];
  /**
   * The S3 fallback: a bucket ({@link OriginSpec}), a function of the key, or a
   * presigner for a private bucket; or a list of them in order (the primary bucket,
   * then its Cross-Region Replication replicas). Requests walk the CDNs, then the
   * origins; a replica's 403/404 moves on to the next origin.
   */
  origin: EdgeOrigin | EdgeOrigin[];
  /**
   * How long a host attempt may take before it is given up, in ms (default 3000):
   * to response headers for `edge.fetch` and the worker (which also tolerates no
   * longer a silence inside a CDN body), to the image's load for `autoFallback`.
   */
  timeoutMs?: number;
  /**
   * Statuses that make an answer count as a failure of its host and move on.
   * Default: 500-599; 403/404 are opt-in, e.g. `[403, 404, 500, 502, 503, 504]`.
   * The worker sees them for readable answers only (`cors` requests, and `no-cors`
   * ones with its `cors` option); `autoFallback` reads them from Resource Timing or
   * a CORS `HEAD` check (a CDN's placeholder image sent with a 5xx fires `load`).
   */
  fallbackStatuses?: number[] | ((status: number) => boolean);
  /**
   * A circuit breaker to share with other edges and layers (`createHostHealth()`,
   * or `edge.health`), so that one outage is learned once. Default: a new breaker
   * tuned by `breaker`.
   */
  health?: HostHealth;
}

/**
 * Options of `createEdge`: the shared ones ({@link FallbackBaseOptions}) and the
 * routing options ({@link RoutingOptions}: `order`, `exploreAfterMs`,
 * `exploreRate`, `crossTierMs`, `random`), which decide which healthy host goes first.
 */
export interface EdgeOptions extends FallbackBaseOptions, RoutingOptions {
  /** If a host has not answered after this many ms, start the next candidate too and take the first good answer. */
  hedgeMs?: number;
  /** Options of the edge's own breaker when no `health` is given (thresholds, cool-down, clock, persistence). */
  breaker?: HostHealthOptions;
  /** Follow redirects (default false: a 3xx is a failure of the host). The final URL must be on a configured host. */
  followRedirects?: boolean;
  /** `fetch` implementation (default the global one). */
  fetch?: typeof fetch;
}

/** `RequestInit` of `edge.fetch`, plus a per-call timeout and CDN query. */
export interface EdgeFetchInit extends RequestInit {
  /** Overrides `EdgeOptions.timeoutMs` for this call. */
  timeoutMs?: number;
  /** Query parameters added to CDN URLs only. */
  query?: EdgeQuery;
}

/** Breaker status of a configured host, with the side it belongs to. */
export interface EdgeHostStatus extends HostStatus {
  source: EdgeSource;
}

/** Observable state of an {@link Edge}: the breaker (and latency estimate, `latencyMs`) of every configured host. */
export interface EdgeState {
  hosts: EdgeHostStatus[];
}

/** CDN-first object delivery with S3 fallback; see `createEdge`. */
export interface Edge extends Observable<EdgeState> {
  /** URL of `key` on the first CDN, with `query` (CDN URLs only ever carry a query). */
  cdnUrl(key: string, query?: EdgeQuery): string;
  /**
   * The one URL to use for `key` right now, e.g. for an `<img src>` created after
   * an outage was learned: the first usable host in the order (CDNs, then the S3
   * origins, fastest healthy first; see `order`), else an origin.
   * A CDN past its cool-down counts as usable again (report the image's load or
   * error with {@link Edge.report}: it is the probe).
   *
   * For a presign origin (private bucket), S3 is returned only when the presigner
   * has the URL cached; otherwise this returns the first CDN even when it is down,
   * and starts presigning so that a later call can return S3 (or await
   * {@link Edge.resolveUrls} for the full list).
   *
   * @example
   * img.src = edge.src("avatars/1.png");
   */
  src(key: string, query?: EdgeQuery): string;
  /** Direct S3 URL of `key`. Throws for a presign origin: use {@link Edge.resolveS3Url}. */
  s3Url(key: string): string;
  /** S3 URL of `key`, presigned for a private bucket. */
  resolveS3Url(key: string): Promise<string>;
  /**
   * Candidate URLs for `key` right now: usable hosts in order (CDNs, then S3
   * origins, fastest healthy first), then the origins whose breaker is open, then
   * the CDNs whose breaker is open. Only looks (spends no exploration). For a
   * presign origin, its URL is listed only when the presigner answers synchronously (cached).
   */
  urls(key: string, query?: EdgeQuery): string[];
  /** Like {@link Edge.urls}, always with the S3 URL (presigned when needed). */
  resolveUrls(key: string, query?: EdgeQuery): Promise<string[]>;
  /**
   * GET (or HEAD, Range...) `key` from the first healthy CDN, falling back along
   * the candidates; resolves with the real `Response` (its `url` tells which host
   * served). Rejects with `FallbackError` when every host failed, `AbortError` when
   * the caller aborted.
   */
  fetch(key: string, init?: EdgeFetchInit): Promise<Response>;
  /** Feed the breaker from outside (an `<img>` error or load). Only configured hosts are recorded. */
  report(url: string, ok: boolean, reason?: string): void;
  /** Send a fallback event to the listeners (for layers that fall back themselves, e.g. `<img>`). */
  notify(event: FallbackEvent): void;
  /**
   * Listen to `fallback` (a request moved from a host to another) or `recover` (a
   * configured host's breaker closed again after being open) events; returns the
   * function that stops listening. The one way to observe an edge's events.
   */
  on<K extends keyof EdgeEvents>(event: K, listener: (value: EdgeEvents[K]) => void): () => void;
  /** Which configured side a URL belongs to, by host. */
  sourceOf(url: string): EdgeSource | undefined;
  /** The key a CDN or S3 URL of this edge points to (not for function or presign origins' S3 URLs). */
  keyOf(url: string): string | undefined;
  /** Time to headers per host attempt, in ms (for layers that run their own timer, like `<img>`). */
  readonly timeoutMs: number;
  /** The circuit breaker in use (shared when one was passed in). */
  readonly health: HostHealth;
}
