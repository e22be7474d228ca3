/**
 * `latencyRoute()`: the worker orders its S3 origins as the pages do (issue 21):
 * fastest healthy origin first by the breaker's latency estimates, with bounded
 * exploration (`core/host-order.ts` through `delivery/route.ts`). Opt-in, so
 * that a worker with one origin does not carry the ordering (1.3 kB gzip).
 */
import { ConfigError } from "../core/errors.js";
import { createHostHealth } from "../core/health.js";
import { checkRouting, type RoutingOptions } from "../core/host-order.js";
import { createRouter } from "../delivery/route.js";
import type { WorkerRoute } from "./route.js";

/**
 * The latency-aware order of the S3 origins (primary, replicas) for
 * `registerEdgeFallback({ route })`, and a breaker that measures the hosts'
 * latency. `routing` is `createEdge`'s (`order`, `exploreAfterMs`, `exploreRate`, `random`, `now`).
 *
 * @example
 * registerEdgeFallback({ cdn, origin: [primary, replica], route: latencyRoute() });
 */
export function latencyRoute(routing: RoutingOptions = {}): WorkerRoute {
  const checked = checkRouting(routing, (name, m) => new ConfigError(name, `latencyRoute: ${m}`));
  return {
    breaker: createHostHealth,
    origins(hosts, health) {
      const router = createRouter(hosts, health, checked);
      return () => router.plan().walk.flatMap((t) => (t.source === "s3" ? [t.index] : []));
    },
  };
}
