/**
 * `s3edge/dom`: images that survive a CDN outage on any page, with no framework.
 * `autoFallback` for `<img>`, `srcset` and `<picture>`; the persisted, shared
 * breaker it uses by default; and the pieces it is made of.
 */
export { autoFallback } from "./dom/auto-fallback.js";
export type {
  AutoFallback,
  AutoFallbackEvents,
  AutoFallbackHead,
  AutoFallbackHeadOptions,
  AutoFallbackOptions,
  ImageFallbackEvent,
} from "./dom/types.js";
export { browserHealthStore, type BrowserHealthStoreOptions } from "./browser/health-store.js";
export {
  createHealthStore,
  parseVerdict,
  type ChannelLike,
  type HealthStoreOptions,
  type StorageLike,
} from "./core/health-store.js";
export { createHostHealth } from "./core/health.js";
export type { HealthStore, HostHealth, HostHealthOptions, HostStatus, HostVerdict } from "./core/health-types.js";
export { mapSrcset, srcsetUrls } from "./dom/srcset.js";
export { createStatusChecker, exposedStatus, headStatus, type CheckResult, type StatusChecker } from "./dom/status.js";
