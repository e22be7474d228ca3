import { describe, expect, it, vi } from "vitest";
import { createBreaker } from "../../../src/core/breaker.js";
import { ConfigError } from "../../../src/core/errors.js";
import {
  createHostHealth,
  type HostHealth,
  type HostHealthOptions,
  type HostStatus,
  type HostVerdict,
} from "../../../src/core/health.js";
import { createHealthStore, parseVerdict, type ChannelLike, type StorageLike } from "../../../src/core/health-store.js";

const CDN = "cdn.example.com";

/** A breaker on a clock the test moves by hand. */
function setup(options: Omit<HostHealthOptions, "now"> = {}) {
  const clock = { t: 1_000_000 };
  const health = createHostHealth({ ...options, now: () => clock.t });
  const events: HostStatus[] = [];
  health.subscribe((s) => events.push(s));
  const advance = (ms: number): void => {
    clock.t += ms;
  };
  const fail = (n: number, host = CDN): void => {
    for (let i = 0; i < n; i++) health.failure(host, "503");
  };
  return { health, clock, events, advance, fail };
}

describe("createHostHealth: closed -> open", () => {
  it("treats unknown hosts as closed", () => {
    const { health } = setup();
    expect(health.acquire("never.seen")).toBe("try");
    expect(health.status("never.seen")).toEqual({
      host: "never.seen",
      state: "closed",
      failures: 0,
      cooldownMs: 15_000,
    });
  });

  it("opens after failureThreshold failures within the window", () => {
    const { health, fail, clock } = setup();
    fail(2);
    expect(health.status(CDN).state).toBe("closed");
    expect(health.status(CDN).failures).toBe(2);
    expect(health.acquire(CDN)).toBe("try");
    fail(1);
    expect(health.status(CDN)).toEqual({
      host: CDN,
      state: "open",
      failures: 3,
      openedUntil: clock.t + 15_000,
      cooldownMs: 15_000,
      lastReason: "503",
    });
    expect(health.acquire(CDN)).toBe("skip");
  });

  it("does not open when the failures are spread beyond the window", () => {
    const { health, fail, advance } = setup({ windowMs: 30_000 });
    fail(2);
    advance(30_000);
    fail(2);
    expect(health.status(CDN).state).toBe("closed");
    expect(health.status(CDN).failures).toBe(2);
    fail(1);
    expect(health.status(CDN).state).toBe("open");
  });

  it("resets the failure count on a success in between", () => {
    const { health, fail } = setup();
    fail(2);
    health.success(CDN);
    fail(2);
    expect(health.status(CDN).state).toBe("closed");
    fail(1);
    expect(health.status(CDN).state).toBe("open");
  });

  it("honours a custom threshold", () => {
    const { health, fail } = setup({ failureThreshold: 1 });
    fail(1);
    expect(health.acquire(CDN)).toBe("skip");
  });
});

