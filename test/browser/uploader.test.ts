/**
 * The uploader in a real Chromium, through the `<script>` build (global S3Edge):
 * a file picked in an <input>, XHR byte progress, the CORS ETag diagnosis,
 * resume after a page reload, and riding out an offline period.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { handleS3Edge, toNodeHandler } from "../../src/server.js";
import { testSigner } from "../support/app.js";
import { pseudoRandomBytes, sha256 } from "../support/data.js";
import { attachConsole, launchBrowser, startStaticServer, throttle, type StaticServer } from "../support/browser.js";
import { startS3Fixture, type S3Fixture } from "../support/s3/fixture.js";

const MiB = 1024 * 1024;
const PAGE = `<!doctype html><html><head><meta charset="utf-8"></head><body>
<input type="file" id="file">
<script src="/dist/s3edge.global.js"></script>
<script>
  window.events = [];
  window.start = (options) => new Promise((resolve) => {
    const uploader = S3Edge.createUploader({ endpoint: "/s3edge", retry: { baseDelayMs: 50, maxDelayMs: 200 }, ...options });
    const upload = uploader.add(document.getElementById("file").files[0]);
    const progress = [];
    upload.subscribe((s) => progress.push(s.loaded));
    upload.on("part", (p) => window.events.push("part " + p.partNumber));
    upload.on("retry", (r) => window.events.push(r.offline ? "retry offline" : "retry " + r.delayMs));
    upload.on("warning", (w) => window.events.push("warning " + w.code));
    upload.done().then(
      (result) => resolve({ ok: true, result, progress, state: upload.getState() }),
      (error) => resolve({ ok: false, code: error.code, message: error.message, progress, state: upload.getState() }),
    );
  });
</script></body></html>`;

interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
  result?: { key: string; size: number };
  progress: number[];
  state: { resumed: boolean; status: string; total: number };
}

let browser: Browser;
let dir: string;
const sha = sha256;

const events = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as unknown as { events: string[] }).events);

async function site(fixture: S3Fixture): Promise<StaticServer> {
  const server = await startStaticServer({ pages: { "/upload.html": PAGE } });
  const signer = testSigner(fixture, { limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB } });
  server.route("/s3edge", toNodeHandler(handleS3Edge(signer)));
  return server;
}

async function file(name: string, size: number, seed: number): Promise<{ path: string; data: Buffer }> {
  const data = pseudoRandomBytes(size, seed);
  const path = join(dir, name);
  await writeFile(path, data);
  return { path, data };
}

async function open(server: StaticServer): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  attachConsole(page);
  await page.goto(`${server.url}/upload.html`);
  return { context, page };
}

const start = (page: Page, options: Record<string, unknown> = {}): Promise<Outcome> =>
  page.evaluate((o) => (window as unknown as { start(o: unknown): Promise<Outcome> }).start(o), options);

beforeAll(async () => {
  browser = await launchBrowser();
  dir = await mkdtemp(join(tmpdir(), "s3edge-browser-"));
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("uploader in Chromium", () => {
  let fixture: S3Fixture;
  let server: StaticServer;
  let context: BrowserContext | undefined;
  afterEach(async () => {
    await context?.close();
    await server?.close();
    await fixture?.close();
  });

  it("uploads a picked file by XHR with byte progress rising to exactly its size", async () => {
    fixture = await startS3Fixture();
    server = await site(fixture);
    const opened = await open(server);
    context = opened.context;
    const { path, data } = await file("photo.jpg", 6 * MiB + 321, 1);
    await opened.page.setInputFiles("#file", path);
    await throttle(opened.page, 4 * MiB);
    const outcome = await start(opened.page);
    expect(outcome.ok, outcome.message).toBe(true);
    const { progress } = outcome;
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1] as number);
    expect(progress.at(-1)).toBe(data.byteLength);
    // Byte-level, not per part: many distinct values for 2 parts.
    expect(new Set(progress).size).toBeGreaterThan(6);
    expect(sha((await fixture.getObject(outcome.result?.key ?? "")) as Uint8Array)).toBe(sha(data));
  });

  it("says exactly which CORS setting is missing when S3 does not expose ETag, and aborts", async () => {
    fixture = await startS3Fixture({ exposeETag: false });
    server = await site(fixture);
    const opened = await open(server);
    context = opened.context;
    const { path } = await file("no-etag.bin", 6 * MiB, 2);
    await opened.page.setInputFiles("#file", path);
    const outcome = await start(opened.page);
    expect(outcome.ok).toBe(false);
    expect(outcome.code).toBe("CorsETagMissing");
    expect(outcome.message).toMatch(/ExposeHeaders/);
    expect(await fixture.listUploads()).toEqual([]);
  });

  it("stores a single PUT whose ETag the bucket's CORS hides, and says so with a warning instead of failing", async () => {
    fixture = await startS3Fixture({ exposeETag: false });
    server = await site(fixture);
    const opened = await open(server);
    context = opened.context;
    const { path, data } = await file("small.png", 100_000, 5);
    await opened.page.setInputFiles("#file", path);
    const outcome = await start(opened.page);
    expect(outcome.ok, outcome.message).toBe(true);
    expect(outcome.result).toMatchObject({ size: data.byteLength, etag: "" });
    expect(await events(opened.page)).toContain("warning CorsETagMissing");
    expect(sha((await fixture.getObject(outcome.result?.key ?? "")) as Uint8Array)).toBe(sha(data));
  });

  it("fails in seconds, naming CORS, when the endpoint is on another origin that does not allow the page", async () => {
    fixture = await startS3Fixture();
    server = await site(fixture);
    // The same signer on another origin (another port), mounted without `cors`.
    const other = await startStaticServer({ pages: {} });
    other.route("/s3edge", toNodeHandler(handleS3Edge(testSigner(fixture))));
    try {
      const opened = await open(server);
      context = opened.context;
      const { path } = await file("cross.bin", 1000, 6);
      await opened.page.setInputFiles("#file", path);
      // Default offline timeout (5 minutes): only failing fast keeps this test short.
      const outcome = await start(opened.page, {
        endpoint: `${other.url}/s3edge`,
        retry: { retries: 2, baseDelayMs: 50, maxDelayMs: 200 },
      });
      expect(outcome.ok).toBe(false);
      expect(outcome.code).toBe("NetworkError");
      expect(outcome.message).toMatch(/another origin than this page/);
      expect(outcome.message).toMatch(/cors/i);
      expect(outcome.state.status).toBe("error");
      expect((await events(opened.page)).filter((e) => e === "retry offline")).toEqual([]);
      expect(fixture.requests.filter((r) => r.operation !== "Preflight")).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("resumes after a page reload, sending only the parts S3 lacks", async () => {
    fixture = await startS3Fixture();
    server = await site(fixture);
    const opened = await open(server);
    context = opened.context;
    const { page } = opened;
    const { path, data } = await file("video.mp4", 12 * MiB + 5, 3);
    await page.setInputFiles("#file", path);
    await throttle(page, 3 * MiB);
    void start(page, { concurrency: 1 }).catch(() => undefined); // interrupted by the reload
    await page.waitForFunction(() => (window as unknown as { events: string[] }).events.includes("part 1"));
    await page.reload();
    const before = new Set(
      fixture.requests.filter((r) => r.operation === "UploadPart" && r.status === 200).map((r) => r.partNumber),
    );
    fixture.resetRequests();

    await page.setInputFiles("#file", path);
    const outcome = await start(page, { concurrency: 1 });
    expect(outcome.ok, outcome.message).toBe(true);
    expect(outcome.state.resumed).toBe(true);
    const after = fixture.requests
      .filter((r) => r.operation === "UploadPart" && r.status === 200)
      .map((r) => r.partNumber);
    expect(before.has(1)).toBe(true);
    expect(after.filter((n) => before.has(n))).toEqual([]);
    expect(new Set([...before, ...after])).toEqual(new Set([1, 2, 3]));
    expect(sha((await fixture.getObject(outcome.result?.key ?? "")) as Uint8Array)).toBe(sha(data));
    // Success removed the stored state.
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("s3edge:")))).toEqual([]);
  });

  it("keeps resume records too large for localStorage in IndexedDB, across a reload", async () => {
    fixture = await startS3Fixture();
    server = await site(fixture);
    const opened = await open(server);
    context = opened.context;
    const { page } = opened;
    const record = {
      v: 1 as const,
      fingerprint: "fp",
      filename: "big.mp4",
      size: 1,
      key: "k",
      uploadId: "u",
      token: "t",
      partSize: 5,
      expiresAt: Date.now() + 60_000,
      createdAt: 0,
      parts: Array.from({ length: 3000 }, (_, i) => ({ partNumber: i + 1, etag: `"${"0".repeat(32)}"`, size: 5 })),
    };
    await page.evaluate(async (r) => {
      const S = (window as unknown as { S3Edge: typeof import("../../src/index.js") }).S3Edge;
      await S.webStorageStore(undefined, { spill: S.indexedDbStore("s3edge-test") }).set(r);
    }, record);
    await page.reload();
    const after = await page.evaluate(async () => {
      const S = (window as unknown as { S3Edge: typeof import("../../src/index.js") }).S3Edge;
      const store = S.webStorageStore(undefined, { spill: S.indexedDbStore("s3edge-test") });
      const got = await store.get("fp");
      const listed = (await store.list()).length;
      await store.remove("fp");
      return {
        parts: got?.parts.length,
        listed,
        inLocalStorage: localStorage.length,
        afterRemove: await S.indexedDbStore("s3edge-test").get("fp"),
      };
    });
    expect(after).toEqual({ parts: 3000, listed: 1, inLocalStorage: 0, afterRemove: undefined });
  });

  it("waits out an offline period without spending its retries, then finishes", async () => {
    fixture = await startS3Fixture();
    server = await site(fixture);
    const opened = await open(server);
    context = opened.context;
    const { page } = opened;
    const { path, data } = await file("offline.bin", 11 * MiB, 4);
    await page.setInputFiles("#file", path);
    // One DevTools session for throttling and going offline (two sessions would fight over emulation).
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    const network = (offline: boolean) =>
      cdp.send("Network.emulateNetworkConditions", {
        offline,
        latency: 20,
        downloadThroughput: 3 * MiB,
        uploadThroughput: 3 * MiB,
      });
    await network(false);
    const done = start(page, { concurrency: 1, retry: { retries: 0 } });
    await page.waitForFunction(() => (window as unknown as { events: string[] }).events.includes("part 1"));
    await network(true);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    await page.waitForFunction(() =>
      (window as unknown as { events: string[] }).events.some((e) => e === "retry offline"),
    );
    await new Promise((r) => setTimeout(r, 300));
    await network(false);
    const outcome = await done;
    expect(outcome.ok, outcome.message).toBe(true);
    expect(sha((await fixture.getObject(outcome.result?.key ?? "")) as Uint8Array)).toBe(sha(data));
  });
});
