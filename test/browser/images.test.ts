/**
 * `autoFallback` in Chromium: the `<head>` script build (dist/s3edge-img.global.js) on a plain
 * HTML page with no bundler, `<img>` tags on a CDN played by the nginx edge (reached as
 * `cdn.test` through `--host-resolver-rules`), the S3 fixture behind it and beside it. For each
 * fault mode every image must end up showing its real pixels (decoded size of the object, not of
 * the edge's 7x3 placeholder), from the CDN when it is healthy and from S3 otherwise.
 *
 * Needs `npm run build` first (the page loads dist/).
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import {
  attachConsole,
  launchBrowser,
  startStaticServer,
  type PageConsole,
  type StaticServer,
} from "../support/browser.js";
import { startEdge, type Edge, type EdgeMode } from "../support/edge.js";
import {
  EXTRA_OBJECTS,
  allRendered,
  galleryPath,
  galleryRoute,
  lateObjects,
  plainObjects,
  putGalleryObjects,
  readImages,
  type GalleryOptions,
} from "./images-page.js";

const s3 = inject("s3");
const S3_HOST = new URL(s3.endpoint).host;
let edge: Edge;
let bare: Edge;
let browser: Browser;
let server: StaticServer;
let context: BrowserContext;
let page: Page;
let pageConsole: PageConsole;

const CDN = `http://cdn.test/${s3.bucket}`;
const BARE_CDN = `http://bare-cdn.test/${s3.bucket}`;
const NXDOMAIN_CDN = `http://nxdomain.test/${s3.bucket}`;
const origin = { endpoint: s3.endpoint, bucket: s3.bucket };
const TOTAL = 24 + 2; // plain + srcset + picture

beforeAll(async () => {
  await putGalleryObjects(s3, [...plainObjects(24), ...EXTRA_OBJECTS, ...lateObjects(40)]);
  edge = await startEdge({ origin: s3.endpoint });
  bare = await startEdge({ origin: s3.endpoint, cors: false });
  browser = await launchBrowser({
    hostResolverRules: [
      `MAP cdn.test 127.0.0.1:${edge.port}`,
      `MAP bare-cdn.test 127.0.0.1:${bare.port}`,
      "MAP nxdomain.test ~NOTFOUND",
    ],
  });
  server = await startStaticServer();
  server.route("/gallery", galleryRoute);
  server.route("/favicon.ico", (_req, res) => res.writeHead(204).end());
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await edge?.close();
  await bare?.close();
});

/** A fresh profile (empty localStorage: no persisted health) and page. */
async function freshPage(): Promise<void> {
  context = await browser.newContext();
  page = await context.newPage();
  pageConsole = attachConsole(page);
}
afterEach(async (test) => {
  if (test.task.result?.state === "fail") console.log(`page console:\n${pageConsole?.format()}`);
  await context?.close();
  await edge.setMode("healthy");
  await bare.setMode("healthy");
});

async function openGallery(o: Partial<GalleryOptions> & { cdn?: string } = {}): Promise<void> {
  await page.goto(`${server.url}${galleryPath({ cdn: CDN, origin, script: "head", extras: true, ...o })}`, {
    waitUntil: "commit",
  });
}

/** Wait until every image shows its real pixels; return where each came from. */
async function rendered(expected = TOTAL, timeout = 15_000): Promise<Map<string, number>> {
  await page.waitForFunction(allRendered, expected, { timeout, polling: 50 }).catch(async (error: unknown) => {
    const broken = (await page.evaluate(readImages)).filter((r) => !r.complete || r.naturalWidth !== r.expectedWidth);
    throw new Error(`not every image rendered: ${JSON.stringify(broken.slice(0, 5))}`, { cause: error });
  });
  const hosts = new Map<string, number>();
  for (const r of await page.evaluate(readImages)) hosts.set(r.host, (hosts.get(r.host) ?? 0) + 1);
  return hosts;
}

