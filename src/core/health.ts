/**
 * `createHostHealth`: the per-host circuit breaker (`breaker.ts`: closed, open,
 * half-open with one probe, flap doubling, verdicts persisted and shared through
 * a `store`) with per-host latency estimates on top (`health-latency.ts`), fed
 * by real traffic and persisted through the same store. Shared by `edge.fetch`,
 * `<img>` fallback and React so that one outage is learned once.
 */
import { createBreaker, positive } from "./breaker.js";
import { createLatencyTable } from "./health-latency.js";
import type { HostHealth, HostHealthOptions } from "./health-types.js";

export {
  DEFAULT_HOST_HEALTH,
  type HealthStore,
  type HostHealth,
  type HostHealthOptions,
  type HostLatency,
  type HostState,
  type HostStatus,
  type HostVerdict,
} from "./health-types.js";

/** Create a per-host circuit breaker with latency estimates (see `breaker.ts` for the states). */
export function createHostHealth(options: HostHealthOptions = {}): HostHealth {
  const ttlMs = positive(options, "latencyTtlMs");
  return createBreaker(options, createLatencyTable(options.store, options.now ?? Date.now, ttlMs));
}
