/**
 * Public types of the service worker layer (`s3edge/sw`), kept apart from the
 * logic so that the API surface reads in one place. Worker types (`FetchEvent`,
 * `Clients`) are described structurally: the project compiles against the DOM
 * lib, and an app's worker may use either lib.
 */
import type { HostHealth, HostHealthOptions } from "../core/health-types.js";
import type { FallbackBaseOptions, FallbackEvent, RecoverEvent } from "../delivery/types.js";
import type { WorkerRoute } from "./route.js";

/** Options of `registerEdgeFallback`: the shared ones ({@link FallbackBaseOptions}, as `createEdge` takes them), plus the worker-only ones. */
export interface EdgeFallbackOptions extends FallbackBaseOptions {
  /** If a CDN has not answered after this many ms, start the next candidate too and take the first good answer. */
  hedgeMs?: number;
  /**
   * The CDN and the bucket send CORS headers (`Access-Control-Allow-Origin`) on
   * every answer, errors included (default false). Then plain `<img>`, CSS
   * images and `<video>` requests (`no-cors`, opaque to the worker) are made in
   * `cors` mode, so statuses (5xx placeholders, 404) are seen and handled; without it
   * only network errors and timeouts can be caught for them.
   */
  cors?: boolean;
  /** Tuning of the breaker created when `health` is not given. */
  breaker?: Omit<HostHealthOptions, "store">;
  /**
   * Persist verdicts in IndexedDB and share them with the pages over the
   * `s3edge-health` BroadcastChannel (default true). Ignored when `health` is given.
   */
  persist?: boolean;
  /**
   * How the S3 origins (primary, replicas) are ordered, and the breaker created
   * when `health` is not given. Default: the configured order (held-back origins
   * skipped) and a breaker without latency estimates; `latencyRoute()` for the
   * pages' fastest-healthy-first order.
   */
  route?: WorkerRoute;
  /** Add the worker's `fetch` listener (default true); false to route requests yourself (Workbox). */
  listen?: boolean;
}

/** What the worker needs of a `FetchEvent`. */
export interface FetchEventLike {
  readonly request: Request;
  readonly clientId?: string;
  readonly resultingClientId?: string;
  respondWith(response: Response | Promise<Response>): void;
  waitUntil?(promise: Promise<unknown>): void;
}

/** The options a Workbox route handler receives (`RouteHandlerCallbackOptions`), as far as they are used here. */
export interface HandlerOptions {
  request: Request | string;
  event?: { clientId?: string } | undefined;
}

/**
 * A Workbox strategy plugin (`WorkboxPlugin`): the hooks this layer implements.
 * `workboxPlugin(fallback)` makes one; pass it in `plugins` of a strategy (e.g.
 * `CacheFirst`) whose route sends CDN requests to the network.
 */
export interface EdgeFallbackPlugin {
  /** Makes a `no-cors` request `cors` when `cors` is set, and bounds its wait for headers by `timeoutMs`. */
  requestWillFetch(param: { request: Request }): Promise<Request>;
  /** A fallback status, or a CDN whose breaker is open: the answer from the next host instead. */
  fetchDidSucceed(param: { request: Request; response: Response }): Promise<Response>;
  /** A network error or a timeout of the CDN: the answer from the next host. */
  handlerDidError(param: { request: Request; error?: unknown }): Promise<Response | undefined>;
}

/** A fallback made in the worker: {@link FallbackEvent} with the URL the page asked for. */
export interface WorkerFallbackEvent extends FallbackEvent {
  /** The URL the page requested (query removed). */
  url: string;
}

/** Events of an {@link EdgeFallback}. */
export interface EdgeFallbackEvents {
  fallback: WorkerFallbackEvent;
  recover: RecoverEvent;
}

/** The message the worker posts to the page whose request fell back (and to every page on `recover`). */
export type EdgeWorkerMessage =
  | { s3edge: "fallback"; event: WorkerFallbackEvent }
  | { s3edge: "recover"; event: RecoverEvent };

/** What `registerEdgeFallback` returns. */
export interface EdgeFallback {
  /** Whether the worker handles `request`: a GET (not a navigation) to a configured CDN whose URL maps to a key. */
  match(request: Request): boolean;
  /** The `fetch` listener: answers `event` when {@link EdgeFallback.match} says so and returns true; otherwise false (the browser fetches as usual). */
  handle(event: FetchEventLike): boolean;
  /** The CDN-first answer with fallback for a request that {@link EdgeFallback.match} accepts. */
  fetch(request: Request): Promise<Response>;
  /** A Workbox route handler (`registerRoute(({ request }) => fallback.match(request), fallback.handler)`). */
  handler(options: HandlerOptions): Promise<Response>;
  /** Listen to `fallback` or `recover` events; returns the function that stops listening. */
  on<K extends keyof EdgeFallbackEvents>(event: K, listener: (value: EdgeFallbackEvents[K]) => void): () => void;
  /** The breaker in use. */
  readonly health: HostHealth;
  /** Resolves once persisted verdicts are loaded (requests wait for it by themselves). */
  readonly ready: Promise<void>;
  /** Remove the `fetch` listener and stop sharing verdicts. */
  stop(): void;
}
