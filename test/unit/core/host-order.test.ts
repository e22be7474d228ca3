/**
 * The ordering on its own: injected clock (the `now` argument) and random source.
 */
import { describe, expect, it } from "vitest";
import { checkRouting, createHostOrder, type OrderEntry } from "../../../src/core/host-order.js";
import type { LatencyEstimate } from "../../../src/core/latency.js";

const est = (ms: number, at = 1_000): LatencyEstimate => ({ ms, at, samples: 5 });
const cdn = (host: string, latency?: LatencyEstimate, usable = true): OrderEntry => ({
  host,
  tier: 0,
  usable,
  latency,
});
const s3 = (host: string, latency?: LatencyEstimate, usable = true): OrderEntry => ({ host, tier: 1, usable, latency });
const never = () => 0.999;

describe("host order", () => {
  it("is the configured order until there is data", () => {
    const order = createHostOrder({ random: never });
    const route = order.route([cdn("a"), cdn("b"), s3("r1"), s3("r2")], 1_000);
    expect(route).toEqual({ usable: [0, 1, 2, 3], unusable: [], reason: "order" });
    expect(order.explorations).toBe(0);
  });

  it("puts the clearly faster host of a tier first, and says so", () => {
    const order = createHostOrder({ random: never });
    const route = order.route(
      [cdn("far", est(80)), cdn("near", est(20)), s3("r1", est(150)), s3("r2", est(40))],
      1_000,
    );
    expect(route.usable).toEqual([1, 0, 3, 2]);
    expect(route.reason).toBe("latency");
  });

  it("keeps the configured order for ties (within 10 ms or 20 %) and for hosts without an estimate", () => {
    const order = createHostOrder({ random: never });
    expect(order.route([cdn("a", est(50)), cdn("b", est(45))], 1_000).usable).toEqual([0, 1]);
    expect(order.route([cdn("a"), cdn("b", est(5))], 1_000).usable).toEqual([0, 1]);
  });

  it("never moves an S3 origin before a CDN unless crossTierMs is set", () => {
    const entries = [cdn("far-cdn", est(300)), s3("near-region", est(40))];
    expect(createHostOrder({ random: never }).route(entries, 1_000).usable).toEqual([0, 1]);
    const crossed = createHostOrder({ random: never, crossTierMs: 50 }).route(entries, 1_000);
    expect(crossed).toMatchObject({ usable: [1, 0], reason: "latency" });
    // 40 + 50 is not clearly below 100: the CDN stays first.
    expect(
      createHostOrder({ random: never, crossTierMs: 50 }).route([cdn("c", est(100)), s3("r", est(40))], 1_000).usable,
    ).toEqual([0, 1]);
  });

  it("skips hosts the breaker holds back, naming health as the reason", () => {
    const order = createHostOrder({ random: never });
    const route = order.route([cdn("a", est(10), false), cdn("b", est(80)), s3("r1", est(150))], 1_000);
    expect(route).toEqual({ usable: [1, 2], unusable: [0], reason: "health" });
    const regions = order.route(
      [cdn("a", undefined, false), cdn("b", undefined, false), s3("r1", est(150), false), s3("r2", est(40))],
      1_000,
    );
    expect(regions).toEqual({ usable: [3], unusable: [0, 1, 2], reason: "health" });
  });

  it("with order: configured, ignores latency and never explores", () => {
    const order = createHostOrder({ order: "configured", random: () => 0 });
    const route = order.route([cdn("far", est(80)), cdn("near")], 100_000);
    expect(route).toEqual({ usable: [0, 1], unusable: [], reason: "order" });
    expect(order.explorations).toBe(0);
  });

  it("measures a never-tried host of the leading tier once the leader has an estimate, then not again for exploreAfterMs", () => {
    const order = createHostOrder({ random: never, exploreAfterMs: 60_000 });
    const entries = [s3("far", est(150, 1_000)), s3("near")];
    expect(order.route([s3("far"), s3("near")], 500)).toMatchObject({ usable: [0, 1], reason: "order" });
    expect(order.route(entries, 1_000)).toMatchObject({ usable: [1, 0], reason: "explore" });
    expect(order.route(entries, 1_001)).toMatchObject({ usable: [0, 1], reason: "order" });
    expect(order.route(entries, 61_000)).toMatchObject({ usable: [0, 1], reason: "order" });
    expect(order.route(entries, 61_002)).toMatchObject({ usable: [1, 0], reason: "explore" });
    expect(order.explorations).toBe(2);
  });

  it("explores as soon as the leader was sent a request, before any estimate (a page whose images all start at once)", () => {
    const order = createHostOrder({ random: never });
    const entries = [s3("far"), s3("near")];
    expect(order.route(entries, 0, true).reason).toBe("order"); // a peek sends nothing
    expect(order.route(entries, 0, true).reason).toBe("order");
    expect(order.route(entries, 0)).toMatchObject({ usable: [0, 1], reason: "order" });
    expect(order.route(entries, 1)).toMatchObject({ usable: [1, 0], reason: "explore" });
    expect(order.route(entries, 2)).toMatchObject({ usable: [0, 1], reason: "order" });
  });

  it("re-measures a host whose estimate is older than exploreAfterMs (a recovering host), and only in the leading tier", () => {
    const order = createHostOrder({ random: never, exploreAfterMs: 10_000 });
    const entries = [cdn("near", est(20, 50_000)), cdn("far", est(80, 1_000)), s3("r1", est(150, 1_000)), s3("r2")];
    expect(order.route(entries, 50_000)).toMatchObject({ usable: [1, 0, 2, 3], reason: "explore" });
    // Only the CDN tier is explored while a CDN is usable: the regions are not in use.
    expect(order.route(entries, 50_001)).toMatchObject({ usable: [0, 1, 2, 3], reason: "order" });
    expect(order.explorations).toBe(1);
  });

  it("explores the least recently measured other host with probability exploreRate", () => {
    const draws = [0.5, 0.005];
    const order = createHostOrder({ random: () => draws.shift() ?? 1, exploreRate: 0.01 });
    const entries = [cdn("a", est(20, 5_000)), cdn("b", est(80, 4_000)), cdn("c", est(90, 3_000))];
    expect(order.route(entries, 5_000).reason).toBe("order");
    expect(order.route(entries, 5_000)).toMatchObject({ usable: [2, 0, 1], reason: "explore" });
    expect(order.explorations).toBe(1);
  });

  it("checks its options, naming the one at fault", () => {
    const fail = (option: string, message: string) => new Error(`${option}: ${message}`);
    expect(() => checkRouting({ order: "fastest" as "latency" }, fail)).toThrow(/^order:/);
    expect(() => checkRouting({ exploreAfterMs: 0 }, fail)).toThrow(/^exploreAfterMs:/);
    expect(() => checkRouting({ exploreRate: 2 }, fail)).toThrow(/^exploreRate:/);
    expect(() => checkRouting({ crossTierMs: -1 }, fail)).toThrow(/^crossTierMs:/);
  });
});
