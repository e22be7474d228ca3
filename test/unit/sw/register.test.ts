/** registerEdgeFallback: which requests the worker takes, and how it answers them (fake network, fake timers). */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError } from "../../../src/core/errors.js";
import { createHostHealth } from "../../../src/core/health.js";
import { latencyRoute } from "../../../src/sw/latency-route.js";
import { registerEdgeFallback } from "../../../src/sw/register.js";
import type { EdgeFallbackOptions, WorkerFallbackEvent } from "../../../src/sw/types.js";
import { BUCKET, CDN, CDN2, S3, bytes, fetchEvent, network, origin, readAll, serveBytes } from "./helpers.js";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const text =
  (body: string, status = 200) =>
  () =>
    new Response(body, { status });

function setup(o: Partial<EdgeFallbackOptions> = {}) {
  const fallback = registerEdgeFallback({ cdn: CDN, origin, persist: false, listen: false, timeoutMs: 1000, ...o });
  const events: WorkerFallbackEvent[] = [];
  fallback.on("fallback", (e) => events.push(e));
  return { fallback, events };
}

describe("registerEdgeFallback: what it takes", () => {
  it("lets through navigations, non-GET requests, other hosts and CDN URLs that are no key", () => {
    network({});
    const { fallback } = setup();
    const passing = [
      new Request(`${CDN}/a.png`, { method: "POST", body: "x" }),
      new Request(`${CDN}/a.png`, { method: "HEAD" }),
      new Request("https://other.test/media/a.png"),
      new Request(`${S3}/${BUCKET}/a.png`),
      new Request("https://cdn.test/mediaX/a.png"),
      new Request(`${CDN}/`),
    ];
    for (const request of passing) {
      const event = fetchEvent(request);
      expect(fallback.handle(event)).toBe(false);
      expect(event.responded).toBe(false);
    }
    // A navigation (mode "navigate" cannot be built in Node: the worker reads it from the request).
    const navigation = fetchEvent(Object.assign(new Request(`${CDN}/page.html`), {}));
    Object.defineProperty(navigation.request, "mode", { value: "navigate" });
    expect(fallback.handle(navigation)).toBe(false);
    expect(fallback.match(new Request(`${CDN}/fonts/a%20b.woff2?v=2`))).toBe(true);
  });

  it("answers from the CDN when it is healthy, and sends nothing elsewhere", async () => {
    const net = network({ "cdn.test": text("from cdn") });
    const { fallback, events } = setup();
    const event = fetchEvent(new Request(`${CDN}/css/site.css`));
    expect(fallback.handle(event)).toBe(true);
    expect(await (await event.answer)?.text()).toBe("from cdn");
    expect(net.seen.map((s) => s.host)).toEqual(["cdn.test"]);
    expect(events).toEqual([]);
  });
});

describe("registerEdgeFallback: several S3 origins (primary, then replicas)", () => {
  const replica = { endpoint: "https://replica.test", bucket: BUCKET };

  it("moves on from a primary that fails to the replica, and from a replica's 404 (not replicated yet) without a verdict", async () => {
    const net = network({
      "cdn.test": () => "error",
      "s3.test": text("down", 503),
      "replica.test": text("from replica"),
    });
    const { fallback, events } = setup({ origin: [origin, replica] });
    expect(await (await fallback.fetch(new Request(`${CDN}/a.png`))).text()).toBe("from replica");
    expect(net.seen.map((s) => s.host)).toEqual(["cdn.test", "s3.test", "replica.test"]);
    expect(events.map((e) => [e.from, e.to, e.reason])).toEqual([
      ["cdn.test", "s3.test", "network"],
      ["s3.test", "replica.test", "status"],
    ]);

    // Primary healthy again but the replica first would be wrong: a 404 from the primary moves on as "missing".
    net.set("s3.test", text("NoSuchKey", 404));
    net.set("replica.test", text("from replica"));
    const before = fallback.health.status("s3.test").failures;
    expect(await (await fallback.fetch(new Request(`${CDN}/b.png`))).text()).toBe("from replica");
    expect(events.at(-1)).toMatchObject({ from: "s3.test", to: "replica.test", reason: "missing", status: 404 });
    expect(fallback.health.status("s3.test").failures).toBe(before);
  });

  it("gives the last origin's answer as it is: a 404 from every origin stays a 404", async () => {
    network({ "cdn.test": () => "error", "s3.test": text("NoSuchKey", 404), "replica.test": text("NoSuchKey", 404) });
    const { fallback } = setup({ origin: [origin, replica] });
    const response = await fallback.fetch(new Request(`${CDN}/gone.png`));
    expect([response.status, await response.text()]).toEqual([404, "NoSuchKey"]);
  });
});

