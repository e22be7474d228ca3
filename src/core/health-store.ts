/**
 * Breaker verdicts that outlive the page and reach the other tabs: a
 * {@link HealthStore} over an injected key-value storage (localStorage in
 * pages) and an injected message channel (BroadcastChannel), so that this
 * module does no I/O of its own. `browserHealthStore()` wires the browser's.
 *
 * - One storage entry per host (`<prefix><host>`), so two tabs writing verdicts
 *   of different hosts never overwrite each other; entries carry a format
 *   version and are ignored (and removed) when unreadable or of another version.
 * - Bounded: at most `maxHosts` verdicts; the oldest are dropped first.
 * - Expiry: every verdict says when it stops mattering (`expires`).
 * - Safe: any storage call may throw (Safari private mode, quota, disabled
 *   storage); a failure only makes health page-local.
 * - Latency estimates (`<latencyPrefix><host>`, default `s3edge:latency:v1:`)
 *   sit beside the verdicts under their own prefix, bounded and expiring the
 *   same way; on the channel they travel as `{ kind: "latency", ... }`, which
 *   verdict readers (older copies of the library too) ignore.
 * - The probe lease (`<prefix>lease:<host>`) is best effort: storage is not
 *   transactional across tabs, so two tabs racing within a few milliseconds may
 *   both probe; never more than that.
 */
import type { HealthStore, HostLatency, HostVerdict } from "./health-types.js";
import { parseLatency } from "./latency.js";

export type { HealthStore, HostLatency, HostVerdict } from "./health-types.js";

/** The part of the Web Storage API the store uses (`localStorage` fits). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  key(index: number): string | null;
  readonly length: number;
}

/** A broadcast channel between pages (a `BroadcastChannel` wrapped, or anything that delivers to the other pages). */
export interface ChannelLike {
  post(message: unknown): void;
  /** Listen to messages of the other pages; returns the function that stops. */
  listen(listener: (message: unknown) => void): () => void;
}

/** Options of {@link createHealthStore}. */
export interface HealthStoreOptions {
  /** Where verdicts persist (default: none, verdicts are only broadcast). */
  storage?: StorageLike;
  /** How verdicts reach the other pages at once. */
  channel?: ChannelLike;
  /** Changes other pages made to `storage` (the `storage` event); returns the function that stops. */
  watch?: (listener: (key: string | null, value: string | null) => void) => () => void;
  /** Most verdicts kept (default 20). */
  maxHosts?: number;
  /** Storage key prefix (default `"s3edge:health:v1:"`). */
  prefix?: string;
  /** Storage key prefix of latency estimates (default `"s3edge:latency:v1:"`). */
  latencyPrefix?: string;
  /** Id of this page in probe leases (default random). */
  owner?: string;
}

const VERSION = 1;

/** A verdict read back from storage or a message, or undefined when it is not one of ours. */
export function parseVerdict(value: unknown): HostVerdict | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const numbers = ["until", "cooldownMs", "failures", "at", "expires"].every((name) => Number.isFinite(v[name]));
  if (
    v["v"] !== VERSION ||
    typeof v["host"] !== "string" ||
    (v["state"] !== "open" && v["state"] !== "closed") ||
    !numbers
  ) {
    return undefined;
  }
  const verdict: HostVerdict = {
    host: v["host"],
    state: v["state"],
    until: v["until"] as number,
    cooldownMs: v["cooldownMs"] as number,
    failures: v["failures"] as number,
    at: v["at"] as number,
    expires: v["expires"] as number,
  };
  if (typeof v["reason"] === "string") verdict.reason = v["reason"].slice(0, 64);
  return verdict;
}

/** A latency estimate read back from storage or a message, or undefined when it is not one of ours. */
export function parseHostLatency(value: unknown): HostLatency | undefined {
  const estimate = parseLatency(value);
  if (estimate === undefined) return undefined;
  const v = value as Record<string, unknown>;
  if (
    v["v"] !== VERSION ||
    typeof v["host"] !== "string" ||
    typeof v["expires"] !== "number" ||
    !Number.isFinite(v["expires"])
  )
    return undefined;
  return { host: v["host"], ...estimate, expires: v["expires"] };
}

