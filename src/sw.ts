/**
 * `s3edge/sw`: CDN fallback in a service worker, for what `<img>` events cannot
 * reach (CSS backgrounds, fonts, `<video>` ranges, `fetch()` of third-party code).
 * `registerEdgeFallback` in the worker (`workboxPlugin` for a Workbox
 * strategy); `onEdgeWorkerMessage` in the page for its events. No ky, no uploader.
 */
export { registerEdgeFallback } from "./sw/register.js";
export { latencyRoute } from "./sw/latency-route.js";
export type { RouteHosts, WorkerRoute } from "./sw/route.js";
export type { RoutingOptions } from "./core/host-order.js";
export { onEdgeWorkerMessage } from "./sw/page.js";
export { workboxPlugin } from "./sw/workbox.js";
export { optionsFromQuery } from "./sw/query.js";
export { workerHealthStore, type WorkerHealthStore, type WorkerHealthStoreOptions } from "./sw/health-store.js";
export { idbPersistence, type VerdictPersistence } from "./sw/idb.js";
export type {
  EdgeFallback,
  EdgeFallbackEvents,
  EdgeFallbackOptions,
  EdgeFallbackPlugin,
  EdgeWorkerMessage,
  FetchEventLike,
  HandlerOptions,
  WorkerFallbackEvent,
} from "./sw/types.js";
export type { HostHealth, HostHealthOptions, HostStatus } from "./core/health-types.js";
