import { HttpResponse, http } from "msw";
import { describe, expect, it, vi } from "vitest";
import { createHostHealth } from "../../../src/core/health.js";
import type { EdgeState } from "../../../src/delivery/index.js";
import { CDN, CDN2, S3, cdnAnswers, deferred, makeEdge, s3Serves, useMswServer } from "./helpers.js";

const msw = useMswServer();
const { server } = msw;

/** A clock the breaker reads; tests move it instead of sleeping. */
function clock() {
  const c = { t: 1_000_000, now: () => c.t };
  return c;
}

describe("circuit breaker through edge.fetch", () => {
  it("opens after N failures, then sends requests straight to S3 with one circuit-open event each", async () => {
    const time = clock();
    server.use(cdnAnswers(503), ...s3Serves());
    const { edge, events } = makeEdge({ breaker: { failureThreshold: 2, cooldownMs: 1000, now: time.now } });
    await edge.fetch("a");
    await edge.fetch("b");
    expect(edge.health.status("cdn.test").state).toBe("open");
    msw.net.list.length = 0;
    events.length = 0;

    const response = await edge.fetch("c");
    expect(await response.text()).toBe("from-s3");
    expect(msw.net.list).toEqual(["GET s3.test/media/c"]);
    expect(events).toEqual([
      { key: "c", from: "cdn.test", to: "s3.test", reason: "circuit-open", elapsedMs: expect.any(Number) },
    ]);
  });

  it("sends one half-open probe after the cooldown and returns traffic to the CDN when it succeeds", async () => {
    const time = clock();
    let cdnStatus = 503;
    server.use(
      http.get(`${CDN}/*`, () => new HttpResponse("cdn", { status: cdnStatus })),
      ...s3Serves(),
    );
    const recovered: string[] = [];
    const { edge } = makeEdge({ breaker: { failureThreshold: 1, cooldownMs: 1000, now: time.now } });
    edge.on("recover", ({ host }) => recovered.push(host));
    await edge.fetch("a");
    expect(edge.health.status("cdn.test").state).toBe("open");

    time.t += 999;
    await edge.fetch("b");
    expect(msw.net.count("cdn.test")).toBe(1);

    cdnStatus = 200;
    time.t += 1;
    const probe = await edge.fetch("c");
    expect(await probe.text()).toBe("cdn");
    expect(msw.net.count("cdn.test")).toBe(2);
    expect(edge.health.status("cdn.test").state).toBe("closed");
    expect(recovered).toEqual(["cdn.test"]);

    await edge.fetch("d");
    expect(msw.net.list.at(-1)).toBe("GET cdn.test/d");
  });

  it("re-opens when the probe fails, and the request still gets S3's bytes", async () => {
    const time = clock();
    server.use(cdnAnswers(502), ...s3Serves());
    const { edge, events } = makeEdge({ breaker: { failureThreshold: 1, cooldownMs: 1000, now: time.now } });
    await edge.fetch("a");
    time.t += 1000;
    events.length = 0;
    expect(await (await edge.fetch("b")).text()).toBe("from-s3");
    expect(events.map((e) => e.reason)).toEqual(["status"]);
    expect(edge.health.status("cdn.test")).toMatchObject({ state: "open", cooldownMs: 2000 });
  });

  it("keeps other requests away from the CDN while the probe is in flight", async () => {
    const time = clock();
    const gate = deferred();
    let probing = true;
    server.use(
      http.get(`${CDN}/*`, async () => {
        if (probing) await gate.promise;
        return HttpResponse.text("cdn");
      }),
      ...s3Serves(),
    );
    const { edge, events } = makeEdge({
      timeoutMs: 10_000,
      breaker: { failureThreshold: 1, cooldownMs: 1000, now: time.now },
    });
    edge.health.failure("cdn.test");
    time.t += 1000;
    const probe = edge.fetch("probe");
    await vi.waitFor(() => expect(msw.net.count("cdn.test")).toBe(1));
    const other = await edge.fetch("other");
    expect(await other.text()).toBe("from-s3");
    expect(events).toEqual([expect.objectContaining({ key: "other", reason: "circuit-open" })]);
    probing = false;
    gate.resolve();
    expect(await (await probe).text()).toBe("cdn");
    expect(edge.health.status("cdn.test").state).toBe("closed");
  });

  it("still tries S3 when every breaker is open: never fails without trying", async () => {
    const time = clock();
    server.use(cdnAnswers(503), ...s3Serves());
    const { edge, events } = makeEdge({ breaker: { failureThreshold: 1, cooldownMs: 60_000, now: time.now } });
    edge.health.failure("cdn.test");
    edge.health.failure("s3.test");
    expect(await (await edge.fetch("k")).text()).toBe("from-s3");
    expect(msw.net.list).toEqual(["GET s3.test/media/k"]);
    expect(events.map((e) => e.reason)).toEqual(["circuit-open"]);
  });

  it("skips an open CDN among several and sends one circuit-open event per request", async () => {
    const time = clock();
    server.use(cdnAnswers(200, CDN2, "cdn2"), ...s3Serves());
    const { edge, events } = makeEdge({
      cdn: [CDN, CDN2],
      breaker: { failureThreshold: 1, cooldownMs: 60_000, now: time.now },
    });
    edge.health.failure("cdn.test");
    expect(await (await edge.fetch("k")).text()).toBe("cdn2");
    expect(events.map((e) => [e.from, e.to, e.reason])).toEqual([["cdn.test", "cdn2.test", "circuit-open"]]);
  });

  it("shares what it learns with another edge on the same health", async () => {
    const time = clock();
    const health = createHostHealth({ failureThreshold: 1, cooldownMs: 60_000, now: time.now });
    server.use(cdnAnswers(503), ...s3Serves());
    const first = makeEdge({ health }).edge;
    const second = makeEdge({ health }).edge;
    await first.fetch("a");
    msw.net.list.length = 0;
    await second.fetch("b");
    expect(msw.net.list).toEqual(["GET s3.test/media/b"]);
  });
});