describe("createHostHealth: open -> half-open -> closed/open", () => {
  it("skips during the whole cooldown", () => {
    const { health, fail, advance } = setup({ cooldownMs: 15_000 });
    fail(3);
    for (let i = 0; i < 14; i++) {
      advance(1000);
      expect(health.acquire(CDN)).toBe("skip");
    }
    advance(999);
    expect(health.acquire(CDN)).toBe("skip");
    expect(health.status(CDN).state).toBe("open");
  });

  it("hands out exactly one probe after the cooldown; everyone else skips", () => {
    const { health, fail, advance } = setup();
    fail(3);
    advance(15_000);
    const answers = Array.from({ length: 10 }, () => health.acquire(CDN));
    expect(answers.filter((a) => a === "probe")).toHaveLength(1);
    expect(answers[0]).toBe("probe");
    expect(answers.slice(1).every((a) => a === "skip")).toBe(true);
    expect(health.status(CDN).state).toBe("half-open");
  });

  it("closes on probe success", () => {
    const { health, fail, advance } = setup();
    fail(3);
    advance(15_000);
    expect(health.acquire(CDN)).toBe("probe");
    health.success(CDN);
    expect(health.status(CDN).state).toBe("closed");
    expect(health.status(CDN).failures).toBe(0);
    expect(health.acquire(CDN)).toBe("try");
    expect(health.acquire(CDN)).toBe("try");
  });

  it("re-opens with a doubled cooldown on probe failure", () => {
    const { health, fail, advance, clock } = setup({ cooldownMs: 15_000 });
    fail(3);
    advance(15_000);
    expect(health.acquire(CDN)).toBe("probe");
    health.failure(CDN, "timeout");
    const status = health.status(CDN);
    expect(status.state).toBe("open");
    expect(status.cooldownMs).toBe(30_000);
    expect(status.openedUntil).toBe(clock.t + 30_000);
    expect(status.lastReason).toBe("timeout");
    advance(29_999);
    expect(health.acquire(CDN)).toBe("skip");
    advance(1);
    expect(health.acquire(CDN)).toBe("probe");
  });

  it("caps the cooldown at maxCooldownMs over repeated probe failures", () => {
    const { health, fail, advance } = setup({ cooldownMs: 15_000, maxCooldownMs: 100_000 });
    fail(3);
    const cooldowns: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { cooldownMs } = health.status(CDN);
      cooldowns.push(cooldownMs);
      advance(cooldownMs);
      expect(health.acquire(CDN)).toBe("probe");
      health.failure(CDN);
    }
    expect(cooldowns).toEqual([15_000, 30_000, 60_000, 100_000, 100_000, 100_000]);
  });

  it("frees the probe slot when the probe never reports within probeTimeoutMs", () => {
    const { health, fail, advance } = setup({ probeTimeoutMs: 10_000 });
    fail(3);
    advance(15_000);
    expect(health.acquire(CDN)).toBe("probe");
    advance(9_999);
    expect(health.acquire(CDN)).toBe("skip");
    advance(1);
    expect(health.acquire(CDN)).toBe("probe");
    expect(health.acquire(CDN)).toBe("skip");
    health.success(CDN);
    expect(health.status(CDN).state).toBe("closed");
  });

  it("release() frees the probe slot at once without a verdict", () => {
    const { health, fail, advance, events } = setup();
    fail(3);
    advance(15_000);
    expect(health.acquire(CDN)).toBe("probe");
    const before = events.length;
    health.release(CDN);
    expect(health.status(CDN).state).toBe("half-open");
    expect(events.length).toBe(before);
    expect(health.acquire(CDN)).toBe("probe");
    expect(health.acquire(CDN)).toBe("skip");
  });

  it("release() on a closed or open host changes nothing", () => {
    const { health, fail } = setup();
    health.release(CDN);
    expect(health.acquire(CDN)).toBe("try");
    fail(3);
    health.release(CDN);
    expect(health.acquire(CDN)).toBe("skip");
  });

  it("ignores late reports while open: the probe decides", () => {
    const { health, fail, advance } = setup();
    fail(3);
    health.success(CDN);
    health.failure(CDN);
    expect(health.status(CDN).state).toBe("open");
    expect(health.status(CDN).cooldownMs).toBe(15_000);
    advance(15_000);
    expect(health.acquire(CDN)).toBe("probe");
  });
});

describe("createHostHealth: flapping", () => {
  it("grows the cooldown when the host fails again soon after closing, up to the cap", () => {
    const { health, fail, advance } = setup({ cooldownMs: 15_000, maxCooldownMs: 300_000, flapWindowMs: 600_000 });
    const cooldowns: number[] = [];
    // 5xx that come and go: every cycle the probe succeeds, then the host fails again 2 minutes later.
    for (let cycle = 0; cycle < 8; cycle++) {
      fail(3);
      const { cooldownMs } = health.status(CDN);
      cooldowns.push(cooldownMs);
      advance(cooldownMs);
      expect(health.acquire(CDN)).toBe("probe");
      health.success(CDN);
      advance(120_000);
    }
    expect(cooldowns).toEqual([15_000, 30_000, 60_000, 120_000, 240_000, 300_000, 300_000, 300_000]);
  });

  it("resets the cooldown after a healthy period longer than flapWindowMs", () => {
    const { health, fail, advance } = setup({ cooldownMs: 15_000, flapWindowMs: 600_000 });
    fail(3);
    advance(15_000);
    health.acquire(CDN);
    health.failure(CDN);
    advance(30_000);
    health.acquire(CDN);
    health.success(CDN);
    expect(health.status(CDN).cooldownMs).toBe(60_000);
    advance(600_001);
    expect(health.status(CDN).cooldownMs).toBe(15_000);
    fail(3);
    expect(health.status(CDN).cooldownMs).toBe(15_000);
  });

  it("keeps growing when the host fails again just within flapWindowMs", () => {
    const { health, fail, advance } = setup({ cooldownMs: 15_000, flapWindowMs: 600_000 });
    fail(3);
    advance(15_000);
    health.acquire(CDN);
    health.success(CDN);
    advance(600_000);
    fail(3);
    expect(health.status(CDN).cooldownMs).toBe(30_000);
  });
});

