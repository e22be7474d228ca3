/**
 * Latency-aware host order: which configured host a request tries first, and
 * why. Pure: the clock and the random source are injected, and the caller says
 * which hosts the breaker lets through and what their latency estimates are.
 *
 * - Tiers: CDNs (tier 0), then S3 origins (tier 1). A host never moves to
 *   another tier unless `crossTierMs` is set.
 * - Within a tier, usable hosts go fastest first; a host is moved ahead of an
 *   earlier one only when it is clearly faster (`clearlyFaster`: > 10 ms and
 *   > 20 %). A host without an estimate ties with every host, so the
 *   configured order holds until there is data.
 * - Exploration, bounded: once the leading host has an estimate or was sent a
 *   request (so that a page whose images all start at once still measures), a usable host
 *   of the leading tier whose estimate is missing or older than
 *   `exploreAfterMs` gets the next request (then not again for
 *   `exploreAfterMs`), so a never-tried or recovering host is measured; and
 *   with probability `exploreRate`, a request goes to the least recently
 *   measured other host of the tier.
 */
import { clearlyFaster, type LatencyEstimate } from "./latency.js";

/** Why a request went to the host it tried first. */
export type RouteReason = "health" | "latency" | "order" | "explore";

/** One configured host as the ordering sees it (in configured order, CDNs first). */
export interface OrderEntry {
  /** `host[:port]`; undefined while unknown (a presign origin before its first URL). */
  host: string | undefined;
  /** 0: CDNs, 1: S3 origins. */
  tier: number;
  /** Whether the breaker lets the host be used now. */
  usable: boolean;
  latency: LatencyEstimate | undefined;
}

/** The order of one request: indexes into the entries. */
export interface Route {
  /** Usable entries, in the order to try them. */
  usable: number[];
  /** Entries the breaker holds back, in configured order. */
  unusable: number[];
  /** Why `usable[0]` comes first. */
  reason: RouteReason;
}

/** How hosts are ordered; every field is optional. */
export interface RoutingOptions {
  /** `"latency"` (default): fastest healthy host first within each tier; `"configured"`: the configured order, healthy hosts first. */
  order?: "latency" | "configured";
  /** An estimate older than this is stale: the host gets one request to be measured again, at most once per this long, in ms (default 60 000). */
  exploreAfterMs?: number;
  /** Share of requests sent to the least recently measured other host of the tier, 0..1 (default 0.01). */
  exploreRate?: number;
  /**
   * Cross tiers: an S3 origin goes before a CDN when its estimate plus this many
   * ms is still clearly lower than the CDN's (e.g. a near region over a far CDN).
   * Default: never (CDNs always first).
   */
  crossTierMs?: number;
  /** Random source in [0, 1) (default `Math.random`), injectable for tests. */
  random?: () => number;
  /** Clock of exploration (epoch ms), the same as the breaker's: default the breaker's `now` when given as a breaker option, else `Date.now`. */
  now?: () => number;
}

/** Default exploration period, in ms. */
export const DEFAULT_EXPLORE_AFTER_MS = 60_000;
/** Default exploration rate. */
export const DEFAULT_EXPLORE_RATE = 0.01;

/** Ordering with memory of its explorations; see the module documentation. */
export interface HostOrder {
  /** Order `entries` (configured order, CDNs first) for one request at time `now`; `peek`: no exploration (no request will follow). */
  route(entries: OrderEntry[], now: number, peek?: boolean): Route;
  /** Requests sent to a host to measure it (the price of exploration). */
  readonly explorations: number;
}

/** Check routing options; `fail(option, message)` builds the caller's error. */
export function checkRouting(
  options: RoutingOptions,
  fail: (option: string, message: string) => Error,
): Required<Omit<RoutingOptions, "crossTierMs" | "now">> & Pick<RoutingOptions, "crossTierMs" | "now"> {
  const {
    order = "latency",
    exploreAfterMs = DEFAULT_EXPLORE_AFTER_MS,
    exploreRate = DEFAULT_EXPLORE_RATE,
    crossTierMs,
    random = Math.random,
  } = options;
  if (order !== "latency" && order !== "configured")
    throw fail("order", `order must be "latency" or "configured", got ${JSON.stringify(String(order))}`);
  if (typeof exploreAfterMs !== "number" || !(exploreAfterMs > 0))
    throw fail("exploreAfterMs", `exploreAfterMs must be a number of milliseconds > 0, got ${String(exploreAfterMs)}`);
  if (typeof exploreRate !== "number" || !(exploreRate >= 0 && exploreRate <= 1))
    throw fail("exploreRate", `exploreRate must be a number from 0 to 1, got ${String(exploreRate)}`);
  if (crossTierMs !== undefined && (typeof crossTierMs !== "number" || !(crossTierMs >= 0))) {
    throw fail("crossTierMs", `crossTierMs must be a number of milliseconds >= 0, got ${String(crossTierMs)}`);
  }
  if (typeof random !== "function") throw fail("random", "random must be a function returning a number in [0, 1)");
  if (options.now !== undefined && typeof options.now !== "function")
    throw fail("now", "now must be a function returning epoch ms");
  return {
    order,
    exploreAfterMs,
    exploreRate,
    random,
    ...(crossTierMs !== undefined && { crossTierMs }),
    ...(options.now && { now: options.now }),
  };
}

