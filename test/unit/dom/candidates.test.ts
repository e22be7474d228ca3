/**
 * Which host an image goes to next: CDNs, then S3 origins, fastest healthy first,
 * skipping those it tried and those the breaker holds back.
 */
import { describe, expect, it } from "vitest";
import { createHostHealth } from "../../../src/core/health.js";
import { createHosts } from "../../../src/delivery/hosts.js";
import { createCandidates } from "../../../src/dom/candidates.js";

const CDN1 = "https://cdn1.test/media";
const CDN2 = "https://cdn2.test";
const R1 = { endpoint: "https://r1.test", bucket: "bkt" };
const R2 = { endpoint: "https://r2.test", bucket: "bkt" };

function setup() {
  let t = 1_000_000;
  const health = createHostHealth({ failureThreshold: 1, cooldownMs: 60_000, now: () => t });
  const hosts = createHosts([CDN1, CDN2], [R1, R2]);
  const c = createCandidates(hosts, health, { random: () => 0.999, now: () => t });
  return { c, health, advance: (ms: number) => void (t += ms) };
}

describe("image candidates", () => {
  it("numbers CDNs first, then origins, and maps URLs between them", () => {
    const { c } = setup();
    expect(c.count).toBe(2);
    expect([0, 1, 2, 3].map((i) => c.host(i))).toEqual(["cdn1.test", "cdn2.test", "r1.test", "r2.test"]);
    expect(c.indexOf(`${CDN2}/a.png`)).toBe(1);
    expect(c.indexOf("https://r2.test/bkt/a.png")).toBe(3);
    expect(c.indexOf("https://elsewhere.test/a.png")).toBe(-1);
    expect(c.mapUrl(`${CDN1}/a%20b.png?w=2`, 1, "a b.png")).toBe(`${CDN2}/a%20b.png?w=2`);
    expect(c.mapUrl(`${CDN1}/a%20b.png`, 3, "a b.png")).toBe("https://r2.test/bkt/a%20b.png");
    expect(c.mapUrl("https://elsewhere.test/x.png", 0, "x.png")).toBeUndefined();
  });

  it("moves on in order, skipping tried hosts and open breakers; the last origin is always tried", () => {
    const { c, health } = setup();
    expect(c.next(new Set([0]))?.index).toBe(1);
    health.failure("cdn2.test");
    expect(c.next(new Set([0]))?.index).toBe(2);
    health.failure("r1.test");
    health.failure("r2.test");
    expect(c.next(new Set([0]))?.index).toBe(3); // last resort
    expect(c.next(new Set([0, 1, 2, 3]))).toBeUndefined();
  });

  it("goes to the clearly faster region first once measured, and remembers it for the <head> script", () => {
    const { c, health } = setup();
    health.failure("cdn1.test");
    health.failure("cdn2.test");
    expect(c.preferredBase()).toBe("https://r1.test/bkt");
    health.observe?.("r1.test", 150);
    health.observe?.("r2.test", 40);
    expect(c.next(new Set([0]))).toEqual({ index: 3, reason: "latency" });
    expect(c.first()).toEqual({ index: 3, reason: "latency" });
    expect(c.preferredBase()).toBe("https://r2.test/bkt");
    // r2 now comes first: it is the origin that is not last, where a 404 means "not replicated yet".
    expect(c.replica(3)).toBe(true);
    expect(c.replica(2)).toBe(false);
  });

  it("explores the never-measured region after the first image went to the primary", () => {
    const { c, health } = setup();
    health.failure("cdn1.test");
    health.failure("cdn2.test");
    expect(c.next(new Set([0, 1]))).toEqual({ index: 2, reason: "health" });
    expect(c.next(new Set([0, 1]))).toEqual({ index: 3, reason: "explore" });
    expect(c.explorations()).toBe(1);
  });
});
