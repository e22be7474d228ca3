/** Placeholder detection: Resource Timing when exposed, else few CORS HEAD checks per host. */
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createHostHealth } from "../../../src/core/health.js";
import { createStatusChecker, exposedStatus, headStatus, type CheckResult } from "../../../src/dom/status.js";

const heads: string[] = [];
let status = 200;
let cors = true;
const server = setupServer(
  http.head("https://cdn.test/*", ({ request }) => {
    heads.push(new URL(request.url).pathname);
    if (!cors) return HttpResponse.error();
    return new HttpResponse(null, { status, headers: { "access-control-allow-origin": "*" } });
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  heads.length = 0;
  status = 200;
  cors = true;
  vi.unstubAllGlobals();
});
afterAll(() => server.close());

const isFallback = (s: number) => s >= 500;
const check = (checker: ReturnType<typeof createStatusChecker>, path: string) =>
  new Promise<CheckResult>((resolve) => checker.check(`https://cdn.test${path}`, "cdn.test", resolve));

describe("exposedStatus and headStatus", () => {
  it("reads responseStatus from Resource Timing when the browser exposes it (0 means not exposed)", () => {
    vi.stubGlobal("performance", {
      getEntriesByName: (url: string) =>
        url.endsWith("cors.png") ? [{ responseStatus: 503 }] : [{ responseStatus: 0 }],
    });
    expect(exposedStatus("https://cdn.test/cors.png")).toBe(503);
    expect(exposedStatus("https://cdn.test/plain.png")).toBeUndefined();
  });

  it("reads a status through a CORS HEAD, and undefined when the answer is unreadable", async () => {
    status = 503;
    expect(await headStatus("https://cdn.test/a.png")).toBe(503);
    cors = false;
    expect(await headStatus("https://cdn.test/a.png")).toBeUndefined();
  });
});

describe("createStatusChecker", () => {
  it("checks the first image of a host, then samples at most once per interval while healthy", async () => {
    const clock = { t: 0 };
    const checker = createStatusChecker(createHostHealth(), isFallback, 10_000, () => clock.t);
    expect(await check(checker, "/1.png")).toBeUndefined();
    expect(await check(checker, "/2.png")).toBeUndefined();
    clock.t += 10_000;
    expect(await check(checker, "/3.png")).toBeUndefined();
    expect(heads).toEqual(["/1.png", "/3.png"]);
  });

  it("finds a placeholder's status, then checks every image (one at a time) until a check is good again", async () => {
    const clock = { t: 0 };
    const checker = createStatusChecker(createHostHealth(), isFallback, 10_000, () => clock.t);
    status = 503;
    const results = await Promise.all([check(checker, "/1.png"), check(checker, "/2.png"), check(checker, "/3.png")]);
    expect(results).toEqual([503, 503, 503]);
    expect(checker.suspect("cdn.test")).toBe(true);
    status = 200;
    expect(await check(checker, "/4.png")).toBeUndefined();
    expect(checker.suspect("cdn.test")).toBe(false);
    expect(heads).toEqual(["/1.png", "/2.png", "/3.png", "/4.png"]);
  });

  it("checks while the host's breaker has failures", async () => {
    const health = createHostHealth();
    const checker = createStatusChecker(health, isFallback, 10_000);
    await check(checker, "/1.png");
    health.failure("cdn.test");
    await check(checker, "/2.png");
    expect(heads).toEqual(["/1.png", "/2.png"]);
  });

  it("stops asking a CDN that never answers CORS; one that did and then does not has an error page without CORS (0)", async () => {
    const blind = createStatusChecker(createHostHealth(), isFallback, 1);
    cors = false;
    expect(await check(blind, "/1.png")).toBeUndefined();
    expect(await check(blind, "/2.png")).toBeUndefined();
    expect(heads).toEqual(["/1.png"]);

    heads.length = 0;
    const seen = createStatusChecker(createHostHealth(), isFallback, 1);
    cors = true;
    expect(await check(seen, "/1.png")).toBeUndefined();
    cors = false;
    await new Promise((r) => setTimeout(r, 2));
    expect(await check(seen, "/2.png")).toBe(0);
  });

  it("makes no HEAD at all with intervalMs 0, and drops queued checks on clear()", async () => {
    const off = createStatusChecker(createHostHealth(), isFallback, 0);
    expect(await check(off, "/1.png")).toBeUndefined();
    expect(heads).toEqual([]);
    const checker = createStatusChecker(createHostHealth(), isFallback, 10_000);
    const first = check(checker, "/1.png");
    const dropped = vi.fn();
    checker.check("https://cdn.test/2.png", "cdn.test", dropped);
    checker.clear("cdn.test");
    await first;
    expect(dropped).not.toHaveBeenCalled();
  });

  it("holds a routine check until defer runs it; the images that loaded meanwhile share its one HEAD", async () => {
    const held: Array<() => void> = [];
    const checker = createStatusChecker(createHostHealth(), isFallback, 10_000, Date.now, (run) => held.push(run));
    const results = [check(checker, "/1.png"), check(checker, "/2.png"), check(checker, "/3.png")];
    await new Promise((r) => setTimeout(r, 5));
    expect(heads).toEqual([]);
    expect(held).toHaveLength(1);
    for (const run of held) run();
    expect(await Promise.all(results)).toEqual([undefined, undefined, undefined]);
    expect(heads).toEqual(["/1.png"]);
  });

  it("does not hold a check with a reason to doubt (the host's breaker has failures)", async () => {
    const health = createHostHealth();
    const held: Array<() => void> = [];
    const checker = createStatusChecker(health, isFallback, 10_000, Date.now, (run) => held.push(run));
    health.failure("cdn.test");
    status = 503;
    expect(await check(checker, "/1.png")).toBe(503);
    expect(held).toEqual([]);
  });

  it("a held check dropped by clear() is not made when defer runs it later", async () => {
    const held: Array<() => void> = [];
    const checker = createStatusChecker(createHostHealth(), isFallback, 10_000, Date.now, (run) => held.push(run));
    const dropped = vi.fn();
    checker.check("https://cdn.test/1.png", "cdn.test", dropped);
    checker.clear("cdn.test");
    for (const run of held) run();
    await new Promise((r) => setTimeout(r, 5));
    expect(heads).toEqual([]);
    expect(dropped).not.toHaveBeenCalled();
  });

  it("reads Resource Timing only for CORS images: a plain <img> (cors false) goes to the HEAD check", async () => {
    vi.stubGlobal("performance", { getEntriesByName: () => [{ responseStatus: 503 }] });
    const checker = createStatusChecker(createHostHealth(), isFallback, 10_000);
    expect(
      await new Promise<CheckResult>((resolve) => checker.check("https://cdn.test/cors.png", "cdn.test", resolve)),
    ).toBe(503);
    expect(heads).toEqual([]);
    expect(
      await new Promise<CheckResult>((resolve) =>
        checker.check("https://cdn.test/plain.png", "cdn.test", resolve, false),
      ),
    ).toBeUndefined();
    expect(heads).toEqual(["/plain.png"]);
  });
});
