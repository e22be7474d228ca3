/**
 * How the worker orders its S3 origins (primary, replicas) and which breaker it
 * creates. The default is the lean one: the breaker alone (`core/breaker.ts`,
 * no latency estimates) and the configured order with the origins the breaker
 * holds back first (skipped and reported as `circuit-open`, the last one tried
 * as the last resort), as the pages' `order: "configured"`. `latencyRoute()`
 * (`latency-route.ts`) is the opt-in for the pages' latency-aware order.
 */
import { createBreaker } from "../core/breaker.js";
import type { HostHealth, HostHealthOptions } from "../core/health-types.js";
import type { Origins } from "../delivery/origins.js";

/** What a {@link WorkerRoute} knows of the configured hosts. */
export type RouteHosts = Pick<Origins, "cdn" | "origins" | "originHost">;

/** How the worker orders its S3 origins; pass `latencyRoute()` as `route` for the latency-aware order. */
export interface WorkerRoute {
  /** The breaker the worker creates when `health` is not given. */
  breaker(options: HostHealthOptions): HostHealth;
  /** Bind to the worker's hosts and breaker: gives, for one request, the origins' indexes (0: primary) in the order to try them. */
  origins(hosts: RouteHosts, health: HostHealth): () => number[];
}

/** The default route: configured order, held-back origins first. */
export const configuredRoute: WorkerRoute = {
  breaker: createBreaker,
  origins: (hosts, health) => () => {
    const usable = (i: number): number => {
      const host = hosts.originHost(i);
      return host === undefined || health.usable(host) ? 1 : 0;
    };
    return [...Array(hosts.origins).keys()].sort((a, b) => usable(a) - usable(b));
  },
};
