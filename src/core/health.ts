/**
 * Per-host circuit breaker, shared by `edge.fetch`, `<img>` fallback and React so
 * that one outage is learned once.
 *
 * - closed: requests go ahead. `failureThreshold` failures within `windowMs`
 *   (a success in between resets the count) open the breaker.
 * - open: requests skip the host for the cooldown. The first `acquire` after
 *   the cooldown moves to half-open and gets the one probe.
 * - half-open: everyone else skips until the probe reports (success closes,
 *   failure re-opens with a doubled cooldown) or `probeTimeoutMs` passes, which
 *   frees the probe slot for the next caller.
 *
 * Flapping (5xx that come and go every few minutes for hours): re-opening within
 * `flapWindowMs` of the last close doubles the cooldown too, up to
 * `maxCooldownMs`; a healthy period longer than `flapWindowMs` resets it.
 *
 * No timers: the state is derived from the clock when asked, so the breaker is
 * safe in SSR and in tests (inject `now`).
 */
import { InvalidInputError } from "./errors.js";

/** Breaker state of a host. */
export type HostState = "closed" | "open" | "half-open";

/** Tuning of {@link createHostHealth}; every field is optional. */
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
  /** Clock (epoch ms), injectable for tests (default `Date.now`). */
  now?: () => number;
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
}

/** Per-host circuit breaker; see {@link createHostHealth}. */
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
  /** Listener called on every state change (closed->open, open->half-open, half-open->closed/open). Returns unsubscribe. */
  subscribe(listener: (status: HostStatus) => void): () => void;
}

/** Defaults of {@link HostHealthOptions}. */
export const DEFAULT_HOST_HEALTH: Readonly<Required<Omit<HostHealthOptions, "now" | "onListenerError">>> = Object.freeze({
  failureThreshold: 3,
  windowMs: 30_000,
  cooldownMs: 15_000,
  maxCooldownMs: 300_000,
  flapWindowMs: 600_000,
  probeTimeoutMs: 10_000,
});

interface HostRecord {
  state: HostState;
  /** Closed: times of recent failures. Open/half-open: unused (see `openFailures`). */
  failureTimes: number[];
  openFailures: number;
  openedUntil: number;
  /** Cooldown of the current (or last) opening. */
  cooldownMs: number;
  lastClosedAt: number | undefined;
  /** When the current probe was handed out, if one is in flight. */
  probeSince: number | undefined;
  lastReason: string | undefined;
}

function positive(name: string, value: number | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new InvalidInputError(`HostHealth option ${name} must be a positive ${integer ? "integer" : "number"}`);
  }
  return value;
}

