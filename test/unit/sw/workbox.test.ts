/**
 * The Workbox plugin's hooks, driven the way Workbox's StrategyHandler.fetch drives them
 * (requestWillFetch -> fetch -> fetchDidSucceed, or handlerDidError when the fetch throws).
 * The real Workbox is exercised in Chromium (test/browser/sw.test.ts).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerEdgeFallback } from "../../../src/sw/register.js";
import type { EdgeFallbackPlugin, WorkerFallbackEvent } from "../../../src/sw/types.js";
import { workboxPlugin } from "../../../src/sw/workbox.js";
import { CDN, network, origin } from "./helpers.js";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** What a strategy's network step does with the plugin: Workbox's order of hooks. */
async function strategyFetch(plugin: EdgeFallbackPlugin, input: Request): Promise<Response | undefined> {
  const request = await plugin.requestWillFetch({ request: input.clone() });
  try {
    const response = await fetch(request);
    return await plugin.fetchDidSucceed({ request: request.clone(), response });
  } catch (error) {
    return plugin.handlerDidError({ request: input, error });
  }
}

function setup(o: { failureThreshold?: number; timeoutMs?: number } = {}) {
  const fallback = registerEdgeFallback({
    cdn: CDN,
    origin,
    cors: true,
    persist: false,
    listen: false,
    timeoutMs: o.timeoutMs ?? 1000,
    breaker: { failureThreshold: o.failureThreshold ?? 3 },
  });
  const events: WorkerFallbackEvent[] = [];
  fallback.on("fallback", (e) => events.push(e));
  return { fallback, events };
}

describe("workboxPlugin(fallback)", () => {
  it("leaves requests that are not the CDN's alone", async () => {
    const net = network({ "other.test": () => new Response("other") });
    const { fallback } = setup();
    const response = await strategyFetch(
      workboxPlugin(fallback),
      new Request("https://other.test/a.png", { mode: "no-cors" }),
    );
    expect(await response?.text()).toBe("other");
    expect(net.seen.map((s) => s.mode)).toEqual(["no-cors"]);
  });

  it("makes CDN requests in cors mode and passes a good answer through, a success for the breaker", async () => {
    const net = network({ "cdn.test": () => new Response("cdn") });
    const { fallback } = setup();
    fallback.health.failure("cdn.test");
    const response = await strategyFetch(workboxPlugin(fallback), new Request(`${CDN}/a.png`, { mode: "no-cors" }));
    expect(await response?.text()).toBe("cdn");
    expect(net.seen.map((s) => [s.mode, s.credentials])).toEqual([["cors", "same-origin"]]);
    expect(fallback.health.status("cdn.test").failures).toBe(0);
  });

  it("replaces a fallback status by S3's answer (fetchDidSucceed)", async () => {
    network({ "cdn.test": () => new Response("down", { status: 503 }), "s3.test": () => new Response("s3") });
    const { fallback, events } = setup();
    const response = await strategyFetch(workboxPlugin(fallback), new Request(`${CDN}/a.png`));
    expect(await response?.text()).toBe("s3");
    expect(events).toMatchObject([{ from: "cdn.test", to: "s3.test", reason: "status", status: 503 }]);
  });

  it("answers a CDN silent past timeoutMs from S3 (the timer aborts the fetch, then handlerDidError)", async () => {
    vi.useFakeTimers();
    network({ "cdn.test": () => "hang", "s3.test": () => new Response("s3") });
    const { fallback, events } = setup({ timeoutMs: 500 });
    const pending = strategyFetch(workboxPlugin(fallback), new Request(`${CDN}/a.png`));
    await vi.advanceTimersByTimeAsync(500);
    expect(await (await pending)?.text()).toBe("s3");
    expect(events).toMatchObject([{ reason: "timeout" }]);
  });

  it("sends the request straight to S3 once the breaker is open (the strategy then caches it under the CDN URL)", async () => {
    const net = network({ "cdn.test": () => "error", "s3.test": () => new Response("s3") });
    const { fallback, events } = setup({ failureThreshold: 1 });
    await strategyFetch(workboxPlugin(fallback), new Request(`${CDN}/a.png`));
    net.seen.length = 0;
    const response = await strategyFetch(workboxPlugin(fallback), new Request(`${CDN}/b.png`));
    expect(await response?.text()).toBe("s3");
    expect(net.seen.map((s) => s.url)).toEqual(["https://s3.test/bucket/b.png"]);
    expect(events.at(-1)).toMatchObject({ key: "b.png", reason: "circuit-open" });
  });

  it("refuses anything registerEdgeFallback did not return, with an InvalidInput error", () => {
    const { fallback } = setup();
    expect(() => workboxPlugin({ ...fallback })).toThrow(
      expect.objectContaining({ code: "InvalidInput", message: expect.stringMatching(/^workboxPlugin: /) }),
    );
  });
});
