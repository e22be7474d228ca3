/**
 * The service worker in Chromium: the ready-made script (dist/s3edge-sw.js, configured by its
 * query string) in front of a page whose CSS background, web font, `<video>` (with seeking) and
 * `fetch()` come from a CDN played by the nginx edge (`cdn.test` through `--host-resolver-rules`),
 * the S3 fixture behind it and, through a logging proxy, beside it. After the worker controls
 * the page, for each fault mode every resource must arrive with its real bytes (decoded font,
 * background pixels, the track's duration and data at the seek position, the fetch's SHA-256),
 * `load` must fire, and the S3 log must show the fallback requests.
 *
 * Needs `npm run build` first (the page loads dist/).
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  attachConsole,
  launchBrowser,
  startStaticServer,
  type PageConsole,
  type StaticServer,
} from "../support/browser.js";
import { solidPng, startEdge, type Edge, type EdgeMode } from "../support/edge.js";
import { startS3Fixture } from "../support/s3/fixture.js";
import type { S3Fixture } from "../support/s3/api.js";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { build } from "esbuild";
import {
  BG_RGB,
  SEEK_TO,
  TRACK_SECONDS,
  putSwObjects,
  sha256,
  startS3LogProxy,
  swObjects,
  swPagePath,
  swPageRoute,
  workerQuery,
  workerRoute,
  type S3LogEntry,
  type SwPageOptions,
} from "./sw/support.js";

let s3: S3Fixture;
let proxy: { url: string; log: S3LogEntry[]; close(): Promise<void> };
let edge: Edge;
let browser: Browser;
let server: StaticServer;
let context: BrowserContext | undefined;
let page: Page;
let pageConsole: PageConsole | undefined;
let CDN = "";
let NXDOMAIN_CDN = "";
const objects = swObjects();
const DATA_SHA = sha256(objects["sw/data.bin"]?.body ?? Buffer.alloc(0));
const BIG_SHA = sha256(objects["sw/big.bin"]?.body ?? Buffer.alloc(0));

beforeAll(async () => {
  s3 = await startS3Fixture();
  const client = s3.s3Client();
  await putSwObjects(client, s3.bucket);
  for (let i = 0; i < 4; i++) {
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `gallery/k${i}.png`,
        Body: solidPng(40 + i, 30, [200, 40, 40]),
        ContentType: "image/png",
      }),
    );
  }
  client.destroy();
  proxy = await startS3LogProxy(s3.endpoint);
  edge = await startEdge({ origin: s3.endpoint });
  CDN = `http://cdn.test/${s3.bucket}`;
  NXDOMAIN_CDN = `http://nxdomain.test/${s3.bucket}`;
  browser = await launchBrowser({
    hostResolverRules: [`MAP cdn.test 127.0.0.1:${edge.port}`, "MAP nxdomain.test ~NOTFOUND"],
  });
  server = await startStaticServer();
  server.route("/sw-page", swPageRoute);
  server.route("/s3edge-sw.js", workerRoute());
  server.route("/favicon.ico", (_req, res) => res.writeHead(204).end());
  const bundled = await build({
    entryPoints: [new URL("./sw/workbox-worker.ts", import.meta.url).pathname],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    write: false,
    logLevel: "silent",
  });
  const workboxWorker = bundled.outputFiles[0]?.text ?? "";
  server.route("/wb-sw.js", (_req, res) =>
    res.writeHead(200, { "content-type": "text/javascript" }).end(workboxWorker),
  );
  server.route("/wb-page", (req, res) => {
    const query = new URL(req.url ?? "/", "http://x").search.slice(1);
    const cdn = new URLSearchParams(query).get("cdn") ?? "";
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(`<!doctype html><html><head><style>#bg { width: 64px; height: 48px; background-image: url("${cdn}/sw/bg.png"); }</style></head><body>
<div id="bg"></div><img id="i0" src="${cdn}/gallery/k0.png" data-w="40">
<script>
window.__hash = fetch("${cdn}/sw/data.bin").then((r) => r.arrayBuffer()).then((b) => crypto.subtle.digest("SHA-256", b))
  .then((h) => [...new Uint8Array(h)].map((x) => x.toString(16).padStart(2, "0")).join(""), (e) => "error: " + e);
navigator.serviceWorker.register("/wb-sw.js?${query}");
</script></body></html>`);
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await edge?.close();
  await proxy?.close();
  await s3?.close();
});
afterEach(async (test) => {
  if (test.task.result?.state === "fail") console.log(`page console:\n${pageConsole?.format()}`);
  await context?.close();
  context = undefined;
  await edge.setMode("healthy");
});

const S3_BASE = () => ({ endpoint: proxy.url, bucket: s3.bucket });

/** Options of the page with the worker configured for `cdn`. */
function pageOptions(
  o: { cdn?: string; cors?: boolean; fallbackStatuses?: number[]; images?: SwPageOptions["images"] } = {},
): SwPageOptions {
  const cdn = o.cdn ?? CDN;
  return {
    cdn,
    worker: workerQuery({
      cdn,
      ...S3_BASE(),
      cors: o.cors ?? true,
      ...(o.fallbackStatuses && { fallbackStatuses: o.fallbackStatuses }),
    }),
    ...(o.images && { images: o.images }),
  };
}