const json = (text: string | null): unknown => {
  try {
    return text === null ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Create a {@link HealthStore} over injected storage and channel (both optional). */
export function createHealthStore(options: HealthStoreOptions = {}): HealthStore {
  const { storage, channel, watch } = options;
  const prefix = options.prefix ?? "s3edge:health:v1:";
  const latencyPrefix = options.latencyPrefix ?? "s3edge:latency:v1:";
  const leasePrefix = `${prefix}lease:`;
  const maxHosts = Math.max(1, options.maxHosts ?? 20);
  const owner = options.owner ?? Math.random().toString(36).slice(2);

  const get = (key: string): string | null => {
    try {
      return storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  };
  const remove = (key: string): void => {
    try {
      storage?.removeItem(key);
    } catch {
      // Unavailable storage: nothing to remove.
    }
  };
  /** Our keys (verdicts and leases, or latency estimates) in storage. */
  const keys = (under = prefix): string[] => {
    const found: string[] = [];
    try {
      for (let i = 0; storage !== undefined && i < storage.length; i++) {
        const key = storage.key(i);
        if (key?.startsWith(under)) found.push(key);
      }
    } catch {
      // Unavailable storage lists nothing.
    }
    return found;
  };
  /** Records under `under` (leases aside), each with its key; unreadable entries are removed. */
  const records = <T extends { at: number; expires: number }>(
    under: string,
    parse: (value: unknown) => T | undefined,
  ): [string, T][] => {
    const found: [string, T][] = [];
    for (const key of keys(under)) {
      if (key.startsWith(leasePrefix)) continue;
      const record = parse(json(get(key)));
      if (record === undefined) remove(key);
      else found.push([key, record]);
    }
    return found;
  };
  const entries = (): [string, HostVerdict][] => records(prefix, parseVerdict);
  const latencies = (): [string, HostLatency][] => records(latencyPrefix, parseHostLatency);
  /** Keep at most `keep` of `all`, the newest ones. */
  const prune = (all: [string, { at: number }][], keep: number): void => {
    for (const [key] of all.sort((a, b) => b[1].at - a[1].at).slice(keep)) remove(key);
  };
  const set = (key: string, value: string): boolean => {
    if (storage === undefined) return false;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        storage.setItem(key, value);
        return true;
      } catch {
        // Quota: make room by dropping the older half of our verdicts, then try once more.
        if (attempt === 0) prune(entries(), Math.floor(maxHosts / 2));
      }
    }
    return false;
  };

  /** The records still alive at `now`; expired ones are removed from storage. */
  const unexpired = <T extends { expires: number }>(records: [string, T][], now: number): T[] => {
    const alive: T[] = [];
    for (const [key, record] of records) {
      if (record.expires <= now) remove(key);
      else alive.push(record);
    }
    return alive;
  };
  return {
    loadLatency(now) {
      return unexpired(latencies(), now);
    },

    saveLatency(latency) {
      const record = { v: VERSION, ...latency };
      if (set(latencyPrefix + latency.host, JSON.stringify(record)) && keys(latencyPrefix).length > maxHosts)
        prune(latencies(), maxHosts);
      try {
        channel?.post({ kind: "latency", ...record });
      } catch {
        // A closed channel: storage events still carry the estimate.
      }
    },

    subscribeLatency(listener) {
      const offChannel = channel?.listen((value) => {
        const latency = (value as { kind?: unknown } | null)?.kind === "latency" ? parseHostLatency(value) : undefined;
        if (latency !== undefined) listener(latency);
      });
      const offWatch = watch?.((key, value) => {
        const latency = key?.startsWith(latencyPrefix) ? parseHostLatency(json(value)) : undefined;
        if (latency !== undefined) listener(latency);
      });
      return () => {
        offChannel?.();
        offWatch?.();
      };
    },

    load(now) {
      for (const key of keys()) {
        if (!key.startsWith(leasePrefix)) continue;
        const lease = json(get(key)) as { u?: unknown } | undefined;
        if (typeof lease?.u !== "number" || lease.u <= now) remove(key);
      }
      return unexpired(entries(), now);
    },

    save(verdict) {
      const record = { v: VERSION, ...verdict };
      if (set(prefix + verdict.host, JSON.stringify(record)) && keys().length > maxHosts) prune(entries(), maxHosts);
      // A verdict ends the probe this page was leased for.
      const lease = json(get(leasePrefix + verdict.host)) as { o?: unknown } | undefined;
      if (lease?.o === owner) remove(leasePrefix + verdict.host);
      try {
        channel?.post(record);
      } catch {
        // A closed channel: storage events still carry the verdict.
      }
    },

    lease(host, now, ms) {
      if (storage === undefined) return true;
      const key = leasePrefix + host;
      const held = json(get(key)) as { o?: unknown; u?: unknown } | undefined;
      if (held !== undefined && held.o !== owner && typeof held.u === "number" && held.u > now) return false;
      // Unwritable storage cannot coordinate: probe, as a page without a store would.
      if (!set(key, JSON.stringify({ o: owner, u: now + ms }))) return true;
      return (json(get(key)) as { o?: unknown } | undefined)?.o === owner;
    },

    subscribe(listener) {
      const deliver = (value: unknown): void => {
        const verdict = parseVerdict(value);
        if (verdict !== undefined) listener(verdict);
      };
      const offChannel = channel?.listen(deliver);
      const offWatch = watch?.((key, value) => {
        if (key?.startsWith(prefix) && !key.startsWith(leasePrefix)) deliver(json(value));
      });
      return () => {
        offChannel?.();
        offWatch?.();
      };
    },
  };
}
