/**
 * The hosts an image may load from, as candidate indexes: `0..cdn-1` are the
 * CDNs, `cdn..cdn+origins-1` the S3 origins. Which one an image goes to next
 * follows the edge's order (`delivery/route.ts`: CDNs, then origins, fastest
 * healthy first), skipping those it already tried and those the breaker holds back.
 */
import type { HostHealth } from "../core/health-types.js";
import type { RouteReason } from "../core/host-order.js";
import { hostOf } from "../core/urls.js";
import type { Hosts } from "../delivery/hosts.js";
import { createRouter, type Target } from "../delivery/route.js";
import type { RoutingOptions } from "../delivery/types.js";

/** Candidate choice for images. */
export interface Candidates {
  count: number;
  /** Which candidate to move an image to after it tried `tried`; undefined when nothing is left. */
  next(tried: ReadonlySet<number>): { index: number; reason: RouteReason } | undefined;
  /** The first candidate for an image, and why. */
  first(): { index: number; reason: RouteReason };
  /** Host of candidate `index` when known. */
  host(index: number): string | undefined;
  /** Whether candidate `index` is an S3 origin other than the last of the order (a 404 there means "not replicated yet"). */
  replica(index: number): boolean;
  /** S3 base of the origin images should go to when their CDN is down (for the `<head>` script). */
  preferredBase(): string | undefined;
  /** Requests sent to a host to measure it. */
  explorations(): number;
  /** The URL of `key` on candidate `index` when it can be had synchronously. */
  urlOn(index: number, key: string): string | undefined;
  /** The URL `url` (of an image of `key`) has on candidate `index`; undefined leaves it as is (not one of ours). */
  mapUrl(url: string, index: number, key: string): string | undefined;
  /** Candidate of a URL of ours: the CDN whose base it is under, else the origin of its host (the primary when unknown); -1 for neither. */
  indexOf(url: string): number;
  /** Tell the `<head>` script of later page loads which origin to send images of a down CDN to (when it changed). */
  remember(): void;
}

/** Candidates over `hosts`, ordered with `health`'s verdicts and estimates. */
export function createCandidates(hosts: Hosts, health: HostHealth, routing: RoutingOptions): Candidates {
  const router = createRouter(hosts, health, routing);
  const count = hosts.cdn.length;
  const cdnHosts = hosts.cdn.map((base) => hostOf(base));
  const indexOf = (t: Target): number => (t.source === "cdn" ? t.index : count + t.index);
  const host = (index: number): string | undefined =>
    index < count ? cdnHosts[index] : hosts.originHost(index - count);
  const bases = hosts.cdn;
  const baseOf = (url: string): number => bases.findIndex((base) => url.startsWith(`${base}/`));
  const preferredBase = (): string | undefined => {
    const t = router.plan(true).list.find((x) => x.source === "s3" && hosts.originBase(x.index) !== undefined);
    return t && hosts.originBase(t.index);
  };
  let remembered: string | undefined;
  return {
    count,
    host,
    next(tried) {
      const plan = router.plan();
      const walk = plan.walk.map(indexOf).filter((i) => !tried.has(i));
      const last = walk.filter((i) => i >= count).at(-1);
      for (const index of walk) {
        const h = host(index);
        if (h === undefined || index === last || health.acquire(h) !== "skip") {
          return {
            index,
            reason: plan.usable[0] !== undefined && indexOf(plan.usable[0]) === index ? plan.reason : "health",
          };
        }
      }
      return undefined;
    },
    first() {
      const plan = router.plan();
      const t = plan.usable[0] ?? plan.walk[plan.walk.length - 1];
      return { index: t === undefined ? count : indexOf(t), reason: plan.reason };
    },
    replica(index) {
      if (index < count) return false;
      const order = router.plan(true).walk.filter((t) => t.source === "s3");
      const last = order[order.length - 1];
      return last !== undefined && indexOf(last) !== index;
    },
    preferredBase,
    explorations: () => router.order.explorations,
    urlOn: (index, key) => (index < count ? hosts.cdnUrl(index, key) : hosts.originUrlNow(index - count, key)),
    mapUrl(url, index, key) {
      const from = baseOf(url);
      if (from < 0 && hosts.sourceOf(url) !== "s3") return undefined;
      if (index < count)
        return from < 0
          ? hosts.cdnUrl(index, hosts.keyOf(url) ?? key)
          : bases[index] + url.slice((bases[from] ?? "").length);
      return hosts.originUrlNow(index - count, hosts.keyOf(url) ?? key);
    },
    indexOf(url) {
      const cdn = baseOf(url);
      if (cdn >= 0) return cdn;
      if (hosts.sourceOf(url) !== "s3") return -1;
      let h: string | undefined;
      try {
        h = hostOf(url);
      } catch {
        return -1;
      }
      for (let i = 0; i < hosts.origins; i++) if (hosts.originHost(i) === h) return count + i;
      return count;
    },
    remember() {
      const s3Base = preferredBase();
      if (s3Base === undefined || s3Base === remembered) return;
      remembered = s3Base;
      try {
        for (const base of bases) localStorage.setItem(`s3edge:img:v1:${base}`, s3Base);
      } catch {
        // No storage: the next page load relearns (the breaker is page-local then too).
      }
    },
  };
}