/** Create a per-host circuit breaker (see the module documentation for the states). */
export function createHostHealth(options: HostHealthOptions = {}): HostHealth {
  const d = DEFAULT_HOST_HEALTH;
  const threshold = positive("failureThreshold", options.failureThreshold, d.failureThreshold, true);
  const windowMs = positive("windowMs", options.windowMs, d.windowMs);
  const baseCooldown = positive("cooldownMs", options.cooldownMs, d.cooldownMs);
  const maxCooldown = Math.max(baseCooldown, positive("maxCooldownMs", options.maxCooldownMs, d.maxCooldownMs));
  const flapWindowMs = positive("flapWindowMs", options.flapWindowMs, d.flapWindowMs);
  const probeTimeoutMs = positive("probeTimeoutMs", options.probeTimeoutMs, d.probeTimeoutMs);
  const now = options.now ?? Date.now;
  const onListenerError =
    options.onListenerError ??
    ((error: unknown): void => {
      queueMicrotask(() => {
        throw error;
      });
    });

  const hosts = new Map<string, HostRecord>();
  const listeners = new Set<(status: HostStatus) => void>();

  const key = (host: string): string => host.toLowerCase();

  function record(host: string): HostRecord {
    let r = hosts.get(host);
    if (r === undefined) {
      r = {
        state: "closed",
        failureTimes: [],
        openFailures: 0,
        openedUntil: 0,
        cooldownMs: baseCooldown,
        lastClosedAt: undefined,
        probeSince: undefined,
        lastReason: undefined,
      };
      hosts.set(host, r);
    }
    return r;
  }

  /** Cooldown the next opening from closed would use at time t. */
  function nextCooldown(r: HostRecord, t: number): number {
    if (r.lastClosedAt !== undefined && t - r.lastClosedAt <= flapWindowMs) {
      return Math.min(maxCooldown, r.cooldownMs * 2);
    }
    return baseCooldown;
  }

  function snapshot(host: string, r: HostRecord | undefined, t: number): HostStatus {
    if (r === undefined) return { host, state: "closed", failures: 0, cooldownMs: baseCooldown };
    const status: HostStatus = { host, state: r.state, failures: 0, cooldownMs: r.cooldownMs };
    if (r.state === "closed") {
      status.failures = r.failureTimes.filter((at) => t - at < windowMs).length;
      status.cooldownMs = r.lastClosedAt === undefined ? baseCooldown : nextCooldown(r, t);
    } else {
      status.failures = r.openFailures;
      status.openedUntil = r.openedUntil;
    }
    if (r.lastReason !== undefined) status.lastReason = r.lastReason;
    return status;
  }

  function emit(host: string, r: HostRecord, t: number): void {
    const status = snapshot(host, r, t);
    for (const listener of [...listeners]) {
      try {
        listener(status);
      } catch (error) {
        // A broken listener must not break the breaker (nor the other listeners).
        onListenerError(error);
      }
    }
  }

  function open(host: string, r: HostRecord, t: number, cooldown: number): void {
    r.state = "open";
    r.cooldownMs = cooldown;
    r.openedUntil = t + cooldown;
    r.probeSince = undefined;
    r.failureTimes = [];
    emit(host, r, t);
  }

  const api: HostHealth = {
    acquire(rawHost) {
      const host = key(rawHost);
      const r = hosts.get(host);
      if (r === undefined || r.state === "closed") return "try";
      const t = now();
      if (r.state === "open") {
        if (t < r.openedUntil) return "skip";
        r.state = "half-open";
        r.probeSince = t;
        emit(host, r, t);
        return "probe";
      }
      if (r.probeSince !== undefined && t - r.probeSince < probeTimeoutMs) return "skip";
      r.probeSince = t;
      return "probe";
    },

    success(rawHost) {
      const host = key(rawHost);
      const r = hosts.get(host);
      if (r === undefined) return;
      if (r.state === "closed") {
        r.failureTimes = [];
        return;
      }
      // A late success while open does not shorten the cooldown: the probe decides.
      if (r.state === "open") return;
      const t = now();
      r.state = "closed";
      r.failureTimes = [];
      r.openFailures = 0;
      r.probeSince = undefined;
      r.lastClosedAt = t;
      emit(host, r, t);
    },

    failure(rawHost, reason) {
      const host = key(rawHost);
      const r = record(host);
      const t = now();
      if (reason !== undefined) r.lastReason = reason;
      if (r.state === "open") return;
      if (r.state === "half-open") {
        r.openFailures++;
        open(host, r, t, Math.min(maxCooldown, r.cooldownMs * 2));
        return;
      }
      r.failureTimes = r.failureTimes.filter((at) => t - at < windowMs);
      r.failureTimes.push(t);
      if (r.failureTimes.length >= threshold) {
        r.openFailures = r.failureTimes.length;
        open(host, r, t, nextCooldown(r, t));
      }
    },

    usable(rawHost) {
      const r = hosts.get(key(rawHost));
      if (r === undefined || r.state === "closed") return true;
      const t = now();
      if (r.state === "open") return t >= r.openedUntil;
      return r.probeSince === undefined || t - r.probeSince >= probeTimeoutMs;
    },

    report(rawHost, ok, reason) {
      const host = key(rawHost);
      // Past its cool-down an open host is listed first again: whoever loaded from it was in
      // effect its probe, so take the probe slot and let the verdict count.
      if (hosts.get(host)?.state === "open") api.acquire(host);
      if (ok) api.success(host);
      else api.failure(host, reason);
    },

    release(rawHost) {
      const r = hosts.get(key(rawHost));
      if (r !== undefined && r.state === "half-open") r.probeSince = undefined;
    },

    status(rawHost) {
      const host = key(rawHost);
      return snapshot(host, hosts.get(host), now());
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return api;
}
