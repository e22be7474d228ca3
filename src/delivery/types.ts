/**
 * Public types of delivery (`createEdge`), kept apart from the logic so that the
 * API surface reads in one place.
 */
import type { HostHealth, HostHealthOptions, HostStatus } from "../core/health.js";
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

/** Which configured side a host or URL belongs to. */
export type EdgeSource = "cdn" | "s3";

/** Why a host failed a request (see {@link FallbackEvent}). */
export type FailureReason = "network" | "timeout" | "status" | "redirect";

/** Why a request left a host for another. */
export type FallbackReason = FailureReason | "circuit-open" | "hedge";

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

/** Events of an {@link Edge} (`edge.on(name, listener)`). */
export interface EdgeEvents {
  fallback: FallbackEvent;
  recover: RecoverEvent;
}

/** Options of `createEdge`. */
export interface EdgeOptions {
  /** CDN base URL(s), in order of preference (multi-CDN). A base may carry a path prefix. */
  cdn: string | string[];
  /** The S3 fallback: a bucket ({@link OriginSpec}) or a presigner for a private bucket. */
  origin: OriginSpec | PresignOrigin;
  /** Time to response headers before a host attempt is given up, in ms (default 3000). The body is not timed out. */
  timeoutMs?: number;
  /**
   * Statuses that make a request move on to the next host (and count as a failure
   * of the host). Default: 500-599. 403/404 are opt-in, e.g. `[403, 404, 500, 502, 503, 504]`.
   */
  fallbackStatuses?: number[] | ((status: number) => boolean);
  /** If a host has not answered after this many ms, start the next candidate too and take the first good answer. */
  hedgeMs?: number;
  /**
   * Shared circuit breaker, or options for a new one (default `createHostHealth()`).
   * `urls()` judges whether a cooldown is over with `now` of these options when
   * options are given, and with `Date.now` when an instance is given.
   */
  health?: HostHealth | HostHealthOptions;
  /** Follow redirects (default false: a 3xx is a failure of the host). The final URL must be on a configured host. */
  followRedirects?: boolean;
  /** `fetch` implementation (default the global one). */
  fetch?: typeof fetch;
  /** Called when a request moves from a host to another. */
  onFallback?: (event: FallbackEvent) => void;
  /** Called when a configured host's breaker closes again after being open. */
  onRecover?: (event: RecoverEvent) => void;
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

/** Observable state of an {@link Edge}: the breaker of every configured host. */
export interface EdgeState {
  hosts: EdgeHostStatus[];
}

/** CDN-first object delivery with S3 fallback; see `createEdge`. */
export interface Edge extends Observable<EdgeState> {
  /** URL of `key` on the first CDN, with `query` (CDN URLs only ever carry a query). */
  cdnUrl(key: string, query?: EdgeQuery): string;
  /** Direct S3 URL of `key`. Throws for a presign origin: use {@link Edge.resolveS3Url}. */
  s3Url(key: string): string;
  /** S3 URL of `key`, presigned for a private bucket. */
  resolveS3Url(key: string): Promise<string>;
  /**
   * Candidate URLs for `key` right now: CDNs whose breaker is closed first (in
   * order), then S3, then the CDNs whose breaker is open. For a presign origin,
   * S3 is listed only when the presigner answers synchronously (cached).
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
  /** Listen to `fallback` or `recover` events; returns the function that stops listening. */
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
