/**
 * Public types of `autoFallback` (`s3edge/dom`), kept apart from the logic so
 * that the API surface reads in one place.
 */
import type { HostHealth, HostHealthOptions } from "../core/health-types.js";
import type {
  FallbackBaseOptions,
  FallbackEvent,
  RecoverEvent,
  RouteEvent,
  RoutingOptions,
} from "../delivery/types.js";

/**
 * Options of `autoFallback`: the shared ones ({@link FallbackBaseOptions}, as
 * `createEdge` takes them: `timeoutMs` is each image's own timer to its load),
 * the routing options (`order`, `exploreAfterMs`, `exploreRate`, `crossTierMs`),
 * plus the image-only ones.
 */
export interface AutoFallbackOptions extends FallbackBaseOptions, RoutingOptions {
  /** Tuning of the breaker created when `health` is not given. */
  breaker?: Omit<HostHealthOptions, "store">;
  /**
   * Persist verdicts in `localStorage` and share them across tabs (default true),
   * so that the next page load rewrites URLs of a CDN found down before the
   * browser requests them. Ignored when `health` is given.
   */
  persist?: boolean;
  /**
   * At most one CORS `HEAD` check per CDN host per this long while the host looks
   * healthy (default 10 s), to catch placeholder images (5xx with an image body);
   * checks are made for the first image of a host (once the page's `load` event
   * fired, at most `timeoutMs` later), and at once while its breaker has failures
   * and after a check found a bad status. 0 turns the checks off.
   * Needs `Access-Control-Allow-Origin` on the CDN's answers, error answers included.
   */
  statusCheckMs?: number;
}

/** A fallback of one image: {@link FallbackEvent} with the element, for RUM. */
export interface ImageFallbackEvent extends FallbackEvent {
  element: HTMLImageElement;
}

/** The host chosen for an image before its request (no URL yet, or its host held back by the breaker), and why: {@link RouteEvent} with the element. */
export interface ImageRouteEvent extends RouteEvent {
  element: HTMLImageElement;
}

/** Events of an {@link AutoFallback} handle. */
export interface AutoFallbackEvents {
  fallback: ImageFallbackEvent;
  recover: RecoverEvent;
  route: ImageRouteEvent;
}

/** What `autoFallback` returns. */
export interface AutoFallback {
  /** Listen to `fallback` or `recover` events; returns the function that stops listening. */
  on<K extends keyof AutoFallbackEvents>(event: K, listener: (value: AutoFallbackEvents[K]) => void): () => void;
  /**
   * The URL to give an image of `key` created now: the first CDN whose breaker is
   * closed, else S3 (for a presign origin, the CDN when no S3 URL is cached).
   * Images made with it never send a request to a CDN already found down.
   */
  src(key: string): string;
  /** The breaker in use (pass it as `health` to `createEdge` to share it). */
  readonly health: HostHealth;
  /** Stop watching: listeners, observer and timers are removed; URLs already rewritten stay. */
  stop(): void;
}

/** Options of the `<head>` script's `autoFallback` (`dist/s3edge-img.global.js`). */
export interface AutoFallbackHeadOptions extends AutoFallbackOptions {
  /**
   * URL of `s3edge-img-full.global.js`, loaded without blocking. Default: next to the
   * `<head>` script; required when that script is inlined.
   */
  script?: string;
}

/** What the `<head>` script's `autoFallback` returns, before and after the full implementation arrives. */
export interface AutoFallbackHead {
  /** Listen to `fallback` or `recover` events (listeners added before the full implementation loads are kept). */
  on<K extends keyof AutoFallbackEvents>(event: K, listener: (value: AutoFallbackEvents[K]) => void): () => void;
  /** The full handle (`src(key)`, `health`...) once `s3edge-img-full.global.js` has run; rejects when it cannot load. */
  readonly ready: Promise<AutoFallback>;
  /** Stop the rewriting here and, once loaded, the full implementation. */
  stop(): void;
}
