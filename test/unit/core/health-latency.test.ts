/**
 * Latency estimates kept by the breaker: fed by observe(), shown in status(),
 * persisted beside the verdicts (same store, own prefix, expiry) and shared with other tabs.
 */
import { describe, expect, it } from "vitest";
import {
  createHealthStore,
  parseHostLatency,
  parseVerdict,
  type ChannelLike,
  type StorageLike,
} from "../../../src/core/health-store.js";
import { createHostHealth } from "../../../src/core/health.js";

function memory(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get length() {
      return data.size;
    },
    key: (i) => [...data.keys()][i] ?? null,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

/** A channel between any number of pages (never delivered to the sender). */
function bus() {
  const listeners = new Set<{ page: object; fn: (m: unknown) => void }>();
  return (): ChannelLike => {
    const page = {};
    return {
      post: (m) => {
        for (const l of [...listeners]) if (l.page !== page) l.fn(structuredClone(m));
      },
      listen(fn) {
        const l = { page, fn };
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
  };
}

describe("createHostHealth latency", () => {
  it("smooths observed times to first byte per host and shows them in status()", () => {
    let t = 1_000;
    const health = createHostHealth({ now: () => t });
    expect(health.latency?.("cdn.test")).toBeUndefined();
    expect(health.status("cdn.test")).not.toHaveProperty("latencyMs");
    health.observe?.("CDN.test", 40);
    t = 2_000;
    health.observe?.("cdn.test", 60);
    expect(health.latency?.("cdn.test")).toEqual({ ms: 50, at: 2_000, samples: 2 });
    expect(health.status("cdn.test")).toMatchObject({ state: "closed", latencyMs: 50, latencyAt: 2_000 });
  });

  it("forgets an estimate latencyTtlMs after its last sample", () => {
    let t = 0;
    const health = createHostHealth({ now: () => t, latencyTtlMs: 10_000 });
    health.observe?.("a.test", 30);
    t = 9_999;
    expect(health.latency?.("a.test")?.ms).toBe(30);
    t = 10_000;
    expect(health.latency?.("a.test")).toBeUndefined();
  });

  it("persists estimates beside the verdicts, so the next page load starts with them; expired ones are dropped", () => {
    const storage = memory();
    let t = 5_000;
    const first = createHostHealth({ now: () => t, store: createHealthStore({ storage }) });
    first.observe?.("near.test", 40);
    first.observe?.("far.test", 150);
    expect(parseHostLatency(JSON.parse(storage.data.get("s3edge:latency:v1:near.test") ?? "null"))).toEqual({
      host: "near.test",
      ms: 40,
      at: 5_000,
      samples: 1,
      expires: 5_000 + 3_600_000,
    });
    t = 65_000;
    const next = createHostHealth({ now: () => t, store: createHealthStore({ storage }) });
    expect(next.latency?.("near.test")).toEqual({ ms: 40, at: 5_000, samples: 1 });
    t = 5_000 + 3_600_000;
    createHealthStore({ storage }).loadLatency?.(t);
    expect([...storage.data.keys()].filter((k) => k.startsWith("s3edge:latency:"))).toEqual([]);
  });

  it("does not save every sample: again after 5 s, or when the estimate moved by more than a fifth", () => {
    const storage = memory();
    let t = 0;
    const health = createHostHealth({ now: () => t, store: createHealthStore({ storage }) });
    const stored = () =>
      JSON.parse(storage.data.get("s3edge:latency:v1:a.test") ?? "null") as { ms: number; samples: number };
    health.observe?.("a.test", 100);
    t = 10;
    health.observe?.("a.test", 110); // 105: within a fifth, 10 ms later
    expect(stored()).toMatchObject({ ms: 100, samples: 1 });
    t = 5_000;
    health.observe?.("a.test", 105);
    expect(stored()).toMatchObject({ samples: 3 });
  });

  it("shares estimates with the other tabs over the channel; verdict readers ignore the message", () => {
    const channel = bus();
    let t = 1_000;
    const heard: unknown[] = [];
    const aStore = createHealthStore({ channel: channel() });
    const a = createHostHealth({ now: () => t, store: aStore });
    const bStore = createHealthStore({ channel: channel() });
    bStore.subscribe((v) => heard.push(v));
    const b = createHostHealth({ now: () => t, store: bStore });
    a.observe?.("r2.test", 42);
    expect(b.latency?.("r2.test")).toEqual({ ms: 42, at: 1_000, samples: 1 });
    expect(heard).toEqual([]);
    t = 2_000;
    b.observe?.("r2.test", 10); // b's own, newer sample wins over an older one heard later
    expect(b.latency?.("r2.test")?.at).toBe(2_000);
  });

  it("old stored data still parses: a verdict written before latency existed loads as before", () => {
    const storage = memory();
    const old = {
      v: 1,
      host: "cdn.test",
      state: "open",
      until: 20_000,
      cooldownMs: 15_000,
      failures: 3,
      at: 5_000,
      expires: 620_000,
    };
    storage.setItem("s3edge:health:v1:cdn.test", JSON.stringify(old));
    expect(parseVerdict(old)).toMatchObject({ host: "cdn.test", state: "open" });
    const health = createHostHealth({ now: () => 10_000, store: createHealthStore({ storage }) });
    expect(health.status("cdn.test")).toMatchObject({ state: "open", openedUntil: 20_000 });
    expect(health.latency?.("cdn.test")).toBeUndefined();
  });
});
