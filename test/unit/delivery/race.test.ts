/**
 * The fallback walk on its own: fake hosts (each attempt a promise the test settles),
 * a real breaker and an injected clock, so hedging and elapsed times need no sleeping.
 */
import { describe, expect, it } from "vitest";
import { createHostHealth } from "../../../src/core/health.js";
import type { Outcome } from "../../../src/delivery/attempt.js";
import type { FallbackEvent } from "../../../src/delivery/index.js";
import { FallbackError } from "../../../src/delivery/errors.js";
import { type Candidate, type Clock, race } from "../../../src/delivery/race.js";
import { walk } from "../../../src/delivery/walk.js";

/** A clock whose timers run when the test moves time. */
function fakeClock(): Clock & { advance(ms: number): void; pending(): number } {
  let t = 1_000;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => t,
    setTimeout(fn, ms) {
      timers.set(++seq, { at: t + ms, fn });
      return seq;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      t += ms;
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at <= t && timers.delete(id)) timer.fn();
      }
    },
    pending: () => timers.size,
  };
}

/** Fake hosts: each attempt is recorded and settled by the test. */
function fakeNetwork() {
  const attempts: { url: string; signal: AbortSignal; settle(outcome: Outcome): void }[] = [];
  return {
    attempts,
    run: (url: string, signal: AbortSignal) =>
      new Promise<Outcome>((resolve) => {
        attempts.push({ url, signal, settle: resolve });
        signal.addEventListener("abort", () => resolve({}), { once: true });
      }),
    urls: () => attempts.map((a) => a.url),
  };
}

const candidates = (...urls: string[]): Candidate[] =>
  urls.map((url, i) => ({ source: i === urls.length - 1 ? "s3" : "cdn", url: () => url }));

const ok = (body = "ok"): Outcome => ({ response: new Response(body) });
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function setup(hedgeMs?: number) {
  const clock = fakeClock();
  const net = fakeNetwork();
  const health = createHostHealth({ failureThreshold: 1, cooldownMs: 60_000, now: clock.now });
  const events: FallbackEvent[] = [];
  const ctx = { health, hedgeMs, run: net.run, emit: (e: FallbackEvent) => events.push(e), clock };
  return { clock, net, health, events, ctx };
}