describe("createHostHealth: listeners and hosts", () => {
  it("calls listeners on every state change, in order", () => {
    const { health, fail, advance, events } = setup();
    fail(3);
    advance(15_000);
    health.acquire(CDN);
    health.failure(CDN, "timeout");
    advance(30_000);
    health.acquire(CDN);
    health.success(CDN);
    expect(events.map((e) => [e.host, e.state, e.cooldownMs])).toEqual([
      [CDN, "open", 15_000],
      [CDN, "half-open", 15_000],
      [CDN, "open", 30_000],
      [CDN, "half-open", 30_000],
      [CDN, "closed", 60_000],
    ]);
  });

  it("does not notify when nothing changes state", () => {
    const { health, fail, events } = setup();
    fail(2);
    health.success(CDN);
    health.acquire(CDN);
    fail(2);
    expect(events).toEqual([]);
  });

  it("stops calling a listener once unsubscribed, and survives a throwing listener", () => {
    const clock = { t: 0 };
    const errors: unknown[] = [];
    const health = createHostHealth({ now: () => clock.t, onListenerError: (e) => errors.push(e) });
    const seen: string[] = [];
    health.subscribe(() => {
      throw new Error("listener bug");
    });
    const unsubscribe = health.subscribe((s) => seen.push(s.state));
    for (let i = 0; i < 3; i++) health.failure(CDN);
    unsubscribe();
    clock.t += 15_000;
    expect(health.acquire(CDN)).toBe("probe");
    expect(seen).toEqual(["open"]);
    expect(health.status(CDN).state).toBe("half-open");
    expect(errors).toHaveLength(2);
    expect((errors[0] as Error).message).toBe("listener bug");
  });

  it("keeps hosts independent", () => {
    const { health, fail } = setup();
    fail(3, "cdn.example.com");
    fail(2, "s3.amazonaws.com");
    expect(health.acquire("cdn.example.com")).toBe("skip");
    expect(health.acquire("s3.amazonaws.com")).toBe("try");
    expect(health.acquire("other.example.com")).toBe("try");
    expect(health.status("s3.amazonaws.com").failures).toBe(2);
  });

  it("treats host names case-insensitively", () => {
    const { health, fail } = setup();
    fail(3, "CDN.Example.com");
    expect(health.acquire("cdn.example.com")).toBe("skip");
  });

  it("refuses nonsensical options", () => {
    expect(() => createHostHealth({ failureThreshold: 0 })).toThrow(ConfigError);
    expect(() => createHostHealth({ failureThreshold: 1.5 })).toThrow(ConfigError);
    expect(() => createHostHealth({ cooldownMs: -1 })).toThrow(ConfigError);
    expect(() => createHostHealth({ windowMs: Number.NaN })).toThrow(ConfigError);
    expect(() => createHostHealth({ cooldownMs: 0 })).toThrow(/createHostHealth: cooldownMs must be a positive number/);
    try {
      createHostHealth({ probeTimeoutMs: -5 });
    } catch (error) {
      expect(error).toMatchObject({ code: "InvalidConfig", option: "probeTimeoutMs" });
    }
  });

  it("uses no timers: nothing is left pending whatever the breaker does", () => {
    vi.useFakeTimers();
    try {
      const health = createHostHealth();
      for (let i = 0; i < 3; i++) health.failure(CDN);
      expect(health.acquire(CDN)).toBe("skip");
      vi.advanceTimersByTime(15_000);
      expect(health.acquire(CDN)).toBe("probe");
      health.failure(CDN);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

/**
 * A browser in miniature: one storage shared by every tab, `storage` events delivered to the
 * other tabs (as browsers do: never to the writer), and storage that can be made to throw.
 */
function fakeBrowser() {
  const data = new Map<string, string>();
  const watchers = new Set<{ tab: number; fn: (key: string | null, value: string | null) => void }>();
  let failWrites = false;
  let failAll = false;
  const clock = { t: 1_000_000 };
  const storageOf = (tab: number): StorageLike => ({
    get length() {
      if (failAll) throw new Error("SecurityError");
      return data.size;
    },
    key: (i) => [...data.keys()][i] ?? null,
    getItem(key) {
      if (failAll) throw new Error("SecurityError");
      return data.get(key) ?? null;
    },
    setItem(key, value) {
      if (failAll || failWrites) throw new Error("QuotaExceededError");
      data.set(key, value);
      for (const w of watchers) if (w.tab !== tab) w.fn(key, value);
    },
    removeItem(key) {
      data.delete(key);
      for (const w of watchers) if (w.tab !== tab) w.fn(key, null);
    },
  });
  let tabs = 0;
  const tab = (options: Omit<HostHealthOptions, "now" | "store"> = {}) => {
    const id = ++tabs;
    const store = createHealthStore({
      storage: storageOf(id),
      watch: (fn) => {
        const w = { tab: id, fn };
        watchers.add(w);
        return () => watchers.delete(w);
      },
      owner: `tab${id}`,
    });
    const health = createHostHealth({ ...options, store, now: () => clock.t });
    const events: HostStatus[] = [];
    health.subscribe((s) => events.push(s));
    return { health, store, events };
  };
  return {
    data,
    clock,
    tab,
    advance: (ms: number) => void (clock.t += ms),
    failWrites: (on: boolean) => void (failWrites = on),
    failAll: (on: boolean) => void (failAll = on),
  };
}

const openIt = (health: HostHealth, host = CDN) => {
  for (let i = 0; i < 3; i++) health.failure(host, "network");
};

describe("createHostHealth with a store: health that outlives the page", () => {
  it("the next page load starts with the host open until the end of its cool-down", () => {
    const browser = fakeBrowser();
    const first = browser.tab();
    openIt(first.health);
    const until = browser.clock.t + 15_000;
    browser.advance(2_000);
    const next = browser.tab(); // a reload: a new breaker over the same storage
    expect(next.health.usable(CDN)).toBe(false);
    expect(next.health.acquire(CDN)).toBe("skip");
    expect(next.health.status(CDN)).toMatchObject({
      state: "open",
      openedUntil: until,
      failures: 3,
      lastReason: "network",
    });
    expect(next.events).toEqual([]); // loading a verdict is not a change
  });

  it("past the cool-down, the next page probes with one request and the rest keep skipping", () => {
    const browser = fakeBrowser();
    openIt(browser.tab().health);
    browser.advance(15_000);
    const next = browser.tab();
    expect(next.health.usable(CDN)).toBe(true);
    expect(next.health.acquire(CDN)).toBe("probe");
    expect(next.health.acquire(CDN)).toBe("skip");
    next.health.success(CDN);
    expect(browser.tab().health.status(CDN).state).toBe("closed");
  });

  it("a failed probe on the next page doubles the cool-down the page before chose (flapping survives reloads)", () => {
    const browser = fakeBrowser();
    openIt(browser.tab().health);
    browser.advance(15_000);
    const next = browser.tab();
    expect(next.health.acquire(CDN)).toBe("probe");
    next.health.failure(CDN, "timeout");
    expect(next.health.status(CDN).cooldownMs).toBe(30_000);
    expect(browser.tab().health.status(CDN)).toMatchObject({ state: "open", cooldownMs: 30_000 });
  });

  it("forgets verdicts flapWindowMs after they ended, and a closed verdict still doubles a re-opening within that window", () => {
    const browser = fakeBrowser();
    const first = browser.tab({ flapWindowMs: 60_000 });
    openIt(first.health);
    browser.advance(15_000);
    first.health.acquire(CDN);
    first.health.success(CDN);
    browser.advance(30_000);
    const second = browser.tab({ flapWindowMs: 60_000 });
    openIt(second.health);
    expect(second.health.status(CDN).cooldownMs).toBe(30_000);
    browser.advance(30_000 + 60_000);
    const later = browser.tab({ flapWindowMs: 60_000 });
    expect(later.health.status(CDN).state).toBe("closed");
    expect([...browser.data.keys()].filter((k) => !k.includes("lease"))).toEqual([]);
  });

  it("an outage seen in one tab reaches the other open tabs at once, and so does the recovery", () => {
    const browser = fakeBrowser();
    const a = browser.tab();
    const b = browser.tab();
    openIt(a.health);
    expect(b.health.acquire(CDN)).toBe("skip");
    expect(b.events.map((e) => e.state)).toEqual(["open"]);
    browser.advance(15_000);
    expect(a.health.acquire(CDN)).toBe("probe");
    a.health.success(CDN);
    expect(b.health.status(CDN).state).toBe("closed");
    expect(b.events.map((e) => e.state)).toEqual(["open", "closed"]);
    expect(b.health.acquire(CDN)).toBe("try");
  });

  it("hands out one probe across tabs after the cool-down (a lease in storage)", () => {
    const browser = fakeBrowser();
    const a = browser.tab();
    const b = browser.tab();
    openIt(a.health);
    browser.advance(15_000);
    expect(a.health.acquire(CDN)).toBe("probe");
    expect(b.health.acquire(CDN)).toBe("skip");
    expect(b.health.acquire(CDN)).toBe("skip");
    // The probe fails: both tabs re-open with the doubled cool-down.
    a.health.failure(CDN, "timeout");
    expect(b.health.status(CDN)).toMatchObject({ state: "open", cooldownMs: 30_000 });
    browser.advance(30_000);
    // This time b gets the lease first (a's lease ended with its verdict).
    expect(b.health.acquire(CDN)).toBe("probe");
    expect(a.health.acquire(CDN)).toBe("skip");
  });

  it("a lease whose tab went away (no verdict) frees after probeTimeoutMs", () => {
    const browser = fakeBrowser();
    const a = browser.tab({ probeTimeoutMs: 5_000 });
    const b = browser.tab({ probeTimeoutMs: 5_000 });
    openIt(a.health);
    browser.advance(15_000);
    expect(a.health.acquire(CDN)).toBe("probe"); // and tab a is closed before reporting
    expect(b.health.acquire(CDN)).toBe("skip");
    browser.advance(4_999);
    expect(b.health.acquire(CDN)).toBe("skip");
    browser.advance(1);
    expect(b.health.acquire(CDN)).toBe("probe");
  });

  it("ignores an older verdict arriving after a newer one", () => {
    const browser = fakeBrowser();
    const a = browser.tab();
    const b = browser.tab();
    openIt(b.health); // opened now, with a 15 s cool-down
    const stale: HostVerdict = {
      host: CDN,
      state: "open",
      until: browser.clock.t + 60_000,
      cooldownMs: 60_000,
      failures: 3,
      at: browser.clock.t - 1,
      expires: browser.clock.t + 600_000,
    };
    a.store.save(stale); // delivered to b by the storage event
    expect(b.health.status(CDN).cooldownMs).toBe(15_000);
    const newer: HostVerdict = { ...stale, at: browser.clock.t + 1 };
    a.store.save(newer);
    expect(b.health.status(CDN).cooldownMs).toBe(60_000);
  });

  it("is bounded: at most maxHosts verdicts, the oldest dropped first", () => {
    const browser = fakeBrowser();
    const store = createHealthStore({
      storage: {
        getItem: (k) => browser.data.get(k) ?? null,
        setItem: (k, v) => void browser.data.set(k, v),
        removeItem: (k) => void browser.data.delete(k),
        key: (i) => [...browser.data.keys()][i] ?? null,
        get length() {
          return browser.data.size;
        },
      },
      maxHosts: 3,
    });
    for (let i = 0; i < 5; i++) {
      store.save({
        host: `cdn${i}.test`,
        state: "open",
        until: 2_000,
        cooldownMs: 1_000,
        failures: 3,
        at: 1_000 + i,
        expires: 10_000,
      });
    }
    expect(
      store
        .load(1_500)
        .map((v) => v.host)
        .sort(),
    ).toEqual(["cdn2.test", "cdn3.test", "cdn4.test"]);
  });

  it("drops unreadable entries and entries of another format version", () => {
    const browser = fakeBrowser();
    browser.data.set("s3edge:health:v1:a.test", "{not json");
    browser.data.set("s3edge:health:v1:b.test", JSON.stringify({ v: 2, host: "b.test", state: "open" }));
    browser.data.set("other-app-key", "kept");
    const next = browser.tab();
    expect(next.health.status("a.test").state).toBe("closed");
    expect([...browser.data.keys()]).toEqual(["other-app-key"]);
  });

  it("keeps working page-locally when storage throws on every call (Safari private mode, disabled storage)", () => {
    const browser = fakeBrowser();
    browser.failAll(true);
    const a = browser.tab();
    openIt(a.health);
    expect(a.health.acquire(CDN)).toBe("skip");
    browser.advance(15_000);
    expect(a.health.acquire(CDN)).toBe("probe");
    a.health.success(CDN);
    expect(a.health.status(CDN).state).toBe("closed");
  });

  it("makes room when the quota is exceeded, and stays silent when it still cannot write", () => {
    const browser = fakeBrowser();
    const a = browser.tab();
    openIt(a.health, "one.test");
    browser.failWrites(true);
    expect(() => openIt(a.health, "two.test")).not.toThrow();
    expect(a.health.status("two.test").state).toBe("open");
    browser.failWrites(false);
    openIt(a.health, "three.test");
    expect(browser.tab().health.status("three.test").state).toBe("open");
  });

  it("shares verdicts through a channel alone (no storage: workers, refused storage)", () => {
    const listeners = new Set<(m: unknown) => void>();
    const channel = (): ChannelLike => {
      const own = new Set<(m: unknown) => void>();
      return {
        post: (m) => {
          for (const l of listeners) if (!own.has(l)) l(structuredClone(m));
        },
        listen: (l) => {
          own.add(l);
          listeners.add(l);
          return () => listeners.delete(l);
        },
      };
    };
    const clock = { t: 0 };
    const a = createHostHealth({ store: createHealthStore({ channel: channel() }), now: () => clock.t });
    const b = createHostHealth({ store: createHealthStore({ channel: channel() }), now: () => clock.t });
    openIt(a);
    expect(b.status(CDN).state).toBe("open");
    clock.t += 15_000;
    // Without storage there is no lease: each page may probe.
    expect(b.acquire(CDN)).toBe("probe");
  });
});

describe("parseVerdict", () => {
  it("accepts its own format and nothing else", () => {
    const v = {
      v: 1,
      host: "h",
      state: "closed",
      until: 1,
      cooldownMs: 2,
      failures: 0,
      at: 1,
      expires: 3,
      reason: "x".repeat(100),
    };
    expect(parseVerdict(v)).toEqual({
      host: "h",
      state: "closed",
      until: 1,
      cooldownMs: 2,
      failures: 0,
      at: 1,
      expires: 3,
      reason: "x".repeat(64),
    });
    expect(parseVerdict({ ...v, state: "half-open" })).toBeUndefined();
    expect(parseVerdict({ ...v, at: "1" })).toBeUndefined();
    expect(parseVerdict(null)).toBeUndefined();
  });
});

describe("createBreaker (the layer createHostHealth builds on)", () => {
  it("is the same state machine without latency estimates; createHostHealth adds them", () => {
    let t = 0;
    const bare = createBreaker({ failureThreshold: 2, cooldownMs: 1_000, now: () => t });
    expect(bare.observe).toBeUndefined();
    expect(bare.latency).toBeUndefined();
    bare.failure("CDN.test");
    bare.failure("cdn.test");
    expect(bare.acquire("cdn.test")).toBe("skip");
    t = 1_000;
    expect(bare.acquire("cdn.test")).toBe("probe");
    bare.success("cdn.test");
    expect(bare.status("cdn.test")).toMatchObject({ state: "closed", failures: 0 });
    expect(bare.status("cdn.test").latencyMs).toBeUndefined();

    const full = createHostHealth({ now: () => t });
    full.observe?.("cdn.test", 120);
    expect(full.status("cdn.test").latencyMs).toBe(120);
  });
});