async function freshPage(): Promise<void> {
  context = await browser.newContext();
  page = await context.newPage();
  pageConsole = attachConsole(page);
}

/** First visit with a healthy CDN: the worker installs and takes control. */
async function installWorker(o: SwPageOptions): Promise<void> {
  await freshPage();
  await page.goto(`${server.url}${swPagePath(o)}`);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
}

/** Load the page again from the network: the browser's HTTP cache (shared with the worker) would hide the faults. */
async function reload(): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.clearBrowserCache");
  await cdp.detach();
  await page.reload();
}

const loaded = () =>
  page.waitForFunction(() => (window as unknown as { __loaded: boolean }).__loaded, null, {
    timeout: 20_000,
    polling: 50,
  });

/** The colour at the centre of the CSS background, as Chromium rendered it. */
async function bgColour(): Promise<number[]> {
  const png = await page.locator("#bg").screenshot();
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
    ctx.drawImage(img, 0, 0);
    return [...ctx.getImageData(img.width >> 1, img.height >> 1, 1, 1).data.slice(0, 3)];
  }, png.toString("base64"));
}

/** Load states of the page's fonts. */
const fontStates = (): Promise<string[]> =>
  page.evaluate(() => document.fonts.ready.then(() => [...document.fonts].map((f) => f.status)));

/** Duration of the track, then a seek and the state at the new position. */
function seek(): Promise<{ duration: number; currentTime: number; readyState: number; error: number | undefined }> {
  return page.evaluate(async (to) => {
    const v = document.getElementById("v") as HTMLVideoElement;
    const wait = (name: string) =>
      new Promise<void>((resolve, reject) => {
        v.addEventListener(name, () => resolve(), { once: true });
        v.addEventListener("error", () => reject(new Error(`media error ${v.error?.code}`)), { once: true });
      });
    if (v.readyState < 1) await wait("loadedmetadata");
    const duration = v.duration;
    const seeked = wait("seeked");
    v.currentTime = to;
    await seeked;
    if (v.readyState < 2) await wait("loadeddata").catch(() => undefined);
    return { duration, currentTime: v.currentTime, readyState: v.readyState, error: v.error?.code };
  }, SEEK_TO);
}

const fetchHash = (): Promise<string> => page.evaluate(() => (window as unknown as { __hash: Promise<string> }).__hash);

/** Every resource of the page, checked by its bytes. */
async function expectEverythingRight(): Promise<void> {
  await loaded();
  expect(await fetchHash()).toBe(DATA_SHA);
  expect(await fontStates()).toEqual(["loaded"]);
  expect(await bgColour()).toEqual([...BG_RGB]);
  const media = await seek().catch((error: unknown) => {
    throw new Error(`${String(error)}; S3 log of the track: ${JSON.stringify(s3Gets("sw/tone.wav"))}`);
  });
  expect(media.error).toBeUndefined();
  expect(media.duration).toBeCloseTo(TRACK_SECONDS, 0);
  expect(media.currentTime).toBeCloseTo(SEEK_TO, 0);
  expect(media.readyState).toBeGreaterThanOrEqual(2);
}

