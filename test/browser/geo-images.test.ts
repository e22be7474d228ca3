/**
 * Geo-redundant images in Chromium: the `<head>` script build on a plain page, the CDN down
 * (connection refused), two S3 fixture instances as two regions of one bucket: the configured
 * primary far away (150 ms round trip through the latency proxy), its replica near (loopback).
 * The first page load learns, from the images' own timings, that the replica is faster; the
 * second page load (same profile: persisted verdicts and estimates) sends every image straight
 * to the near region before any request, with none to the CDN or the far region.
 *
 * Needs `npm run build` first (the page loads dist/).
 */
import { createServer } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  attachConsole,
  launchBrowser,
  startStaticServer,
  type PageConsole,
  type StaticServer,
} from "../support/browser.js";
import { startLatencyProxy, type LatencyProxy } from "../support/latency-proxy.js";
import { startS3Fixture, type S3Fixture } from "../support/s3/fixture.js";
import { allRendered, galleryPath, galleryRoute, plainObjects, putGalleryObjects, readImages } from "./images-page.js";

const bucket = "geo-img";
const COUNT = 12;
const CDN = `http://cdn.test/${bucket}`;
let far: S3Fixture;
let near: S3Fixture;
let farProxy: LatencyProxy;
let browser: Browser;
let server: StaticServer;
let context: BrowserContext;
let page: Page;
let pageConsole: PageConsole;

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const facts = (f: S3Fixture) => ({ endpoint: f.endpoint, bucket, region: f.region, ...f.credentials });
const gets = (f: S3Fixture): number =>
  f.requests.filter((r) => r.method === "GET" && r.key?.startsWith("gallery/")).length;

beforeAll(async () => {
  [far, near] = await Promise.all([startS3Fixture({ bucket }), startS3Fixture({ bucket })]);
  await Promise.all([
    putGalleryObjects(facts(far), plainObjects(COUNT)),
    putGalleryObjects(facts(near), plainObjects(COUNT)),
  ]);
  farProxy = await startLatencyProxy({ target: new URL(far.endpoint).host, rttMs: 150 });
  browser = await launchBrowser({ hostResolverRules: [`MAP cdn.test 127.0.0.1:${await closedPort()}`] });
  server = await startStaticServer();
  server.route("/gallery", galleryRoute);
  server.route("/favicon.ico", (_req, res) => res.writeHead(204).end());
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  await farProxy?.close();
  await Promise.all([far?.close(), near?.close()]);
});

async function rendered(): Promise<Map<string, number>> {
  await page.waitForFunction(allRendered, COUNT, { timeout: 20_000, polling: 50 }).catch((error: unknown) => {
    throw new Error(`not every image rendered; console:\n${pageConsole.format()}`, { cause: error });
  });
  const hosts = new Map<string, number>();
  for (const r of await page.evaluate(readImages)) hosts.set(r.host, (hosts.get(r.host) ?? 0) + 1);
  return hosts;
}

describe("autoFallback with two regions", () => {
  it("the second page load goes straight to the near healthy region (persisted verdicts and latency estimates)", async () => {
    const farBase = { endpoint: farProxy.url, bucket };
    const nearBase = { endpoint: near.endpoint, bucket };
    const path = galleryPath({
      cdn: CDN,
      origin: farBase,
      script: "head",
      inline: true,
      count: COUNT,
      options: { origin: [farBase, nearBase] },
    });
    context = await browser.newContext();
    page = await context.newPage();
    pageConsole = attachConsole(page);
    await page.goto(`${server.url}${path}`, { waitUntil: "commit" });
    const first = await rendered();
    // First visit: nothing known; images go to the configured primary, one explores the replica.
    expect([...first.values()].reduce((a, b) => a + b, 0)).toBe(COUNT);
    expect(gets(near)).toBeGreaterThan(0);
    const nearHost = new URL(near.endpoint).host;
    // What the <head> script will use on the next load: the near region's base.
    await page.waitForFunction(
      ([key, base]) => localStorage.getItem(key as string) === base,
      [`s3edge:img:v1:${CDN}`, `${near.endpoint}/${bucket}`],
      { timeout: 10_000 },
    );
    const estimates = await page.evaluate(() =>
      Object.fromEntries(
        Object.keys(localStorage)
          .filter((k) => k.startsWith("s3edge:latency:v1:"))
          .map((k) => [k.slice(18), JSON.parse(localStorage.getItem(k) ?? "{}").ms as number]),
      ),
    );
    expect(estimates[nearHost]).toBeLessThan(estimates[new URL(farProxy.url).host] ?? 0);

    far.resetRequests();
    near.resetRequests();
    await page.reload({ waitUntil: "commit" });
    expect(await rendered()).toEqual(new Map([[nearHost, COUNT]]));
    expect(gets(far)).toBe(0);
  });
});
