/**
 * Health in the worker: the same verdicts as the pages'. A worker has no
 * `localStorage`, so verdicts are shared with the pages over the
 * `s3edge-health` BroadcastChannel, both ways (what `browserHealthStore()`
 * does where there is no `localStorage`, without its storage code); this adds
 * IndexedDB so that a worker that was stopped (browsers stop idle workers
 * within a minute) starts again knowing which CDN is down. Verdicts heard from
 * the pages are kept too, so the worker remembers what any tab learned.
 */
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
  /** The store that shares verdicts with the pages (default: the `s3edge-health` BroadcastChannel, as `browserHealthStore()` in a worker). */
  shared?: HealthStore;
  /** Clock for expiry (default `Date.now`). */
  now?: () => number;
}

/**
 * Verdicts over the `s3edge-health` BroadcastChannel alone, in the format of
 * `createHealthStore` (`{ v: 1, ...verdict }`). Nothing to load (IndexedDB
 * brings the kept ones) and no lease to hold (nothing shared to hold it in: the
 * worker probes, as a page without storage does). Never throws.
 */
function channelStore(): HealthStore {
  let channel: BroadcastChannel | undefined;
  try {
    channel = new BroadcastChannel("s3edge-health");
    // Node has BroadcastChannel too (unit tests): never keep a process alive for it.
    (channel as { unref?: () => void }).unref?.();
  } catch {
    // No channel: verdicts stay in this worker (and IndexedDB).
  }
  return {
    load: () => [],
    save(verdict) {
      try {
        channel?.postMessage({ v: 1, ...verdict });
      } catch {
        // A closed channel: nothing to share with.
      }
    },
    lease: () => true,
    subscribe(listener) {
      const handler = (event: MessageEvent): void => {
        const verdict = parseVerdict(event.data);
        if (verdict) listener(verdict);
      };
      channel?.addEventListener("message", handler);
      return () => channel?.removeEventListener("message", handler);
    },
  };
}

/** The worker's {@link HealthStore}: shared with the pages, kept in IndexedDB. Never throws. */
export function workerHealthStore(options: WorkerHealthStoreOptions = {}): WorkerHealthStore {
  const shared = options.shared ?? channelStore();
  const persistence = options.persistence ?? idbPersistence();
  const now = options.now ?? Date.now;
  const listeners = new Set<(verdict: HostVerdict) => void>();
  const keep = (verdict: HostVerdict): void =>
    void persistence.put(verdict.host, { v: 1, ...verdict }).catch(() => undefined);
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