describe("registerEdgeFallback: the order of the origins (route)", () => {
  const replica = { endpoint: "https://replica.test", bucket: BUCKET };

  it("by default keeps the configured order, an origin the breaker holds back skipped first, and measures no latency", async () => {
    const net = network({
      "cdn.test": () => "error",
      "s3.test": text("from primary"),
      "replica.test": text("from replica"),
    });
    const { fallback, events } = setup({ origin: [origin, replica] });
    expect(fallback.health.observe).toBeUndefined();
    expect(await (await fallback.fetch(new Request(`${CDN}/a.png`))).text()).toBe("from primary");
    for (let i = 0; i < 3; i++) fallback.health.failure("s3.test", "test");
    net.seen.length = 0;
    expect(await (await fallback.fetch(new Request(`${CDN}/b.png`))).text()).toBe("from replica");
    expect(net.seen.map((s) => s.host)).toEqual(["cdn.test", "replica.test"]);
    expect(events.at(-1)).toMatchObject({ from: "s3.test", to: "replica.test", reason: "circuit-open" });
  });

  it("with latencyRoute(), tries the clearly faster healthy origin first", async () => {
    const net = network({
      "cdn.test": () => "error",
      "s3.test": text("from primary"),
      "replica.test": text("from replica"),
    });
    const { fallback } = setup({
      origin: [origin, replica],
      route: latencyRoute({ exploreRate: 0, exploreAfterMs: 3_600_000 }),
    });
    const observe = fallback.health.observe;
    expect(observe).toBeTypeOf("function");
    for (let i = 0; i < 5; i++) {
      observe?.("s3.test", 400);
      observe?.("replica.test", 20);
    }
    expect(await (await fallback.fetch(new Request(`${CDN}/a.png`))).text()).toBe("from replica");
    expect(net.seen.map((s) => s.host)).toEqual(["cdn.test", "replica.test"]);
  });

  it("latencyRoute() checks its options with a ConfigError naming the option", () => {
    expect(() => latencyRoute({ exploreRate: 2 })).toThrow(
      expect.objectContaining({ code: "InvalidConfig", option: "exploreRate" }),
    );
  });
});

