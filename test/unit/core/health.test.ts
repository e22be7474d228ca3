import { describe, expect, it, vi } from "vitest";
import { InvalidInputError } from "../../../src/core/errors.js";
import { createHostHealth, type HostHealthOptions, type HostStatus } from "../../../src/core/health.js";

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
    expect(health.status("never.seen")).toEqual({ host: "never.seen", state: "closed", failures: 0, cooldownMs: 15_000 });
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
    expect(() => createHostHealth({ failureThreshold: 0 })).toThrow(InvalidInputError);
    expect(() => createHostHealth({ failureThreshold: 1.5 })).toThrow(InvalidInputError);
    expect(() => createHostHealth({ cooldownMs: -1 })).toThrow(InvalidInputError);
    expect(() => createHostHealth({ windowMs: Number.NaN })).toThrow(InvalidInputError);
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