describe("race", () => {
  it("starts the next candidate exactly when the injected hedge timer fires, and times events with the injected clock", async () => {
    const { clock, net, events, ctx } = setup(200);
    const pending = race(ctx, "k", candidates("https://cdn.test/k", "https://s3.test/k"));
    await tick();
    expect(net.urls()).toEqual(["https://cdn.test/k"]);
    clock.advance(199);
    await tick();
    expect(net.urls()).toEqual(["https://cdn.test/k"]);
    clock.advance(1);
    await tick();
    expect(net.urls()).toEqual(["https://cdn.test/k", "https://s3.test/k"]);
    clock.advance(50);
    net.attempts[1]?.settle(ok("s3"));
    expect(await (await pending).text()).toBe("s3");
    expect(net.attempts[0]?.signal.aborted).toBe(true);
    expect(events).toEqual([{ key: "k", from: "cdn.test", to: "s3.test", reason: "hedge", elapsedMs: 250 }]);
    expect(clock.pending()).toBe(0);
  });

  it("announces a failure only when the host that takes over starts (its URL may take time)", async () => {
    const { clock, net, events, ctx } = setup();
    let presigned!: (url: string) => void;
    const s3: Candidate = { source: "s3", url: () => new Promise<string>((resolve) => (presigned = resolve)) };
    const pending = race(ctx, "k", [{ source: "cdn", url: () => "https://cdn.test/k" }, s3]);
    await tick();
    clock.advance(30);
    net.attempts[0]?.settle({ reason: "status", status: 503 });
    await tick();
    expect(events).toEqual([]);
    clock.advance(70);
    presigned("https://s3.test/k?sig=1");
    await tick();
    expect(events).toEqual([
      { key: "k", from: "cdn.test", to: "s3.test", reason: "status", status: 503, elapsedMs: 100 },
    ]);
    net.attempts[1]?.settle(ok());
    await pending;
  });

  it("a late second good answer is read by nobody: its body is cancelled, and its host still counts as healthy", async () => {
    const { clock, net, health, ctx } = setup(10);
    const pending = race(
      { ...ctx, run: (url) => net.run(url, new AbortController().signal) }, // attempts that ignore the abort
      "k",
      candidates("https://cdn.test/k", "https://s3.test/k"),
    );
    await tick();
    clock.advance(10);
    await tick();
    net.attempts[1]?.settle(ok("s3"));
    await pending;
    let cancelled = false;
    const late = new Response(new ReadableStream({ cancel: () => void (cancelled = true) }));
    health.failure("cdn.test");
    clock.advance(60_000);
    health.acquire("cdn.test"); // half-open: the late answer may close it
    net.attempts[0]?.settle({ response: late });
    await tick();
    expect(cancelled).toBe(true);
    expect(health.status("cdn.test").state).toBe("closed");
  });

  it("skips an open CDN with one circuit-open event, and lets the last resort wait for the host in flight", async () => {
    const { net, health, events, ctx } = setup(5);
    health.failure("cdn1.test");
    health.failure("s3.test");
    const clock = ctx.clock;
    const pending = race(ctx, "k", candidates("https://cdn1.test/k", "https://cdn2.test/k", "https://s3.test/k"));
    await tick();
    expect(net.urls()).toEqual(["https://cdn2.test/k"]);
    clock.advance(5); // hedge: S3 is open, so it waits for cdn2
    await tick();
    expect(net.urls()).toEqual(["https://cdn2.test/k"]);
    net.attempts[0]?.settle({ reason: "timeout" });
    await tick();
    expect(net.urls()).toEqual(["https://cdn2.test/k", "https://s3.test/k"]);
    net.attempts[1]?.settle(ok());
    await pending;
    expect(events.map((e) => [e.from, e.to, e.reason])).toEqual([
      ["cdn1.test", "cdn2.test", "circuit-open"],
      ["cdn2.test", "s3.test", "timeout"],
    ]);
  });

  it("on a caller abort, aborts every attempt, gives back the probe slot and settles once", async () => {
    const { clock, net, health, ctx } = setup(10);
    health.failure("cdn.test");
    clock.advance(60_000);
    const caller = new AbortController();
    const pending = race(ctx, "k", candidates("https://cdn.test/k", "https://s3.test/k"), caller.signal);
    await tick();
    expect(health.status("cdn.test").state).toBe("half-open");
    clock.advance(10);
    await tick();
    caller.abort();
    await expect(pending).rejects.toMatchObject({ code: "Aborted" });
    expect(net.attempts.map((a) => a.signal.aborted)).toEqual([true, true]);
    expect(health.acquire("cdn.test")).toBe("probe");
    expect(clock.pending()).toBe(0);
  });

  it("fails with every host's failure when nothing is left, and with the URL error as cause", async () => {
    const { net, ctx } = setup();
    const broken = new Error("presigner down");
    const pending = race(ctx, "k", [
      { source: "cdn", url: () => "https://cdn.test/k" },
      { source: "s3", url: () => Promise.reject(broken) },
    ]);
    await tick();
    net.attempts[0]?.settle({ reason: "network" });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "AllHostsFailed",
      cause: broken,
      failures: [
        { source: "cdn", host: "cdn.test", url: "https://cdn.test/k", reason: "network" },
        { source: "s3", host: "", url: "", reason: "url" },
      ],
    });
  });
});

describe("walk (the layer race builds on)", () => {
  it("fails with the caller's error, given every failure with its URL as tried; race's FallbackError redacts them", async () => {
    const { net, ctx } = setup();
    const seen: unknown[] = [];
    const fail = (key: string, failures: unknown[]) => {
      seen.push(key, failures);
      return "all failed";
    };
    const pending = walk(
      { ...ctx, fail, aborted: () => "aborted" },
      "k",
      candidates("https://cdn.test/k", "https://s3.test/k?X-Amz-Signature=secret"),
    );
    await tick();
    net.attempts[0]?.settle({ reason: "network" });
    await tick();
    net.attempts[1]?.settle({ reason: "status", status: 500 });
    await expect(pending).rejects.toBe("all failed");
    expect(seen).toEqual([
      "k",
      [
        { source: "cdn", host: "cdn.test", url: "https://cdn.test/k", reason: "network" },
        {
          source: "s3",
          host: "s3.test",
          url: "https://s3.test/k?X-Amz-Signature=secret",
          reason: "status",
          status: 500,
        },
      ],
    ]);

    const again = setup();
    const raced = race(again.ctx, "k", candidates("https://cdn2.test/k", "https://s4.test/k?X-Amz-Signature=secret"));
    await tick();
    again.net.attempts[0]?.settle({ reason: "network" });
    await tick();
    again.net.attempts[1]?.settle({ reason: "network" });
    const error = await raced.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FallbackError);
    expect((error as FallbackError).failures.map((f) => f.url)).toEqual([
      "https://cdn2.test/k",
      "https://s4.test/k?<redacted>",
    ]);
    expect((error as FallbackError).message).not.toContain("secret");
  });

  it("rejects with the caller's aborted error when its signal aborts", async () => {
    const { ctx } = setup();
    const controller = new AbortController();
    const pending = walk(
      { ...ctx, fail: () => "failed", aborted: (reason) => ({ aborted: reason }) },
      "k",
      candidates("https://cdn.test/k"),
      controller.signal,
    );
    controller.abort("gone");
    await expect(pending).rejects.toEqual({ aborted: "gone" });
  });
});
