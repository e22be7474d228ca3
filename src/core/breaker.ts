/**
 * Per-host circuit breaker, the state machine: shared by `edge.fetch`, `<img>`
 * fallback, React and the service worker so that one outage is learned once.
 * `createHostHealth` (`health.ts`) adds latency estimates on top; the service
 * worker uses this layer alone.
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
 *
 * Health that outlives the page: with a `store`, every verdict (opened until T,
 * closed again) is persisted and shared with the other tabs, and the breaker
 * starts from the verdicts still in effect, so the next page load skips a dead
 * host before requesting anything from it. Past a cool-down, the store's probe
 * lease lets one tab probe while the others keep skipping. The failure count of
 * a closed host stays per page.
 */
import { ConfigError } from "./errors.js";
import { notify } from "./observable.js";
import type { LatencyTable } from "./health-latency.js";
import {
  DEFAULT_HOST_HEALTH,
  type HostHealth,
  type HostHealthOptions,
  type HostState,
  type HostStatus,
  type HostVerdict,
} from "./health-types.js";

interface HostRecord {
  state: HostState;
  /** Closed: times of recent failures. Open/half-open: unused (see `openFailures`). */
  failureTimes: number[];
  openFailures: number;
  openedUntil: number;
  /** Cooldown of the current (or last) opening. */
  cooldownMs: number;
  lastClosedAt?: number | undefined;
  /** When the current probe was handed out, if one is in flight. */
  probeSince?: number | undefined;
  lastReason?: string | undefined;
  /** When the last verdict was reached (here or in another tab): older shared verdicts are ignored. */
  changedAt: number;
}

/** A positive option of the breaker (`ConfigError` naming it otherwise). */
export function positive<K extends keyof typeof DEFAULT_HOST_HEALTH>(
  options: HostHealthOptions,
  name: K,
  integer = false,
): number {
  const value = options[name];
  if (value === undefined) return DEFAULT_HOST_HEALTH[name];
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new ConfigError(
      name,
      `createHostHealth: ${name} must be a positive ${integer ? "integer" : "number"}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * The breaker itself (see the module documentation for the states), without
 * latency estimates unless `latency` is given: `createHostHealth` gives it one.
 * The service worker uses it bare.
 */
export function createBreaker(options: HostHealthOptions = {}, latency?: LatencyTable): HostHealth {
  const threshold = positive(options, "failureThreshold", true);
  const windowMs = positive(options, "windowMs");
  const baseCooldown = positive(options, "cooldownMs");
  const maxCooldown = Math.max(baseCooldown, positive(options, "maxCooldownMs"));
  const flapWindowMs = positive(options, "flapWindowMs");
  const probeTimeoutMs = positive(options, "probeTimeoutMs");
  const now = options.now ?? Date.now;
  const store = options.store;

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
        changedAt: Number.NEGATIVE_INFINITY,
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
    const status: HostStatus = {
      host,
      state: r?.state ?? "closed",
      failures: 0,
      cooldownMs: r?.cooldownMs ?? baseCooldown,
    };
    const estimate = latency?.get(host);
    if (estimate !== undefined) Object.assign(status, { latencyMs: Math.round(estimate.ms), latencyAt: estimate.at });
    if (r === undefined) return status;
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

  /** Tell the listeners; a broken one breaks neither the breaker nor the others. */
  function emit(host: string, r: HostRecord, t: number): void {
    notify(listeners, snapshot(host, r, t), options.onListenerError);
  }

  function open(host: string, r: HostRecord, t: number, cooldown: number): void {
    r.state = "open";
    r.cooldownMs = cooldown;
    r.openedUntil = t + cooldown;
    r.probeSince = undefined;
    r.failureTimes = [];
    persist(host, r, t);
    emit(host, r, t);
  }

  /** Share the verdict just reached (open until T, or closed). */
  function persist(host: string, r: HostRecord, t: number): void {
    r.changedAt = t;
    if (store === undefined) return;
    const open = r.state !== "closed";
    const until = open ? r.openedUntil : t;
    const verdict: HostVerdict = {
      host,
      state: open ? "open" : "closed",
      until,
      cooldownMs: r.cooldownMs,
      failures: open ? r.openFailures : 0,
      at: t,
      // Past its cool-down an open verdict still tells the next page to probe with one request;
      // a closed one remembers the last cool-down for flap doubling. Both as long as flapWindowMs.
      expires: until + flapWindowMs,
    };
    if (open && r.lastReason !== undefined) verdict.reason = r.lastReason.slice(0, 64);
    store.save(verdict);
  }

  /** Take in a verdict from the store (at start, or from another tab); `tell` the listeners of a change. */
  function apply(verdict: HostVerdict, tell: boolean): void {
    const host = key(verdict.host);
    const r = record(host);
    if (!(verdict.at > r.changedAt)) return;
    const before = r.state;
    r.changedAt = verdict.at;
    r.failureTimes = [];
    r.probeSince = undefined;
    r.cooldownMs = verdict.cooldownMs;
    if (verdict.state === "open") {
      r.state = "open";
      r.openedUntil = verdict.until;
      r.openFailures = verdict.failures;
      if (verdict.reason !== undefined) r.lastReason = verdict.reason;
    } else {
      r.state = "closed";
      r.openFailures = 0;
      r.lastClosedAt = verdict.until;
    }
    if (tell && (before !== r.state || r.state === "open")) emit(host, r, now());
  }

  /** One probe across tabs: without a store, this page's slot is the only one. */
  const leased = (host: string, t: number): boolean => store === undefined || store.lease(host, t, probeTimeoutMs);

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
        return leased(host, t) ? "probe" : "skip";
      }
      if (r.probeSince !== undefined && t - r.probeSince < probeTimeoutMs) return "skip";
      // Another tab's probe in flight counts as ours: skip until its verdict or our own slot's timeout.
      r.probeSince = t;
      return leased(host, t) ? "probe" : "skip";
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
      persist(host, r, t);
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
  if (latency) {
    api.observe = (host, ms) => latency.observe(key(host), ms);
    api.latency = (host) => latency.get(key(host));
  }
  if (store !== undefined) {
    for (const verdict of store.load(now())) apply(verdict, false);
    store.subscribe((verdict) => apply(verdict, true));
  }
  return api;
}
