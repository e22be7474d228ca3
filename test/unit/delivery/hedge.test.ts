import { HttpResponse, delay, http } from "msw";
import { describe, expect, it, vi } from "vitest";
import { CDN, CDN2, S3, cdnAnswers, deferred, makeEdge, s3Serves, useMswServer } from "./helpers.js";

const msw = useMswServer();
const { server } = msw;

const hangs = (base: string) =>
  http.get(`${base}/*`, async () => {
    await delay("infinite");
    return HttpResponse.text("never");
  });

describe("hedging", () => {
  it("starts S3 when the CDN is silent past hedgeMs, takes S3's answer and aborts the CDN request without blaming it", async () => {
    server.use(hangs(CDN), ...s3Serves());
    const { edge, events } = makeEdge({ hedgeMs: 20, timeoutMs: 60_000 });
    const response = await edge.fetch("k");
    expect(await response.text()).toBe("from-s3");
    expect(response.url).toBe(`${S3}/media/k`);
    expect(msw.net.list).toEqual(["GET cdn.test/k", "GET s3.test/media/k"]);
    await vi.waitFor(() => expect(msw.net.aborted).toEqual(["GET cdn.test/k"]));
    expect(events).toEqual([
      { key: "k", from: "cdn.test", to: "s3.test", reason: "hedge", elapsedMs: expect.any(Number) },
    ]);
    await delay(50); // let the aborted loser settle: it must leave no verdict
    expect(edge.health.status("cdn.test")).toMatchObject({ state: "closed", failures: 0 });
  }, 5_000);

  it("keeps the CDN's answer when it wins the race, and aborts the hedge to S3", async () => {
    const cdnGate = deferred();
    server.use(
      http.get(`${CDN}/*`, async () => {
        await cdnGate.promise;
        return HttpResponse.text("from-cdn");
      }),
      hangs(`${S3}/media`),
    );
    const { edge, events } = makeEdge({ hedgeMs: 5, timeoutMs: 60_000 });
    const pending = edge.fetch("k");
    await vi.waitFor(() => expect(msw.net.count("s3.test")).toBe(1));
    cdnGate.resolve();
    const response = await pending;
    expect(await response.text()).toBe("from-cdn");
    await vi.waitFor(() => expect(msw.net.aborted).toEqual(["GET s3.test/media/k"]));
    expect(events).toEqual([]);
    await delay(50);
    expect(edge.health.status("s3.test").failures).toBe(0);
  }, 5_000);

  it("starts the next candidate at once when the CDN fails before hedgeMs", async () => {
    server.use(cdnAnswers(503), ...s3Serves());
    // With a one-minute hedge, only an immediate start can finish within the test's timeout.
    const { edge, events } = makeEdge({ hedgeMs: 60_000, timeoutMs: 60_000 });
    expect(await (await edge.fetch("k")).text()).toBe("from-s3");
    expect(events.map((e) => [e.from, e.to, e.reason, e.status])).toEqual([["cdn.test", "s3.test", "status", 503]]);
  }, 5_000);

  it("records a real failure of the first host even when the hedge is already running", async () => {
    const cdnGate = deferred();
    const s3Gate = deferred();
    server.use(
      http.get(`${CDN}/*`, async () => {
        await cdnGate.promise;
        return new HttpResponse("down", { status: 502 });
      }),
      http.get(`${S3}/media/*`, async () => {
        await s3Gate.promise;
        return HttpResponse.text("from-s3");
      }),
    );
    const { edge, events } = makeEdge({ hedgeMs: 5, timeoutMs: 60_000 });
    const pending = edge.fetch("k");
    await vi.waitFor(() => expect(msw.net.count("s3.test")).toBe(1));
    cdnGate.resolve();
    await vi.waitFor(() => expect(edge.health.status("cdn.test").failures).toBe(1));
    s3Gate.resolve();
    expect(await (await pending).text()).toBe("from-s3");
    expect(events.map((e) => [e.from, e.to, e.reason])).toEqual([["cdn.test", "s3.test", "status"]]);
  }, 5_000);

  it("hedges along several CDNs in order, one new candidate per hedge delay", async () => {
    server.use(hangs(CDN), hangs(CDN2), ...s3Serves());
    const { edge, events } = makeEdge({ cdn: [CDN, CDN2], hedgeMs: 10, timeoutMs: 60_000 });
    expect(await (await edge.fetch("k")).text()).toBe("from-s3");
    expect(msw.net.list).toEqual(["GET cdn.test/k", "GET cdn2.test/k", "GET s3.test/media/k"]);
    await vi.waitFor(() => expect([...msw.net.aborted].sort()).toEqual(["GET cdn.test/k", "GET cdn2.test/k"]));
    expect(events.map((e) => [e.from, e.to, e.reason])).toEqual([
      ["cdn.test", "s3.test", "hedge"],
      ["cdn2.test", "s3.test", "hedge"],
    ]);
  }, 5_000);

  it("waits for the CDN in flight before trying an S3 whose breaker is open", async () => {
    const time = { t: 0 };
    const cdnGate = deferred();
    server.use(
      http.get(`${CDN}/*`, async () => {
        await cdnGate.promise;
        return new HttpResponse("down", { status: 503 });
      }),
      ...s3Serves(),
    );
    const { edge } = makeEdge({
      hedgeMs: 5,
      timeoutMs: 60_000,
      breaker: { failureThreshold: 1, cooldownMs: 60_000, now: () => time.t },
    });
    edge.health.failure("s3.test");
    const pending = edge.fetch("k");
    await delay(40);
    expect(msw.net.list).toEqual(["GET cdn.test/k"]);
    cdnGate.resolve();
    expect(await (await pending).text()).toBe("from-s3");
    expect(msw.net.list).toEqual(["GET cdn.test/k", "GET s3.test/media/k"]);
  }, 5_000);

  it("releases the probe slot of a probing CDN that lost the race", async () => {
    const time = { t: 0 };
    server.use(hangs(CDN), ...s3Serves());
    const { edge } = makeEdge({
      hedgeMs: 5,
      timeoutMs: 60_000,
      breaker: { failureThreshold: 1, cooldownMs: 100, now: () => time.t },
    });
    edge.health.failure("cdn.test");
    time.t = 100;
    expect(await (await edge.fetch("k")).text()).toBe("from-s3");
    await delay(50);
    expect(edge.health.status("cdn.test").state).toBe("half-open");
    expect(edge.health.acquire("cdn.test")).toBe("probe");
  }, 5_000);
});