describe("edge.report, getState, subscribe", () => {
  it("records reports for configured hosts only", () => {
    const health = createHostHealth({ failureThreshold: 2 });
    const failure = vi.spyOn(health, "failure");
    const success = vi.spyOn(health, "success");
    const { edge } = makeEdge({ health });
    edge.report(`${CDN}/a.png`, false, "img-error");
    edge.report("https://elsewhere.test/a.png", false, "img-error");
    edge.report(`${S3}/media/a.png`, true);
    edge.report("not a url", false);
    expect(failure.mock.calls).toEqual([["cdn.test", "img-error"]]);
    expect(success.mock.calls).toEqual([["s3.test"]]);
    edge.report(`${CDN}/b.png`, false);
    expect(health.status("cdn.test").state).toBe("open");
  });

  it("an <img> that loads from the CDN after its cool-down closes the breaker (the load was the probe)", () => {
    const time = clock();
    const recovered: string[] = [];
    const { edge } = makeEdge({ breaker: { failureThreshold: 1, cooldownMs: 1000, now: time.now } });
    edge.on("recover", (e) => recovered.push(e.host));
    edge.report(`${CDN}/a.png`, false, "img-error");
    expect(edge.urls("a.png")[0]).toMatch(/^https:\/\/s3\.test\//); // open: S3 first
    edge.report(`${CDN}/a.png`, true); // a late success during the cool-down changes nothing
    expect(edge.health.status("cdn.test").state).toBe("open");
    time.t += 1001;
    expect(edge.urls("a.png")[0]).toBe(`${CDN}/a.png`); // cooled down: the CDN is tried first again
    edge.report(`${CDN}/a.png`, true);
    expect(edge.health.status("cdn.test").state).toBe("closed");
    expect(recovered).toEqual(["cdn.test"]);
  });

  it("an <img> that fails on the CDN after its cool-down re-opens it with a longer cool-down", () => {
    const time = clock();
    const { edge } = makeEdge({ breaker: { failureThreshold: 1, cooldownMs: 1000, now: time.now } });
    edge.report(`${CDN}/a.png`, false);
    time.t += 1001;
    edge.report(`${CDN}/a.png`, false, "img-timeout");
    const status = edge.health.status("cdn.test");
    expect(status.state).toBe("open");
    expect(status.cooldownMs).toBe(2000);
  });

  it("exposes the configured hosts' breakers, with a stable identity while nothing changes", () => {
    const time = clock();
    const { edge } = makeEdge({ cdn: [CDN, CDN2], breaker: { failureThreshold: 1, cooldownMs: 500, now: time.now } });
    const first = edge.getState();
    expect(first.hosts.map((h) => [h.host, h.source, h.state])).toEqual([
      ["cdn.test", "cdn", "closed"],
      ["cdn2.test", "cdn", "closed"],
      ["s3.test", "s3", "closed"],
    ]);
    expect(edge.getState()).toBe(first);
    edge.health.failure("unrelated.test");
    expect(edge.getState()).toBe(first);
    edge.health.failure("cdn2.test");
    const second = edge.getState();
    expect(second).not.toBe(first);
    expect(second.hosts[1]).toMatchObject({ host: "cdn2.test", state: "open", openedUntil: time.t + 500 });
  });

  it("notifies subscribers of breaker changes of its hosts, and stops after unsubscribe", () => {
    const time = clock();
    const { edge } = makeEdge({ breaker: { failureThreshold: 1, cooldownMs: 500, now: time.now } });
    const seen: EdgeState[] = [];
    const unsubscribe = edge.subscribe((s) => seen.push(s));
    edge.health.failure("other.test");
    edge.health.failure("cdn.test");
    expect(seen.map((s) => s.hosts[0]?.state)).toEqual(["open"]);
    expect(seen[0]).toBe(edge.getState());
    unsubscribe();
    unsubscribe();
    time.t += 500;
    edge.health.acquire("cdn.test");
    expect(seen).toHaveLength(1);
  });

  it("listens to the breaker only while someone listens, so a shared health does not keep edges alive", () => {
    const inner = createHostHealth();
    let active = 0;
    const health = {
      ...inner,
      subscribe(listener: Parameters<typeof inner.subscribe>[0]) {
        active++;
        const off = inner.subscribe(listener);
        return () => {
          active--;
          off();
        };
      },
    };
    const { edge } = makeEdge({ health });
    expect(active).toBe(0);
    const offA = edge.subscribe(() => undefined);
    const offB = edge.subscribe(() => undefined);
    expect(active).toBe(1);
    offA();
    expect(active).toBe(1);
    offB();
    expect(active).toBe(0);
    makeEdge({ health }).edge.on("recover", () => undefined);
    expect(active).toBe(1);
    const offRecover = edge.on("recover", () => undefined);
    expect(active).toBe(2);
    offRecover();
    expect(active).toBe(1);
  });

  it("delivers recover events to edge.on listeners", () => {
    const time = clock();
    const { edge } = makeEdge({ breaker: { failureThreshold: 1, cooldownMs: 10, now: time.now } });
    const recovered: string[] = [];
    edge.on("recover", (e) => recovered.push(e.host));
    edge.health.failure("cdn.test");
    time.t += 10;
    edge.health.acquire("cdn.test");
    edge.health.success("cdn.test");
    expect(recovered).toEqual(["cdn.test"]);
  });

  it("emits recover only for its own hosts, and fallback events sent by other layers", () => {
    const time = clock();
    const health = createHostHealth({ failureThreshold: 1, cooldownMs: 10, now: time.now });
    const recovered: string[] = [];
    const { edge, events } = makeEdge({ health });
    edge.on("recover", (e) => recovered.push(e.host));
    for (const host of ["cdn.test", "other.test"]) {
      health.failure(host);
      time.t += 10;
      health.acquire(host);
      health.success(host);
    }
    expect(recovered).toEqual(["cdn.test"]);
    edge.notify({ key: "k", from: "cdn.test", to: "s3.test", reason: "network", elapsedMs: 1 });
    expect(events).toEqual([{ key: "k", from: "cdn.test", to: "s3.test", reason: "network", elapsedMs: 1 }]);
    const viaOn: string[] = [];
    const off = edge.on("fallback", (e) => viaOn.push(e.reason));
    edge.notify({ key: "k", from: "cdn.test", to: "s3.test", reason: "timeout", elapsedMs: 1 });
    off();
    edge.notify({ key: "k", from: "cdn.test", to: "s3.test", reason: "timeout", elapsedMs: 1 });
    expect(viaOn).toEqual(["timeout"]);
  });
});
