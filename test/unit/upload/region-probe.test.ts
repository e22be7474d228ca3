/**
 * The nearest-target probe with its platform injected (measurements, clock, storage): which
 * target it prefers, what it does with unreachable targets, that it waits only when it knows
 * nothing (and then at most its budget), and its cache across page loads.
 */
import { describe, expect, it } from "vitest";

import { PROBE_STORAGE_KEY, PROBE_TTL_MS, createRegionProbe, validTargets } from "../../../src/upload/region-probe.js";
import type { ProbeEnv } from "../../../src/upload/region-probe.js";

const targets = [
  { id: "far", url: "https://far.example.com" },
  { id: "near", url: "https://near.example.com" },
];

/** A probe whose measurements are `rtt[url]` ms (`null`: the request fails; `"hang"`: never answers). */
function probeWith(rtt: Record<string, number | null | "hang">, storage: Map<string, string> = new Map()) {
  let now = 1_000_000;
  const measured: string[] = [];
  const env: ProbeEnv = {
    measure: (url) => {
      measured.push(url);
      const ms = rtt[url];
      if (ms === "hang") return new Promise<number>(() => undefined);
      return ms === null || ms === undefined ? Promise.reject(new TypeError("fetch failed")) : Promise.resolve(ms);
    },
    now: () => now,
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
  };
  return { probe: createRegionProbe(() => env), measured, storage, advance: (ms: number) => (now += ms) };
}

describe("createRegionProbe", () => {
  it("prefers nothing before a signer named its targets", async () => {
    const { probe, measured } = probeWith({});
    expect(await probe.preferred()).toBeUndefined();
    expect(measured).toEqual([]);
  });

  it("prefers the target with the shortest round trip, twice measured (the second on a warm connection)", async () => {
    const { probe, measured } = probeWith({ "https://far.example.com": 150, "https://near.example.com": 40 });
    probe.learn(targets);
    expect(await probe.preferred()).toBe("near");
    expect(measured.filter((u) => u === "https://near.example.com")).toHaveLength(2);
  });

  it("never prefers a target whose probe fails; none reachable is no preference", async () => {
    const one = probeWith({ "https://far.example.com": 150, "https://near.example.com": null });
    one.probe.learn(targets);
    expect(await one.probe.preferred()).toBe("far");
    const none = probeWith({ "https://far.example.com": null, "https://near.example.com": null });
    none.probe.learn(targets);
    expect(await none.probe.preferred()).toBeUndefined();
  });

  it("waits at most its budget when nothing is known, then goes without a preference", async () => {
    const { probe } = probeWith({ "https://far.example.com": "hang", "https://near.example.com": "hang" });
    probe.learn(targets);
    expect(await probe.preferred(5)).toBeUndefined();
  });

  it("does not wait for a hung target once another answered", async () => {
    const { probe } = probeWith({ "https://far.example.com": "hang", "https://near.example.com": 40 });
    probe.learn(targets);
    expect(await probe.preferred(60_000)).toBe("near");
  });

  it("serves fresh samples from the cache without measuring, across page loads (storage)", async () => {
    const first = probeWith({ "https://far.example.com": 150, "https://near.example.com": 40 });
    first.probe.learn(targets);
    expect(await first.probe.preferred()).toBe("near");
    const reload = probeWith({ "https://far.example.com": 10, "https://near.example.com": 400 }, first.storage);
    expect(await reload.probe.preferred()).toBe("near");
    expect(reload.measured).toEqual([]);
  });

  it("uses stale samples at once and measures again in the background", async () => {
    const rtt: Record<string, number> = { "https://far.example.com": 150, "https://near.example.com": 40 };
    const { probe, measured, advance } = probeWith(rtt);
    probe.learn(targets);
    expect(await probe.preferred()).toBe("near");
    measured.length = 0;
    advance(PROBE_TTL_MS + 1);
    rtt["https://near.example.com"] = 300;
    expect(await probe.preferred()).toBe("near"); // what it knew, without waiting
    expect(measured.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await probe.preferred()).toBe("far");
  });

  it("ignores malformed target lists and survives a broken storage", async () => {
    expect(validTargets([{ id: "a", url: "https://a" }])).toBeUndefined(); // one target: nothing to choose
    expect(
      validTargets([
        { id: "a", url: "javascript:x" },
        { id: "b", url: "https://b" },
      ]),
    ).toBeUndefined();
    expect(validTargets("x")).toBeUndefined();
    const storage = new Map([[PROBE_STORAGE_KEY, "{not json"]]);
    const { probe } = probeWith({ "https://far.example.com": 150, "https://near.example.com": 40 }, storage);
    expect(await probe.preferred()).toBeUndefined();
    probe.learn([{ id: "x" }]);
    expect(await probe.preferred()).toBeUndefined();
    probe.learn(targets);
    expect(await probe.preferred()).toBe("near");
    probe.reset();
    expect(await probe.preferred()).toBeUndefined();
  });
});