describe("registerEdgeFallback: falling back", () => {
  it("answers from the mapped S3 URL on a network error of the CDN, and tells the listeners", async () => {
    const net = network({ "cdn.test": () => "error", "s3.test": text("from s3") });
    const { fallback, events } = setup();
    const response = await fallback.fetch(new Request(`${CDN}/img/bg%20one.png?w=200`));
    expect(await response.text()).toBe("from s3");
    expect(net.seen.map((s) => s.url)).toEqual([`${CDN}/img/bg%20one.png?w=200`, `${S3}/${BUCKET}/img/bg%20one.png`]);
    expect(events).toMatchObject([
      { key: "img/bg one.png", from: "cdn.test", to: "s3.test", reason: "network", url: `${CDN}/img/bg%20one.png` },
    ]);
  });

  it("moves on on a fallback status, and passes other statuses through", async () => {
    const net = network({ "cdn.test": text("down", 503), "s3.test": text("from s3") });
    const { fallback, events } = setup({ fallbackStatuses: [404, 503] });
    expect(await (await fallback.fetch(new Request(`${CDN}/a.js`))).text()).toBe("from s3");
    expect(events[0]).toMatchObject({ reason: "status", status: 503 });
    net.set("cdn.test", text("teapot", 418));
    const through = await fallback.fetch(new Request(`${CDN}/a.js`));
    expect([through.status, await through.text()]).toEqual([418, "teapot"]);
  });

  it("gives S3's answer as it is, whatever its status: a missing object stays a 404", async () => {
    network({ "cdn.test": () => "error", "s3.test": text("NoSuchKey", 404) });
    const { fallback } = setup();
    expect((await fallback.fetch(new Request(`${CDN}/gone.png`))).status).toBe(404);
  });

  it("answers a network error when every host fails, as the browser would without the worker", async () => {
    network({ "cdn.test": () => "error", "s3.test": () => "error" });
    const { fallback } = setup();
    expect((await fallback.fetch(new Request(`${CDN}/a.png`))).type).toBe("error");
  });

  it("gives up a CDN that sends no headers within timeoutMs", async () => {
    vi.useFakeTimers();
    network({ "cdn.test": () => "hang", "s3.test": text("from s3") });
    const { fallback, events } = setup({ timeoutMs: 2000 });
    const pending = fallback.fetch(new Request(`${CDN}/font.woff2`));
    await vi.advanceTimersByTimeAsync(1999);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await (await pending).text()).toBe("from s3");
    expect(events).toMatchObject([{ reason: "timeout", elapsedMs: 2000 }]);
  });

  it("tries the next CDN before S3, keeping the path and query", async () => {
    const net = network({ "cdn.test": () => "error", "cdn2.test": text("from cdn2") });
    const { fallback } = setup({ cdn: [CDN, CDN2] });
    expect(await (await fallback.fetch(new Request(`${CDN}/v.mp4?t=1`))).text()).toBe("from cdn2");
    expect(net.seen.map((s) => s.url)).toEqual([`${CDN}/v.mp4?t=1`, `${CDN2}/v.mp4?t=1`]);
  });

  it("goes straight to S3 once the breaker is open, and says why", async () => {
    const net = network({ "cdn.test": () => "error", "s3.test": text("from s3") });
    const { fallback, events } = setup({ breaker: { failureThreshold: 2 } });
    for (let i = 0; i < 2; i++) await fallback.fetch(new Request(`${CDN}/k${i}.png`));
    net.seen.length = 0;
    expect(await (await fallback.fetch(new Request(`${CDN}/k9.png`))).text()).toBe("from s3");
    expect(net.seen.map((s) => s.host)).toEqual(["s3.test"]);
    expect(events.at(-1)).toMatchObject({ key: "k9.png", reason: "circuit-open", from: "cdn.test" });
  });

  it("shares a breaker given as health (one outage learned once with the page's layers)", async () => {
    const net = network({ "s3.test": text("from s3") });
    const health = createHostHealth();
    for (let i = 0; i < 3; i++) health.failure("cdn.test");
    const { fallback } = setup({ health });
    await fallback.fetch(new Request(`${CDN}/a.png`));
    expect(net.seen.map((s) => s.host)).toEqual(["s3.test"]);
  });

  it("hedges: a CDN silent past hedgeMs races S3, and the first good answer wins", async () => {
    vi.useFakeTimers();
    network({ "cdn.test": () => "hang", "s3.test": text("from s3") });
    const { fallback, events } = setup({ hedgeMs: 100, timeoutMs: 5000 });
    const pending = fallback.fetch(new Request(`${CDN}/a.json`));
    await vi.advanceTimersByTimeAsync(100);
    expect(await (await pending).text()).toBe("from s3");
    expect(events).toMatchObject([{ reason: "hedge", from: "cdn.test", to: "s3.test" }]);
  });
});

