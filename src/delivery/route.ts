/**
 * The hosts of one request in the order to try them: the configured CDNs and S3
 * origins (`hosts.ts`), the breaker's verdicts and latency estimates (`core/health.ts`),
 * ordered by `core/host-order.ts`. Shared by `edge.fetch`, `edge.urls`/`src`,
 * the DOM layer and the service worker; no ky.
 */
import type { HostHealth } from "../core/health.js";
import {
  createHostOrder,
  type HostOrder,
  type OrderEntry,
  type RouteReason,
  type RoutingOptions,
} from "../core/host-order.js";
import { hostOf } from "../core/urls.js";
import type { Origins } from "./origins.js";
import type { EdgeSource } from "./types.js";

/**
 * Whether an S3 origin that is not the last to try answered "not here yet": a
 * replica behind on Cross-Region Replication answers 404 (403 without list
 * permission). The walk moves on without a breaker verdict against that host.
 */
export const notReplicatedYet = (status: number): boolean => status === 403 || status === 404;

/** A configured host: a CDN (index into `hosts.cdn`) or an S3 origin (index into the origins). */
export interface Target {
  source: EdgeSource;
  index: number;
  /** `host[:port]` when known (a presign origin's only after its first URL). */
  host: string | undefined;
}

/** One request's order. */
export interface Plan {
  /** Hosts the breaker lets through, in the order to try them. */
  usable: Target[];
  /**
   * For a fallback walk, where the breaker is asked again and held-back hosts are
   * skipped (and reported as `circuit-open`): each tier's held-back hosts, then its
   * usable ones in order, CDNs then origins; with `crossTierMs`, the held-back
   * CDNs, the usable hosts, then the held-back origins.
   */
  walk: Target[];
  /** For a list of URLs: usable hosts in order, then the held-back origins, then the held-back CDNs. */
  list: Target[];
  /** Why `walk[0]` comes first (when it is usable). */
  reason: RouteReason;
}

/** Plans requests over an edge's hosts. */
export interface Router {
  /** The order of one request; `peek`: only to look (no exploration is spent). */
  plan(peek?: boolean): Plan;
  /** The ordering, for its exploration count. */
  readonly order: HostOrder;
}

/** Bind an ordering to `hosts` and `health`; `routing.now` is the clock of exploration (default `Date.now`). */
export function createRouter(
  hosts: Pick<Origins, "cdn" | "origins" | "originHost">,
  health: HostHealth,
  routing: RoutingOptions,
): Router {
  const now = routing.now ?? Date.now;
  const order = createHostOrder(routing);
  const crossed = routing.crossTierMs !== undefined && routing.order !== "configured";
  const cdnHosts = hosts.cdn.map((base) => hostOf(base));
  const entry = (host: string | undefined, tier: number): OrderEntry => ({
    host,
    tier,
    usable: host === undefined || health.usable(host),
    latency: host === undefined ? undefined : health.latency?.(host),
  });
  return {
    order,
    plan(peek = false) {
      const targets: Target[] = [
        ...cdnHosts.map((host, index): Target => ({ source: "cdn", index, host })),
        ...Array.from(
          { length: hosts.origins },
          (_, index): Target => ({ source: "s3", index, host: hosts.originHost(index) }),
        ),
      ];
      const route = order.route(
        targets.map((t) => entry(t.host, t.source === "cdn" ? 0 : 1)),
        now(),
        peek,
      );
      const pick = (indexes: number[]): Target[] => indexes.map((i) => targets[i] as Target);
      const held = pick(route.unusable);
      const heldCdn = held.filter((t) => t.source === "cdn");
      const heldS3 = held.filter((t) => t.source === "s3");
      const usable = pick(route.usable);
      const walk = crossed
        ? [...heldCdn, ...usable, ...heldS3]
        : [
            ...heldCdn,
            ...usable.filter((t) => t.source === "cdn"),
            ...heldS3,
            ...usable.filter((t) => t.source === "s3"),
          ];
      return { usable, walk, list: [...usable, ...heldS3, ...heldCdn], reason: route.reason };
    },
  };
}
