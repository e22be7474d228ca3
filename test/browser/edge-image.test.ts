/**
 * `<EdgeImage>` in Chromium: a React app (bundled with esbuild) rendering a grid of EdgeImage
 * against the nginx edge (`cdn.test` through `--host-resolver-rules`) and the S3 fixture. Every
 * image must end up showing its real pixels, from the CDN when healthy and from S3 otherwise, also
 * while the page re-renders all the time, after a server render whose images failed before
 * hydration, and on the next page load once the (persisted) breaker knows the CDN is down.
 */
import { join } from "node:path";
import { build } from "esbuild";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import {
  attachConsole,
  launchBrowser,
  startStaticServer,
  type PageConsole,
  type StaticServer,
} from "../support/browser.js";
import { startEdge, type Edge, type EdgeMode } from "../support/edge.js";
import { App, makeEdge, type AppConfig } from "./edge-image-app.js";
import { allRendered, imageScript, lateObjects, plainObjects, putGalleryObjects, readImages } from "./images-page.js";

const s3 = inject("s3");
const S3_HOST = new URL(s3.endpoint).host;
const CDN = `http://cdn.test/${s3.bucket}`;
const IMAGES = plainObjects(12);
const base: AppConfig = {
  cdn: CDN,
  origin: { endpoint: s3.endpoint, bucket: s3.bucket },
  images: IMAGES,
  timeoutMs: 1500,
};

let edge: Edge;
let browser: Browser;
let server: StaticServer;
let context: BrowserContext;
let page: Page;
let pageConsole: PageConsole;
let appJs = "";

/** The page: config, then (for SSR) the server's HTML, then the app bundle (delayed by `appDelayMs`). */
function pageHtml(
  config: AppConfig & { hydrate?: boolean },
  options: { ssr?: string; headScript?: boolean } = {},
): string {
  const head = options.headScript
    ? `<script>${imageScript()}</script><script>S3Edge.autoFallback(${JSON.stringify({ cdn: config.cdn, origin: config.origin, timeoutMs: 1500, script: "/dist/s3edge-img-full.global.js" })})</script>`
    : "";
  return `<!doctype html><html><head><meta charset="utf-8">${head}<script>window.__config = ${JSON.stringify(config)};</script></head>
<body><div id="root">${options.ssr ?? ""}</div><script src="/app.js?${config.hydrate ? "late" : "now"}"></script></body></html>`;
}

beforeAll(async () => {
  await putGalleryObjects(s3, [...IMAGES, ...lateObjects(30)]);
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, "edge-image-client.tsx")],
    bundle: true,
    write: false,
    format: "iife",
    jsx: "automatic",
    platform: "browser",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "error",
    // S3EDGE_REACT_DIR=<node_modules with another react/react-dom> runs the client suite on that
    // React (e.g. 18.3; the server-render tests keep the repository's React).
    ...(process.env["S3EDGE_REACT_DIR"] && {
      alias: {
        react: join(process.env["S3EDGE_REACT_DIR"], "react"),
        "react-dom": join(process.env["S3EDGE_REACT_DIR"], "react-dom"),
      },
    }),
  });
  appJs = bundle.outputFiles[0]?.text ?? "";
  edge = await startEdge({ origin: s3.endpoint });
  browser = await launchBrowser({
    hostResolverRules: [`MAP cdn.test 127.0.0.1:${edge.port}`, "MAP nxdomain.test ~NOTFOUND"],
  });
  server = await startStaticServer();
  server.route("/favicon.ico", (_req, res) => res.writeHead(204).end());
  // "late": the bundle arrives after 1 s, so that server-rendered images fail before hydration.
  server.route("/app.js", (req, res) => {
    const send = () =>
      res.writeHead(200, { "content-type": "text/javascript", "cache-control": "no-store" }).end(appJs);
    if (req.url?.includes("late")) setTimeout(send, 1_000);
    else send();
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await edge?.close();
});
afterEach(async (test) => {
  if (test.task.result?.state === "fail") console.log(`page console:\n${pageConsole?.format()}`);
  await context?.close();
  await edge.setMode("healthy");
});

async function open(html: string): Promise<void> {
  context = await browser.newContext();
  page = await context.newPage();
  pageConsole = attachConsole(page);
  const path = `/edge-image-${Math.random().toString(36).slice(2)}.html`;
  server.route(path, (_req, res) =>
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html),
  );
  await page.goto(`${server.url}${path}`, { waitUntil: "commit" });
}

async function hostsOnceRendered(count = IMAGES.length): Promise<Map<string, number>> {
  await page.waitForFunction(allRendered, count, { timeout: 25_000, polling: 50 }).catch(async (error: unknown) => {
    const broken = (await page.evaluate(readImages)).filter((r) => !r.complete || r.naturalWidth !== r.expectedWidth);
    throw new Error(`not every image rendered: ${JSON.stringify(broken.slice(0, 4))}`, { cause: error });
  });
  const hosts = new Map<string, number>();
  for (const r of await page.evaluate(readImages)) hosts.set(r.host, (hosts.get(r.host) ?? 0) + 1);
  return hosts;
}