describe("registerEdgeFallback: modes, credentials and ranges", () => {
  it("makes no-cors requests in cors mode without credentials when the CDN and bucket send CORS", async () => {
    const net = network({ "cdn.test": text("x", 503), "s3.test": text("ok") });
    const { fallback } = setup({ cors: true });
    await fallback.fetch(new Request(`${CDN}/bg.png`, { mode: "no-cors", credentials: "include" }));
    expect(net.seen.map((s) => [s.host, s.mode, s.credentials])).toEqual([
      ["cdn.test", "cors", "same-origin"],
      ["s3.test", "cors", "same-origin"],
    ]);
  });

  it("without cors, sends a no-cors request to the CDN as the page made it", async () => {
    const net = network({ "cdn.test": text("opaque in a browser") });
    const { fallback } = setup();
    await fallback.fetch(new Request(`${CDN}/bg.png`, { mode: "no-cors", credentials: "include" }));
    expect(net.seen.map((s) => [s.mode, s.credentials])).toEqual([["no-cors", "include"]]);
  });

  it("carries a Range to S3 in cors mode (browsers drop Range from a no-cors request a worker builds)", async () => {
    const object = bytes(1000);
    const net = network({ "cdn.test": () => "error", "s3.test": serveBytes(object) });
    const { fallback } = setup();
    const response = await fallback.fetch(
      new Request(`${CDN}/v.webm`, { mode: "no-cors", headers: { range: "bytes=600-" } }),
    );
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe("bytes 600-999/1000");
    expect(await readAll(response)).toEqual(object.slice(600));
    expect(net.seen.map((s) => [s.host, s.mode, s.range])).toEqual([
      ["cdn.test", "no-cors", "bytes=600-"],
      ["s3.test", "cors", "bytes=600-"],
    ]);
  });

  it("never forwards the page's other headers to another host", async () => {
    const forwarded: string[] = [];
    network({
      "cdn.test": () => "error",
      "s3.test": (r) => {
        forwarded.push(...r.headers.keys());
        return new Response("ok");
      },
    });
    const { fallback } = setup();
    await fallback.fetch(
      new Request(`${CDN}/a.json`, {
        headers: { authorization: "Bearer t", "x-app": "1", accept: "application/json" },
      }),
    );
    expect(forwarded).toEqual(["accept"]);
  });
});

describe("registerEdgeFallback: options", () => {
  it.each([
    [{ timeoutMs: 0 }, "timeoutMs"],
    [{ hedgeMs: -1 }, "hedgeMs"],
    [{ cors: "yes" }, "cors"],
    [{ fallbackStatuses: "5xx" }, "fallbackStatuses"],
    [{ cdn: "" }, "cdn"],
    [{ origin: undefined }, "origin"],
    [{ route: "latency" }, "route"],
  ])("refuses %j with a ConfigError naming the option and registerEdgeFallback", (bad, option) => {
    const options = { cdn: CDN, origin, persist: false, listen: false, ...bad } as EdgeFallbackOptions;
    const error = (() => {
      try {
        registerEdgeFallback(options);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "InvalidConfig", option });
    expect((error as Error).message).toMatch(/^registerEdgeFallback: /);
  });

  it("adds a fetch listener by default and removes it on stop", async () => {
    const target = new EventTarget();
    vi.stubGlobal("addEventListener", target.addEventListener.bind(target));
    vi.stubGlobal("removeEventListener", target.removeEventListener.bind(target));
    network({ "cdn.test": text("cdn") });
    const fallback = registerEdgeFallback({ cdn: CDN, origin, persist: false });
    const event = Object.assign(new Event("fetch"), fetchEvent(new Request(`${CDN}/a.png`)));
    target.dispatchEvent(event);
    expect(event.responded).toBe(true);
    fallback.stop();
    const later = Object.assign(new Event("fetch"), fetchEvent(new Request(`${CDN}/a.png`)));
    target.dispatchEvent(later);
    expect(later.responded).toBe(false);
  });
});
