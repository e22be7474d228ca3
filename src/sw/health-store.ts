/**
 * Health in the worker: the same verdicts as the pages'. A worker has no
 * `localStorage`, so `browserHealthStore()` shares verdicts over the
 * `s3edge-health` BroadcastChannel there, both ways with the pages; this adds
 * IndexedDB so that a worker that was stopped (browsers stop idle workers
 * within a minute) starts again knowing which CDN is down. Verdicts heard from
 * the pages are kept too, so the worker remembers what any tab learned.
 */
import { browserHealthStore } from "../browser/health-store.js";
import { parseVerdict } from "../core/health-store.js";
import type { HealthStore, HostVerdict } from "../core/health-types.js";
import { idbPersistence, type VerdictPersistence } from "./idb.js";

/** A {@link HealthStore} whose persisted verdicts arrive once `ready` resolves. */
export interface WorkerHealthStore extends HealthStore {
  /** Resolves when the verdicts kept in IndexedDB have been handed to the breaker. */
  readonly ready: Promise<void>;
}

/** Options of {@link workerHealthStore}. */
export interface WorkerHealthStoreOptions {
  /** Where verdicts are kept between worker restarts (default IndexedDB). */
  persistence?: VerdictPersistence;
  /** The store that shares verdicts with the pages (default `browserHealthStore()`: the BroadcastChannel in a worker). */
  shared?: HealthStore;
  /** Clock for expiry (default `Date.now`). */
  now?: () => number;
}

/** The worker's {@link HealthStore}: shared with the pages, kept in IndexedDB. Never throws. */
export function workerHealthStore(options: WorkerHealthStoreOptions = {}): WorkerHealthStore {
  const shared = options.shared ?? browserHealthStore();
  const persistence = options.persistence ?? idbPersistence();
  const now = options.now ?? Date.now;
  const listeners = new Set<(verdict: HostVerdict) => void>();
  const keep = (verdict: HostVerdict): void => void persistence.put(verdict.host, { v: 1, ...verdict }).catch(() => undefined);
  const deliver = (verdict: HostVerdict): void => {
    for (const listener of [...listeners]) listener(verdict);
  };
  shared.subscribe((verdict) => {
    keep(verdict);
    deliver(verdict);
  });
  const ready = persistence.load().then(
    (records) => {
      const t = now();
      for (const record of records) {
        const verdict = parseVerdict(record);
        if (verdict === undefined) continue;
        if (verdict.expires <= t) void persistence.remove(verdict.host).catch(() => undefined);
        else deliver(verdict);
      }
    },
    () => undefined,
  );
  return {
    load: (t) => shared.load(t),
    save(verdict) {
      shared.save(verdict);
      keep(verdict);
    },
    lease: (host, t, ms) => shared.lease(host, t, ms),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready,
  };
}
