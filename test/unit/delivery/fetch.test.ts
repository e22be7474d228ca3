import { HttpResponse, delay, http } from "msw";
import { describe, expect, it } from "vitest";
import { FallbackError, createEdge } from "../../../src/delivery/index.js";
import { AbortError } from "../../../src/core/errors.js";
import { CDN, CDN2, ORIGIN, S3, cdnAnswers, makeEdge, s3Serves, useMswServer } from "./helpers.js";

const msw = useMswServer();
const { server } = msw;

describe("edge.fetch: CDN first", () => {
  it("serves from the CDN when it answers 200, without touching S3", async () => {
    server.use(cdnAnswers(200, CDN, "from-cdn"), ...s3Serves());
    const { edge, events } = makeEdge();
    const response = await edge.fetch("a/b c.png");
    expect(await response.text()).toBe("from-cdn");
    expect(response.url).toBe(`${CDN}/a/b%20c.png`);
    expect(msw.net.list).toEqual(["GET cdn.test/a/b%20c.png"]);
    expect(events).toEqual([]);
  });

  it("falls back to S3 when the CDN answers 503, and says so with reason status", async () => {
    server.use(cdnAnswers(503), ...s3Serves());
    const { edge, events } = makeEdge();
    const response = await edge.fetch("k.txt");
    expect(await response.text()).toBe("from-s3");
    expect(response.url).toBe(`${S3}/media/k.txt`);
    expect(events).toEqual([
      { key: "k.txt", from: "cdn.test", to: "s3.test", reason: "status", status: 503, elapsedMs: expect.any(Number) },
    ]);
    expect(edge.health.status("cdn.test")).toMatchObject({ state: "closed", failures: 1, lastReason: "status 503" });
  });

  it("falls back to S3 on a network error", async () => {
    server.use(
      http.get(`${CDN}/*`, () => HttpResponse.error()),
      ...s3Serves(),
    );
    const { edge, events } = makeEdge();
    expect(await (await edge.fetch("k")).text()).toBe("from-s3");
    expect(events.map((e) => e.reason)).toEqual(["network"]);
  });

  it("falls back to S3 when the CDN hangs past timeoutMs, and aborts the hung request", async () => {
    server.use(
      http.get(`${CDN}/*`, async () => {
        await delay("infinite");
        return HttpResponse.text("never");
      }),
      ...s3Serves(),
    );
    const { edge, events } = makeEdge({ timeoutMs: 50 });
    expect(await (await edge.fetch("k")).text()).toBe("from-s3");
    expect(events.map((e) => e.reason)).toEqual(["timeout"]);
    expect(msw.net.aborted).toEqual(["GET cdn.test/k"]);
  }, 5_000);

  it("applies a per-call timeoutMs", async () => {
    server.use(
      http.get(`${CDN}/*`, async () => {
        await delay("infinite");
        return HttpResponse.text("never");
      }),
      ...s3Serves(),
    );
    const { edge, events } = makeEdge({ timeoutMs: 60_000 });
    expect(await (await edge.fetch("k", { timeoutMs: 30 })).text()).toBe("from-s3");
    expect(events.map((e) => e.reason)).toEqual(["timeout"]);
  }, 5_000);

  it("returns a CDN 404 as is by default (not a fallback status)", async () => {
    server.use(cdnAnswers(404), ...s3Serves());
    const { edge, events } = makeEdge();
    const response = await edge.fetch("new.png");
    expect(response.status).toBe(404);
    expect(msw.net.count("s3.test")).toBe(0);
    expect(events).toEqual([]);
    expect(edge.health.status("cdn.test").failures).toBe(0);
  });

  it("falls back on a CDN 404 when 404 is opted in", async () => {
    server.use(cdnAnswers(404), ...s3Serves());
    const { edge, events } = makeEdge({ fallbackStatuses: [403, 404, 500, 502, 503, 504] });
    const response = await edge.fetch("new.png");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("from-s3");
    expect(events).toEqual([expect.objectContaining({ reason: "status", status: 404 })]);
  });

  it("accepts a predicate for fallback statuses", async () => {
    server.use(cdnAnswers(429), ...s3Serves());
    const { edge } = makeEdge({ fallbackStatuses: (status) => status === 429 || status >= 500 });
    expect(await (await edge.fetch("k")).text()).toBe("from-s3");
  });

  it("does not fall back on a 501 when the default 5xx range is replaced", async () => {
    server.use(cdnAnswers(501), ...s3Serves());
    const { edge } = makeEdge({ fallbackStatuses: [502, 503, 504] });
    expect((await edge.fetch("k")).status).toBe(501);
  });

  it("treats a CDN redirect as a failure and never follows it to another host", async () => {
    let evil = 0;
    server.use(
      http.get(
        `${CDN}/*`,
        () => new HttpResponse(null, { status: 302, headers: { location: "https://evil.test/steal" } }),
      ),
      http.get("https://evil.test/*", () => {
        evil++;
        return HttpResponse.text("evil");
      }),
      ...s3Serves(),
    );
    const { edge, events } = makeEdge();
    const response = await edge.fetch("k");
    expect(await response.text()).toBe("from-s3");
    expect(evil).toBe(0);
    expect(events).toEqual([expect.objectContaining({ reason: "redirect", status: 302 })]);
  });

  it("with followRedirects, accepts a redirect that ends on a configured host", async () => {
    server.use(
      http.get(`${CDN}/*`, () => new HttpResponse(null, { status: 302, headers: { location: `${S3}/media/k` } })),
      ...s3Serves(),
    );
    const { edge, events } = makeEdge({ followRedirects: true });
    const response = await edge.fetch("k");
    expect(response.url).toBe(`${S3}/media/k`);
    expect(await response.text()).toBe("from-s3");
    expect(events).toEqual([]);
  });

  it("with followRedirects, discards an answer from an unconfigured host and falls back", async () => {
    server.use(
      http.get(`${CDN}/*`, () => new HttpResponse(null, { status: 301, headers: { location: "https://evil.test/x" } })),
      http.get("https://evil.test/*", () => HttpResponse.text("evil")),
      ...s3Serves(),
    );
    const { edge, events } = makeEdge({ followRedirects: true });
    const response = await edge.fetch("k");
    expect(await response.text()).toBe("from-s3");
    expect(events).toEqual([expect.objectContaining({ reason: "redirect", from: "cdn.test", to: "s3.test" })]);
  });

  it("returns a 304 to a conditional request as a valid answer", async () => {
    server.use(
      http.get(`${CDN}/*`, () => new HttpResponse(null, { status: 304 })),
      ...s3Serves(),
    );
    const { edge, events } = makeEdge();
    const response = await edge.fetch("k", { headers: { "if-none-match": '"v1"' } });
    expect(response.status).toBe(304);
    expect(events).toEqual([]);
  });

  it("passes Range through and returns the 206 of the host that served", async () => {
    const seen: (string | null)[] = [];
    server.use(
      http.get(`${CDN}/*`, ({ request }) => {
        seen.push(request.headers.get("range"));
        return new HttpResponse("cdn down", { status: 502 });
      }),
      ...s3Serves("0123456789"),
    );
    const { edge } = makeEdge();
    const response = await edge.fetch("k", { headers: { range: "bytes=2-5" } });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe("bytes 2-5/10");
    expect(await response.text()).toBe("2345");
    expect(seen).toEqual(["bytes=2-5"]);
  });

  it("passes HEAD through", async () => {
    server.use(cdnAnswers(500), ...s3Serves("0123456789"));
    const { edge } = makeEdge();
    const response = await edge.fetch("k", { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("10");
    expect(msw.net.list).toEqual(["HEAD cdn.test/k", "HEAD s3.test/media/k"]);
  });

  it("puts the query on the CDN request only", async () => {
    server.use(cdnAnswers(503), ...s3Serves());
    const urls: string[] = [];
    server.events.on("request:start", ({ request }) => urls.push(request.url));
    const { edge } = makeEdge();
    await edge.fetch("i.jpg", { query: { w: 100 } });
    expect(urls).toEqual([`${CDN}/i.jpg?w=100`, `${S3}/media/i.jpg`]);
  });

  it("walks several CDNs in order before S3", async () => {
    server.use(
      cdnAnswers(503, CDN),
      http.get(`${CDN2}/*`, () => HttpResponse.error()),
      ...s3Serves(),
    );
    const { edge, events } = makeEdge({ cdn: [CDN, `${CDN2}/prefix`] });
    expect(await (await edge.fetch("k")).text()).toBe("from-s3");
    expect(msw.net.list).toEqual(["GET cdn.test/k", "GET cdn2.test/prefix/k", "GET s3.test/media/k"]);
    expect(events.map((e) => [e.from, e.to, e.reason])).toEqual([
      ["cdn.test", "cdn2.test", "status"],
      ["cdn2.test", "s3.test", "network"],
    ]);
  });

  it("uses the injected fetch", async () => {
    const calls: string[] = [];
    const edge = createEdge({
      cdn: CDN,
      origin: ORIGIN,
      fetch: async (input) => {
        calls.push(input instanceof Request ? input.url : String(input));
        return new Response("injected");
      },
    });
    expect(await (await edge.fetch("k")).text()).toBe("injected");
    expect(calls).toEqual([`${CDN}/k`]);
    expect(msw.net.list).toEqual([]);
  });

  it("rejects with the error of a fallbackStatuses predicate that throws", async () => {
    server.use(cdnAnswers(200), ...s3Serves());
    const bug = new Error("predicate bug");
    const { edge } = makeEdge({
      fallbackStatuses: () => {
        throw bug;
      },
    });
    await expect(edge.fetch("k")).rejects.toBe(bug);
  });

  it("rejects an invalid key without any request", async () => {
    const { edge } = makeEdge();
    await expect(edge.fetch("../etc/passwd")).rejects.toMatchObject({ code: "InvalidKey" });
    expect(msw.net.list).toEqual([]);
  });
});

describe("edge.fetch: when everything fails", () => {
  it("rejects with AllHostsFailed listing each host's reason and status", async () => {
    server.use(
      cdnAnswers(503),
      http.get(`${S3}/*`, () => new HttpResponse("<Error/>", { status: 500 })),
    );
    const { edge } = makeEdge();
    const error = await edge.fetch("k").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FallbackError);
    expect(error).toMatchObject({
      code: "AllHostsFailed",
      status: 500,
      key: "k",
      failures: [
        { source: "cdn", host: "cdn.test", reason: "status", status: 503, url: `${CDN}/k` },
        { source: "s3", host: "s3.test", reason: "status", status: 500, url: `${S3}/media/k` },
      ],
    });
    expect((error as Error).message).toBe(
      'All hosts failed for key "k": cdn cdn.test status 503, s3 s3.test status 500',
    );
  });

  it("keeps query strings and signatures out of the error", async () => {
    server.use(
      cdnAnswers(502),
      http.get(`${S3}/*`, () => HttpResponse.error()),
    );
    const edge = createEdge({
      cdn: CDN,
      origin: { presign: async (key) => `${S3}/media/${key}?X-Amz-Credential=AKIA&X-Amz-Signature=deadbeef` },
    });
    const error = (await edge
      .fetch("k", { query: { token: "secret-token" } })
      .catch((e: unknown) => e)) as FallbackError;
    const text = `${error.message} ${JSON.stringify(error.failures)}`;
    expect(error.code).toBe("AllHostsFailed");
    expect(text).not.toMatch(/deadbeef|AKIA|secret-token/);
    expect(error.failures.map((f) => f.url)).toEqual([`${CDN}/k?<redacted>`, `${S3}/media/k?<redacted>`]);
  });

  it("reports a presigner failure as reason url, with the cause kept", async () => {
    server.use(cdnAnswers(503));
    const boom = new Error("signing endpoint down");
    const edge = createEdge({ cdn: CDN, origin: { presign: () => Promise.reject(boom) } });
    const error = (await edge.fetch("k").catch((e: unknown) => e)) as FallbackError;
    expect(error.failures.map((f) => f.reason)).toEqual(["status", "url"]);
    expect(error.cause).toBe(boom);
  });
});

describe("edge.fetch: caller abort", () => {
  it("rejects with AbortError and does not blame the CDN", async () => {
    server.use(
      http.get(`${CDN}/*`, async () => {
        await delay("infinite");
        return HttpResponse.text("never");
      }),
      ...s3Serves(),
    );
    const { edge, events } = makeEdge({ timeoutMs: 10_000, breaker: { failureThreshold: 1 } });
    const controller = new AbortController();
    const pending = edge.fetch("k", { signal: controller.signal });
    await delay(20);
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ code: "Aborted" });
    await delay(50); // let the aborted attempt settle: it must leave no verdict
    expect(edge.health.status("cdn.test")).toMatchObject({ state: "closed", failures: 0 });
    expect(msw.net.count("s3.test")).toBe(0);
    expect(msw.net.aborted).toEqual(["GET cdn.test/k"]);
    expect(events).toEqual([]);
  }, 5_000);

  it("rejects at once when the signal is already aborted, without a request", async () => {
    const { edge } = makeEdge();
    await expect(edge.fetch("k", { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: "Aborted" });
    expect(msw.net.list).toEqual([]);
  });

  it("frees the half-open probe slot when the probe is aborted by the caller", async () => {
    let t = 0;
    server.use(
      http.get(`${CDN}/*`, async () => {
        await delay("infinite");
        return HttpResponse.text("never");
      }),
      ...s3Serves(),
    );
    const { edge } = makeEdge({ timeoutMs: 10_000, breaker: { failureThreshold: 1, cooldownMs: 100, now: () => t } });
    edge.health.failure("cdn.test");
    t = 100;
    const controller = new AbortController();
    const probe = edge.fetch("k", { signal: controller.signal });
    await delay(20);
    expect(edge.health.status("cdn.test").state).toBe("half-open");
    controller.abort();
    await expect(probe).rejects.toMatchObject({ code: "Aborted" });
    await delay(50);
    // The slot is free: the next caller becomes the probe instead of skipping the CDN.
    expect(edge.health.acquire("cdn.test")).toBe("probe");
  }, 5_000);
});