/** The S3 GETs of `key` since the log was cleared. */
const s3Gets = (key: string): S3LogEntry[] =>
  proxy.log.filter((e) => e.method === "GET" && e.path === `/${s3.bucket}/${key}`);

describe("service worker (dist/s3edge-sw.js), CDN and bucket with CORS (cors: true)", () => {
  it("lets a healthy CDN serve everything: S3 sees nothing", async () => {
    await installWorker(pageOptions());
    proxy.log.length = 0;
    await reload();
    await expectEverythingRight();
    expect(proxy.log).toEqual([]);
  });

  const outages: Array<[string, EdgeMode]> = [
    ["connection refused (edge stopped)", "stopped"],
    ["a 503 with an HTML body", { status: 503 }],
    ["a 404 with an HTML body (404 is a fallback status here)", { status: 404 }],
    ["a 503 with a valid image body (placeholder)", { status: 503, body: "image" }],
    ["a hung CDN", "hang"],
    ["a slow CDN answering after 8 s", { delayMs: 8_000 }],
  ];
  for (const [name, mode] of outages) {
    it(`serves every resource from S3 with ${name}`, async () => {
      await installWorker(pageOptions({ fallbackStatuses: [404, 500, 502, 503, 504] }));
      await edge.setMode(mode);
      proxy.log.length = 0;
      const before = s3.requests.length;
      await reload();
      await expectEverythingRight();
      for (const key of ["sw/bg.png", "sw/font.ttf", "sw/data.bin", "sw/tone.wav"])
        expect(s3Gets(key).length, key).toBeGreaterThan(0);
      // The seek was answered by S3 from its byte offset, with a 206.
      const ranged = s3Gets("sw/tone.wav").filter((e) => Number(/bytes=(\d+)-/.exec(e.range ?? "")?.[1] ?? 0) > 0);
      expect(ranged.length, JSON.stringify(s3Gets("sw/tone.wav"))).toBeGreaterThan(0);
      expect(ranged.every((e) => e.status === 206)).toBe(true);
      expect(s3.requests.slice(before).some((r) => r.key === "sw/font.ttf" && r.status === 200)).toBe(true);
    });
  }

  it("serves every resource from S3 when the CDN's name does not resolve (DNS failure)", async () => {
    await installWorker(pageOptions());
    await page.goto(`${server.url}${swPagePath(pageOptions({ cdn: NXDOMAIN_CDN }))}`);
    // The new worker URL replaces the old one; wait until it controls the page, then load again.
    await page.waitForFunction(
      (cdn) => navigator.serviceWorker.controller?.scriptURL.includes(encodeURIComponent(cdn)),
      NXDOMAIN_CDN,
      { timeout: 15_000 },
    );
    proxy.log.length = 0;
    await reload();
    await expectEverythingRight();
    expect(s3Gets("sw/bg.png").length).toBeGreaterThan(0);
  });

  it("keeps every resource right while the CDN flaps between healthy and 503 every 2 s", async () => {
    await installWorker(pageOptions());
    await edge.setMode({ flapMs: 2_000 });
    for (let i = 0; i < 2; i++) {
      await reload();
      await expectEverythingRight();
    }
  });

  it("continues a fetch() from S3 at the right offset when the CDN dies mid-body", async () => {
    await installWorker(pageOptions());
    await edge.setMode({ slowBytesPerSecond: 400_000 });
    proxy.log.length = 0;
    const hash = page.evaluate(async (url) => {
      const r = await fetch(url);
      const b = await r.arrayBuffer();
      const h = await crypto.subtle.digest("SHA-256", b);
      return [...new Uint8Array(h)].map((x) => x.toString(16).padStart(2, "0")).join("");
    }, `${CDN}/sw/big.bin`);
    await page.waitForTimeout(1_200);
    await edge.setMode("stopped");
    expect(await hash).toBe(BIG_SHA);
    const rest = s3Gets("sw/big.bin");
    expect(rest.map((e) => e.status)).toEqual([206]);
    const from = Number(/^bytes=(\d+)-1999999$/.exec(rest[0]?.range ?? "")?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThan(2_000_000);
  });
});

describe("service worker without cors (the CDN's answers to plain <img>/CSS/<video> are opaque)", () => {
  it("still catches network errors for every resource", async () => {
    await installWorker(pageOptions({ cors: false }));
    await edge.setMode("stopped");
    proxy.log.length = 0;
    await reload();
    await expectEverythingRight();
    expect(s3Gets("sw/bg.png").length).toBeGreaterThan(0);
  });

  it("cannot see a 503 behind an opaque answer: the CSS background breaks, cors requests (font, fetch) still fall back (documented limit)", async () => {
    await installWorker(pageOptions({ cors: false }));
    await edge.setMode({ status: 503 });
    proxy.log.length = 0;
    await reload();
    await loaded();
    expect(await fetchHash()).toBe(DATA_SHA);
    expect(await fontStates()).toEqual(["loaded"]);
    expect(await bgColour()).not.toEqual([...BG_RGB]);
    expect(s3Gets("sw/bg.png")).toEqual([]);
  });
});

describe("a <video> that started on the CDN", () => {
  /** Install the worker, load the page from a healthy CDN (the track's metadata comes from it), then stop the CDN. */
  async function startedOnCdn(cors: boolean): Promise<void> {
    await installWorker(pageOptions({ cors }));
    await reload();
    await loaded();
    expect(await page.evaluate(() => (document.getElementById("v") as HTMLVideoElement).duration)).toBeCloseTo(
      TRACK_SECONDS,
      0,
    );
    await edge.setMode("stopped");
    // Nothing of the track may be served from the browser's HTTP cache (shared with the worker): the seek must reach S3.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.clearBrowserCache");
    await cdp.detach();
    proxy.log.length = 0;
  }
  const rangedFromS3 = () =>
    s3Gets("sw/tone.wav").some((e) => e.status === 206 && Number(/bytes=(\d+)-/.exec(e.range ?? "")?.[1]) > 0);

  it("seeks on from S3 once the CDN is gone (cors): S3's ranges are answered under the CDN URL, one origin", async () => {
    await startedOnCdn(true);
    const media = await seek();
    expect(media.error).toBeUndefined();
    expect(media.currentTime).toBeCloseTo(SEEK_TO, 0);
    expect(media.readyState).toBeGreaterThanOrEqual(2);
    expect(rangedFromS3(), JSON.stringify(proxy.log)).toBe(true);
  });

  it("without cors, cannot mix its opaque CDN bytes with S3's: the element errors, and plays from S3 under a new URL (documented limit)", async () => {
    await startedOnCdn(false);
    await expect(seek()).rejects.toThrow(/media error 2/);
    // Chromium keeps the bytes of a media URL across loads: only another URL starts afresh.
    await page.evaluate(() => {
      const v = document.getElementById("v") as HTMLVideoElement;
      v.src = `${v.src}?retry=1`;
    });
    const media = await seek();
    expect(media.error).toBeUndefined();
    expect(media.currentTime).toBeCloseTo(SEEK_TO, 0);
    expect(rangedFromS3()).toBe(true);
  });
});

describe("inside Workbox: CacheFirst for images with the fallback as its plugin, the fallback as handler for the rest", () => {
  const wbPage = () =>
    `${server.url}/wb-page?${new URLSearchParams({ cdn: CDN, endpoint: proxy.url, bucket: s3.bucket })}`;
  /** Insert an image of `key` and wait until it shows its real pixels (or fails). */
  const showImage = (key: string, width: number) =>
    page.evaluate(
      ([url, w]) =>
        new Promise<number>((resolve) => {
          const im = new Image();
          im.onload = () => resolve(im.naturalWidth === w ? w : -im.naturalWidth);
          im.onerror = () => resolve(0);
          im.src = url as string;
          document.body.append(im);
        }),
      [`${CDN}/${key}`, width] as const,
    );

  for (const [name, mode] of [
    ["a 503 (the plugin's fetchDidSucceed)", { status: 503 }],
    ["a hung CDN (the plugin's timeout, then handlerDidError)", "hang"],
  ] as Array<[string, EdgeMode]>) {
    it(`keeps cached images, fetches new ones from S3 and caches them under the CDN URL, with ${name}`, async () => {
      await freshPage();
      await page.goto(wbPage());
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
      await reload(); // under the worker: k0 and the background are cached by CacheFirst
      await page.waitForFunction(() => (document.getElementById("i0") as HTMLImageElement).naturalWidth === 40, null, {
        timeout: 10_000,
      });
      await edge.setMode(mode);
      proxy.log.length = 0;
      await reload();
      expect(await fetchHash()).toBe(DATA_SHA);
      expect(await bgColour()).toEqual([...BG_RGB]);
      await page.waitForFunction(() => (document.getElementById("i0") as HTMLImageElement).naturalWidth === 40, null, {
        timeout: 10_000,
      });
      expect(await showImage("gallery/k1.png", 41)).toBe(41);
      expect(await showImage("gallery/k2.png", 42)).toBe(42);
      // Three failures (data.bin, k1, k2) opened the breaker: the plugin now sends images straight to S3.
      expect(await showImage("gallery/k3.png", 43)).toBe(43);
      const fromS3 = proxy.log.map((e) => e.path);
      expect(fromS3).toContain(`/${s3.bucket}/gallery/k1.png`);
      expect(fromS3).toContain(`/${s3.bucket}/sw/data.bin`);
      // Cached images never left the cache.
      expect(fromS3).not.toContain(`/${s3.bucket}/gallery/k0.png`);
      expect(fromS3).not.toContain(`/${s3.bucket}/sw/bg.png`);
      const cached = await page.evaluate(async () => (await (await caches.open("images")).keys()).map((r) => r.url));
      // What the strategy fetched is cached under the CDN URL, except answers given by handlerDidError (Workbox caches none).
      expect(cached).toEqual(expect.arrayContaining([`${CDN}/gallery/k0.png`, `${CDN}/gallery/k3.png`]));
      expect(cached.includes(`${CDN}/gallery/k1.png`)).toBe(mode !== "hang");
    });
  }
});

describe("health shared between the worker and the pages", () => {
  it("the worker's verdict reaches the page's autoFallback: images inserted later go to S3 by their own URL", async () => {
    await installWorker(pageOptions({ images: { count: 1, origin: S3_BASE() } }));
    await edge.setMode("hang");
    await reload();
    await loaded(); // the worker timed out on the CDN for the background, font, track and fetch: its breaker is open
    const host = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const im = new Image();
          im.onload = () => resolve(new URL(im.currentSrc).host);
          im.onerror = () => resolve("error");
          im.src = url;
          document.body.append(im);
        }),
      `${CDN}/gallery/k3.png`,
    );
    expect(host).toBe(new URL(proxy.url).host);
  });

  it("a restarted worker remembers the outage (IndexedDB): it does not ask the CDN again", async () => {
    await installWorker(pageOptions());
    await edge.setMode("hang");
    await reload();
    await loaded();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("ServiceWorker.enable");
    await cdp.send("ServiceWorker.stopAllWorkers");
    await cdp.send("Network.clearBrowserCache");
    await edge.clearRequests();
    proxy.log.length = 0;
    expect(await page.evaluate((url) => fetch(url).then((r) => r.status), `${CDN}/sw/data.bin`)).toBe(200);
    expect(s3Gets("sw/data.bin").length).toBe(1);
    expect((await edge.requests()).filter((r) => r.uri.includes("data.bin"))).toEqual([]);
  });
});

describe("first visit: no worker yet", () => {
  it("leaves the page to the DOM layer until the worker controls it: images still come from S3", async () => {
    await edge.setMode("stopped");
    await freshPage();
    await page.goto(`${server.url}${swPagePath(pageOptions({ images: { count: 4, origin: S3_BASE() } }))}`, {
      waitUntil: "commit",
    });
    const wasControlled = await page.evaluate(() => navigator.serviceWorker.controller !== null);
    expect(wasControlled).toBe(false);
    await page.waitForFunction(
      () => [...document.images].every((im) => im.complete && im.naturalWidth === Number(im.dataset["w"])),
      null,
      { timeout: 15_000 },
    );
    await loaded();
    // Then the worker takes over: the next load is the worker's too.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
    await reload();
    await expectEverythingRight();
  });
});