describe("<EdgeImage> in a React app", () => {
  it("loads from the CDN when it is healthy, and forwards its ref to the <img>", async () => {
    await open(pageHtml(base));
    console.log(
      `React ${await page.evaluate(() => (globalThis as { __reactVersion?: string }).__reactVersion)} in the page`,
    );
    expect(await hostsOnceRendered()).toEqual(new Map([["cdn.test", IMAGES.length]]));
    expect(await page.evaluate(() => (globalThis as { __firstRef?: string }).__firstRef)).toBe("IMG");
  });

  it("on a healthy CDN, the routine placeholder check (a HEAD) waits for the page's load event", async () => {
    // A frame of the page that holds its load event until the test releases it.
    let release = (): void => undefined;
    server.route("/hold.png", (_req, res) => {
      release = () => void res.writeHead(204).end();
    });
    const html = pageHtml({ ...base, timeoutMs: 60_000 }).replace(
      "</body>",
      '<iframe src="/hold.png" hidden></iframe></body>',
    );
    await edge.clearRequests();
    await open(html);
    expect(await hostsOnceRendered()).toEqual(new Map([["cdn.test", IMAGES.length]]));
    await page.waitForTimeout(300); // anything the images' loads start, a HEAD included, reaches the edge's log
    expect((await edge.requests()).filter((r) => r.method === "HEAD")).toEqual([]);
    release();
    await expect
      .poll(async () => (await edge.requests()).filter((r) => r.method === "HEAD").length, { timeout: 10_000 })
      .toBe(1);
  });

  const outages: Array<[string, EdgeMode]> = [
    ["connection refused", "stopped"],
    ["a 503 with an HTML body", { status: 503 }],
    ["a 404 with an HTML body", { status: 404 }],
    ["a slow CDN (8 s)", { delayMs: 8_000 }],
    ["a 503 with a placeholder image (CORS HEAD check)", { status: 503, body: "image" }],
  ];
  for (const [name, mode] of outages) {
    it(`shows every image from S3 with ${name}`, async () => {
      await edge.setMode(mode);
      await open(pageHtml(base));
      expect(await hostsOnceRendered()).toEqual(new Map([[S3_HOST, IMAGES.length]]));
    });
  }

  it("shows every image from S3 when the CDN's name does not resolve", async () => {
    await open(pageHtml({ ...base, cdn: `http://nxdomain.test/${s3.bucket}` }));
    expect(await hostsOnceRendered()).toEqual(new Map([[S3_HOST, IMAGES.length]]));
  });

  it("moves off a hung CDN within its timeout although the page re-renders every 30 ms (timers live in effects)", async () => {
    await edge.setMode("hang");
    await open(pageHtml({ ...base, rerenderEveryMs: 30 }));
    expect(await hostsOnceRendered()).toEqual(new Map([[S3_HOST, IMAGES.length]]));
    const reasons = (
      await page.evaluate(() => (globalThis as unknown as { __events: Array<{ reason: string }> }).__events)
    ).map((e) => e.reason);
    expect(reasons.filter((r) => r === "timeout").length).toBeGreaterThanOrEqual(1);
    expect(reasons.every((r) => r === "timeout" || r === "circuit-open")).toBe(true);
    expect(Number(await page.getAttribute("#grid", "data-tick"))).toBeGreaterThan(10);
  });

  it("keeps every image rendered while the CDN flaps (healthy/503 every 2 s) and images keep being added", async () => {
    await edge.setMode({ flapMs: 2_000 });
    await open(pageHtml({ ...base, insert: lateObjects(30), insertEveryMs: 150 }));
    const hosts = await hostsOnceRendered(IMAGES.length + 30);
    expect([...hosts.values()].reduce((a, b) => a + b, 0)).toBe(IMAGES.length + 30);
    expect([...hosts.keys()].every((h) => h === "cdn.test" || h === S3_HOST)).toBe(true);
  });

  it("catches server-rendered images that failed before hydration (complete && naturalWidth === 0)", async () => {
    await edge.setMode("stopped");
    const config = { ...base, hydrate: true, persist: false };
    const ssr = renderToString(createElement(App, { config, edge: makeEdge(config, true) }));
    expect(ssr).toContain(`src="${CDN}/gallery/k0.png"`);
    await open(pageHtml(config, { ssr }));
    expect(await hostsOnceRendered()).toEqual(new Map([[S3_HOST, IMAGES.length]]));
    expect(pageConsole.errors().filter((e) => /hydrat/i.test(e.text))).toEqual([]);
  });

  it("on the next page load during an outage, renders S3 URLs first: no request reaches the CDN", async () => {
    await edge.setMode({ status: 503 });
    await open(pageHtml(base));
    await hostsOnceRendered();
    await edge.clearRequests();
    await page.reload({ waitUntil: "commit" });
    expect(await hostsOnceRendered()).toEqual(new Map([[S3_HOST, IMAGES.length]]));
    expect((await edge.requests()).length).toBe(0);
  });

  it("server-rendered with the <head> script: on the second load the SSR images point at S3 before the app hydrates", async () => {
    await edge.setMode({ status: 503 });
    const config = { ...base, hydrate: true };
    const ssr = renderToString(createElement(App, { config, edge: makeEdge(config, true) }));
    await open(pageHtml(config, { ssr, headScript: true }));
    await hostsOnceRendered();
    await edge.clearRequests();
    await page.reload({ waitUntil: "commit" });
    // The app arrives 1 s late: before it, the head script has already moved every SSR image.
    await page.waitForFunction(
      (host) => document.images.length === 12 && [...document.images].every((im) => new URL(im.src).host === host),
      S3_HOST,
    );
    expect(await page.evaluate(() => (globalThis as { __events?: unknown }).__events)).toBeUndefined();
    expect(await hostsOnceRendered()).toEqual(new Map([[S3_HOST, IMAGES.length]]));
    const requests = (await edge.requests()).length;
    console.log(
      `SSR + <head> script, second load: ${requests} request(s) reached the CDN (preload scanner, page in one chunk)`,
    );
    expect(requests).toBeLessThanOrEqual(IMAGES.length);
  });
});