/** Insert each index in turn before the first one it is clearly faster than (stable for ties). */
function fastestFirst(indexes: number[], estimate: (i: number) => LatencyEstimate | undefined): number[] {
  const out: number[] = [];
  for (const i of indexes) {
    const at = out.findIndex((j) => clearlyFaster(estimate(i), estimate(j)));
    if (at < 0) out.push(i);
    else out.splice(at, 0, i);
  }
  return out;
}

/** Create an ordering (options as checked by {@link checkRouting}, or raw: they are checked here too). */
export function createHostOrder(options: RoutingOptions = {}): HostOrder {
  const o = checkRouting(options, (_option, message) => new RangeError(message));
  /** When each host was last sent a request to measure it. */
  const explored = new Map<string, number>();
  /** Hosts that went first at least once (a request was sent to them). */
  const sent = new Set<string>();
  let explorations = 0;

  const explore = (group: number[], entries: OrderEntry[], now: number): number | undefined => {
    const leader = entries[group[0] as number];
    if (group.length < 2 || leader === undefined || (leader.latency === undefined && !sent.has(leader.host ?? "")))
      return undefined;
    const others = group.slice(1).filter((i) => entries[i]?.host !== undefined);
    const age = (i: number): number => entries[i]?.latency?.at ?? Number.NEGATIVE_INFINITY;
    const due = others.filter((i) => {
      const e = entries[i] as OrderEntry;
      const last = explored.get(e.host as string);
      return now - age(i) > o.exploreAfterMs && (last === undefined || now - last > o.exploreAfterMs);
    });
    let pick = due[0];
    if (pick === undefined && others.length > 0 && o.exploreRate > 0 && o.random() < o.exploreRate) {
      pick = others.reduce((a, b) => (age(b) < age(a) ? b : a));
    }
    if (pick !== undefined) {
      explored.set(entries[pick]?.host as string, now);
      explorations++;
    }
    return pick;
  };

  return {
    get explorations() {
      return explorations;
    },
    route(entries, now, peek = false) {
      const all = entries.map((_, i) => i);
      const usable = all.filter((i) => entries[i]?.usable);
      const unusable = all.filter((i) => !entries[i]?.usable);
      const firstUsable = usable[0];
      let order: number[];
      let lead: number[];
      if (o.order === "configured") {
        order = usable;
        lead = [];
      } else if (o.crossTierMs !== undefined) {
        const penalty = o.crossTierMs;
        const estimate = (i: number): LatencyEstimate | undefined => {
          const e = entries[i];
          return e?.latency && (e.tier > 0 ? { ...e.latency, ms: e.latency.ms + penalty } : e.latency);
        };
        order = fastestFirst(usable, estimate);
        lead = order;
      } else {
        const tiers = [...new Set(usable.map((i) => entries[i]?.tier ?? 0))].sort((a, b) => a - b);
        const groups = tiers.map((tier) =>
          fastestFirst(
            usable.filter((i) => entries[i]?.tier === tier),
            (i) => entries[i]?.latency,
          ),
        );
        order = groups.flat();
        lead = groups[0] ?? [];
      }
      const explore_ = o.order === "configured" || peek ? undefined : explore(lead, entries, now);
      if (explore_ !== undefined) order = [explore_, ...order.filter((i) => i !== explore_)];
      const first = order[0];
      const firstHost = first === undefined ? undefined : entries[first]?.host;
      if (!peek && firstHost !== undefined) sent.add(firstHost);
      const reason: RouteReason =
        explore_ !== undefined
          ? "explore"
          : first === undefined || first === 0
            ? "order"
            : first === firstUsable
              ? "health"
              : "latency";
      return { usable: order, unusable, reason };
    },
  };
}
