/**
 * Public types of the per-host circuit breaker (`core/health.ts`) and of the
 * store that persists and shares its verdicts (`core/health-store.ts`), kept
 * apart from the logic so that the API surface reads in one place.
 */
import type { LatencyEstimate } from "./latency.js";

/** Breaker state of a host. */
export type HostState = "closed" | "open" | "half-open";

/** Tuning of `createHostHealth`; every field is optional. */
export interface HostHealthOptions {
  /** Failures within `windowMs` that open the breaker (default 3). */
  failureThreshold?: number;
  /** Window in which failures are counted, in ms (default 30 s). */
  windowMs?: number;
  /** First open period, in ms (default 15 s). */
  cooldownMs?: number;
  /** Cap of the cooldown as it doubles (default 5 min). */
  maxCooldownMs?: number;
  /** Re-opening within this long after the last close doubles the cooldown; a longer healthy period resets it (default 10 min). */
  flapWindowMs?: number;
  /** A half-open probe that never reports frees its slot after this, in ms (default 10 s). */
  probeTimeoutMs?: number;
  /**
   * Where verdicts outlive the page and reach the other tabs (see `createHealthStore`,
   * and `browserHealthStore()` for localStorage + BroadcastChannel). Default: none (this page only).
   */
  store?: HealthStore;
  /** Clock (epoch ms), injectable for tests (default `Date.now`). */
  now?: () => number;
  /** A latency estimate is forgotten this long after its last sample, here and in the store, in ms (default 1 h). */
  latencyTtlMs?: number;
  /** Called when a listener throws (default: rethrow it in a microtask, as `EventTarget` reports listener errors). */
  onListenerError?: (error: unknown) => void;
}

/** Snapshot of a host's breaker. */
export interface HostStatus {
  /** The host (`host[:port]`, lowercase). */
  host: string;
  state: HostState;
  /** Closed: failures within the window. Open/half-open: failures since the breaker opened. */
  failures: number;
  /** While open or half-open: when the current cooldown ends (epoch ms). */
  openedUntil?: number;
  /** Cooldown the breaker uses (open) or would use if it opened now (closed). */
  cooldownMs: number;
  /** Reason given with the last failure, if any. */
  lastReason?: string;
  /** Smoothed time to first byte of the host's recent answers, in ms (when measured). */
  latencyMs?: number;
  /** When the last latency sample arrived (epoch ms). */
  latencyAt?: number;
}

/** Per-host circuit breaker; see `createHostHealth`. */
export interface HostHealth {
  /** "try": go ahead (closed); "probe": go ahead, you are the one half-open probe; "skip": breaker open, do not use this host now. */
  acquire(host: string): "try" | "probe" | "skip";
  /** Report that a request to `host` succeeded. */
  success(host: string): void;
  /** Report that a request to `host` failed (network error, timeout, 5xx...). */
  failure(host: string, reason?: string): void;
  /**
   * Whether `host` should be used now, without taking anything: false while the
   * breaker is open and cooling down, or half-open with its probe in flight.
   * Past the cool-down it is true again (the next {@link HostHealth.acquire} is the probe).
   * Layers that order URLs (`edge.urls`, `edge.src`, `<img>`) ask this.
   */
  usable(host: string): boolean;
  /**
   * Record a result observed outside {@link HostHealth.acquire}, e.g. an `<img>`
   * that loaded or failed from a URL handed out earlier. Past its cool-down an
   * open host's result counts as the half-open probe, so an image can close the breaker.
   */
  report(host: string, ok: boolean, reason?: string): void;
  /** Forget a host's probe slot without a verdict (request cancelled by the caller). */
  release(host: string): void;
  /** Current state of `host` (unknown hosts are closed). */
  status(host: string): HostStatus;
  /**
   * Feed the host's latency estimate with one answer's time to first byte, in ms
   * (`edge.fetch`: time to headers; images: Resource Timing). Persisted with the verdicts.
   * Optional so that breakers written by hand still fit; `createHostHealth` has it.
   */
  observe?(host: string, ms: number): void;
  /** The host's smoothed latency, if measured and not expired (see {@link HostHealth.observe}). */
  latency?(host: string): LatencyEstimate | undefined;
  /** Listener called on every state change (closed->open, open->half-open, half-open->closed/open), including verdicts from other tabs. Returns unsubscribe. */
  subscribe(listener: (status: HostStatus) => void): () => void;
}

/**
 * A breaker verdict as persisted and shared between pages and tabs: a host went
 * down (open until `until`) or came back (closed after a probe).
 */
export interface HostVerdict {
  /** `host[:port]`, lowercase. */
  host: string;
  state: "open" | "closed";
  /** Open: end of the cool-down (epoch ms). Closed: when it closed. */
  until: number;
  /** Cool-down of this opening (open), or of the last one (closed, for flap doubling). */
  cooldownMs: number;
  /** Failures that opened the breaker (0 when closed). */
  failures: number;
  /** When the verdict was reached (epoch ms): a newer verdict replaces an older one. */
  at: number;
  /** Past this (epoch ms) the verdict is forgotten everywhere. */
  expires: number;
  /** Reason of the last failure, at most 64 characters. */
  reason?: string;
}

/**
 * Persistence and sharing of breaker verdicts, used by `createHostHealth({ store })`.
 * Implementations never throw: storage that is missing, full or refused only
 * makes health page-local again.
 */
export interface HealthStore {
  /** Verdicts still in effect at `now` (expired ones are dropped). */
  load(now: number): HostVerdict[];
  /** Persist `verdict` and tell the other tabs. */
  save(verdict: HostVerdict): void;
  /**
   * Take the probe lease of `host` for `ms` (one half-open probe at a time across
   * tabs): true when this page holds it now, false while another page's lease runs.
   */
  lease(host: string, now: number, ms: number): boolean;
  /** Listen to verdicts saved by other pages; returns the function that stops. */
  subscribe(listener: (verdict: HostVerdict) => void): () => void;
  /** Latency estimates still in effect at `now`. Optional: a store without it keeps estimates page-local. */
  loadLatency?(now: number): HostLatency[];
  /** Persist a latency estimate and tell the other pages. */
  saveLatency?(latency: HostLatency): void;
  /** Listen to latency estimates saved by other pages; returns the function that stops. */
  subscribeLatency?(listener: (latency: HostLatency) => void): () => void;
}

/** A host's latency estimate as persisted and shared between pages and tabs. */
export interface HostLatency extends LatencyEstimate {
  /** `host[:port]`, lowercase. */
  host: string;
  /** Past this (epoch ms) the estimate is forgotten everywhere. */
  expires: number;
}

/** Defaults of {@link HostHealthOptions}. */
export const DEFAULT_HOST_HEALTH: Readonly<Required<Omit<HostHealthOptions, "now" | "onListenerError" | "store">>> =
  Object.freeze({
    latencyTtlMs: 3_600_000,
    failureThreshold: 3,
    windowMs: 30_000,
    cooldownMs: 15_000,
    maxCooldownMs: 300_000,
    flapWindowMs: 600_000,
    probeTimeoutMs: 10_000,
  });