const events = (): Promise<Array<{ key?: string; reason?: string; status?: number; recover?: string }>> =>
  page.evaluate(() => (window as unknown as { __events: [] }).__events);

describe("autoFallback (<head> script build, plain page)", () => {
  it("loads every image from the CDN when it is healthy, and never falls back", async () => {
    await freshPage();
    await openGallery();
    expect(await rendered()).toEqual(new Map([["cdn.test", TOTAL]]));
    expect(await events()).toEqual([]);
  });

  const outages: Array<[string, EdgeMode, string?]> = [
    ["connection refused (edge stopped)", "stopped"],
    ["a 503 with an HTML body (ERR_BLOCKED_BY_ORB)", { status: 503 }],
    ["a 404 with an HTML body", { status: 404 }],
    ["a hung CDN (own timer; every pending image moves when the breaker opens)", "hang"],
    ["a slow CDN answering after 8 s", { delayMs: 8_000 }],
    [
      "a 503 with a valid image body (placeholder), CDN with CORS: detected by a HEAD check",
      { status: 503, body: "image" },
    ],
  ];
  for (const [name, mode] of outages) {
    it(`shows every image from S3 with ${name}`, async () => {
      await edge.setMode(mode);
      await freshPage();
      await openGallery();
      expect(await rendered()).toEqual(new Map([[S3_HOST, TOTAL]]));
      const seen = await events();
      expect(seen.length).toBeGreaterThanOrEqual(TOTAL);
      expect(seen.every((e) => e.reason !== undefined)).toBe(true);
    });
  }

  it("shows every image from S3 when the CDN's name does not resolve (DNS failure)", async () => {
    await freshPage();
    await openGallery({ cdn: NXDOMAIN_CDN });
    expect(await rendered()).toEqual(new Map([[S3_HOST, TOTAL]]));
  });

  it("reads the status of a crossorigin image from Resource Timing (no HEAD needed)", async () => {
    await edge.setMode({ status: 503, body: "image" });
    await freshPage();
    await openGallery({ count: 0, cors: true, options: { timeoutMs: 1500, statusCheckMs: 0 } });
    // With checks off only the crossorigin image can be caught: its responseStatus is exposed.
    await page.waitForFunction(
      () => [...document.images].some((im) => im.crossOrigin !== null && im.naturalWidth === 93),
      null,
      { timeout: 10_000 },
    );
    const report = await page.evaluate(readImages);
    expect(report.find((r) => r.alt === "gallery/cors.png")?.host).toBe(S3_HOST);
    expect(report.filter((r) => r.alt !== "gallery/cors.png").every((r) => r.naturalWidth === 7)).toBe(true);
    expect((await events()).map((e) => [e.key, e.reason, e.status])).toEqual([["gallery/cors.png", "status", 503]]);
  });

  it("cannot tell a placeholder from a CDN that sends no CORS headers: images show the placeholder (documented limit)", async () => {
    await bare.setMode({ status: 503, body: "image" });
    await freshPage();
    await openGallery({ cdn: BARE_CDN, count: 4, extras: false });
    await page.waitForFunction(() => [...document.images].every((im) => im.complete), null, { timeout: 10_000 });
    await page.waitForTimeout(300);
    const report = await page.evaluate(readImages);
    expect(report.map((r) => [r.naturalWidth, r.naturalHeight, r.host])).toEqual(
      Array(4).fill([7, 3, "bare-cdn.test"]),
    );
    expect(await events()).toEqual([]);
  });

  it("catches images that failed before the script ran (complete && naturalWidth === 0)", async () => {
    await edge.setMode("stopped");
    await freshPage();
    await openGallery({ script: "late" });
    expect(await rendered()).toEqual(new Map([[S3_HOST, TOTAL]]));
  });

  it("keeps every image rendered while the CDN flaps (healthy/503 every 2 s) and images keep being inserted", async () => {
    await edge.setMode({ flapMs: 2_000 });
    await freshPage();
    await openGallery({ insert: 40, insertEveryMs: 150, options: { timeoutMs: 1500, breaker: { cooldownMs: 1_000 } } });
    const hosts = await rendered(TOTAL + 40, 30_000);
    expect([...hosts.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL + 40);
    expect([...hosts.keys()].every((h) => h === "cdn.test" || h === S3_HOST)).toBe(true);
  });
});

describe("autoFallback: health that outlives the page", () => {
  for (const stream of [true, false]) {
    it(`the second page load during an outage rewrites CDN URLs before the browser requests them (${stream ? "head streamed first" : "page in one chunk"})`, async () => {
      await edge.setMode({ status: 503 });
      await freshPage();
      await openGallery({ stream, inline: true });
      expect(await rendered()).toEqual(new Map([[S3_HOST, TOTAL]]));
      await edge.clearRequests();
      await page.reload({ waitUntil: "commit" });
      expect(await rendered()).toEqual(new Map([[S3_HOST, TOTAL]]));
      const seen = await events();
      // Every image was moved before it was requested: no error, no timeout, only an open breaker.
      expect(seen.filter((e) => e.reason !== undefined).every((e) => e.reason === "circuit-open")).toBe(true);
      const cdnRequests = (await edge.requests()).length;
      console.log(`second load (${stream ? "streamed" : "one chunk"}): ${cdnRequests} request(s) reached the CDN`);
      // The images never ask the CDN. What may still reach it: Chromium's preload scanner reads the
      // HTML bytes that arrive before the <head> script has run and fetches their <img> URLs
      // speculatively (measured: none with --blink-settings=doHtmlPreloadScanning=false). Hence the
      // inlined script: an external one leaves the parser waiting while the body streams in.
      if (stream) expect(cdnRequests).toBe(0);
      else expect(cdnRequests).toBeLessThanOrEqual(TOTAL + 1);
    });
  }

  it("a tab that learns of an outage tells the other open tabs: their new images go straight to S3", async () => {
    await freshPage();
    const other = await context.newPage();
    await other.goto(`${server.url}${galleryPath({ cdn: CDN, origin, script: "head", count: 2 })}`);
    await other.waitForFunction(allRendered, 2);
    await edge.setMode({ status: 503 });
    await openGallery();
    await rendered();
    await edge.clearRequests();
    await other.evaluate((cdn) => {
      const im = new Image(47, 30);
      im.dataset["w"] = "47";
      im.src = `${cdn}/gallery/k7.png`;
      document.body.append(im);
    }, CDN);
    await other.waitForFunction(allRendered, 3);
    const hosts = (await other.evaluate(readImages)).map((r) => r.host);
    expect(hosts[2]).toBe(S3_HOST);
  });

  it("recovers: once the CDN is back, the probe after the cool-down closes the breaker and new images use the CDN", async () => {
    await edge.setMode({ status: 503 });
    await freshPage();
    await openGallery({ options: { timeoutMs: 1500, breaker: { cooldownMs: 500 } } });
    await rendered();
    await edge.setMode("healthy");
    await page.waitForTimeout(600);
    await page.evaluate((cdn) => {
      for (const i of [3, 4, 5]) {
        const im = new Image();
        im.dataset["w"] = String(40 + i);
        im.src = `${cdn}/gallery/k${i}.png?again`;
        document.body.append(im);
      }
    }, CDN);
    await page.waitForFunction(
      () => (window as unknown as { __events: Array<{ recover?: string }> }).__events.some((e) => e.recover),
      null,
      { timeout: 10_000 },
    );
    await page.waitForFunction(allRendered, TOTAL + 3);
    const src = await page.evaluate(
      async (cdn) =>
        (await (window as unknown as { __fb: { ready: Promise<{ src(k: string): string }> } }).__fb.ready)
          .src("gallery/k1.png")
          .startsWith(cdn),
      CDN,
    );
    expect(src).toBe(true);
  });
});
