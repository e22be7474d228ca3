/**
 * The breaker's latency side: per-host estimates (`core/latency.ts`) fed by
 * real traffic, persisted and shared through the same {@link HealthStore} as
 * the verdicts (when it can hold them), with an expiry. No timers, no I/O of its own.
 */
import type { HealthStore, HostLatency } from "./health-types.js";
import { smoothLatency, type LatencyEstimate } from "./latency.js";

/** Per-host latency estimates of one breaker. */
export interface LatencyTable {
  observe(host: string, ms: number): void;
  get(host: string): LatencyEstimate | undefined;
}

/** A saved estimate is saved again only after this long, or when it moved by more than a fifth. */
const SAVE_EVERY_MS = 5_000;

/** Estimates of lowercase hosts, kept `ttlMs` after their last sample. */
export function createLatencyTable(store: HealthStore | undefined, now: () => number, ttlMs: number): LatencyTable {
  const table = new Map<string, LatencyEstimate>();
  const saved = new Map<string, LatencyEstimate>();
  const take = (l: HostLatency): void => {
    const host = l.host.toLowerCase();
    const mine = table.get(host);
    if (mine === undefined || l.at > mine.at) table.set(host, { ms: l.ms, at: l.at, samples: l.samples });
  };
  if (store?.loadLatency) for (const l of store.loadLatency(now())) take(l);
  store?.subscribeLatency?.(take);

  return {
    observe(host, ms) {
      const t = now();
      const next = smoothLatency(table.get(host), ms, t);
      if (next === undefined) return;
      table.set(host, next);
      const last = saved.get(host);
      if (
        store?.saveLatency &&
        (last === undefined || t - last.at >= SAVE_EVERY_MS || Math.abs(next.ms - last.ms) > last.ms / 5)
      ) {
        saved.set(host, next);
        store.saveLatency({ host, ...next, expires: t + ttlMs });
      }
    },
    get(host) {
      const e = table.get(host);
      if (e !== undefined && now() - e.at >= ttlMs) {
        table.delete(host);
        return undefined;
      }
      return e;
    },
  };
}
