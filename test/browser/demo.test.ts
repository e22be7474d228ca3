/**
 * `npm run demo` end to end, as a person uses it: start it the way the README says (one URL
 * printed), open the page in Chromium, upload a 12 MiB image through the file input, watch the
 * progress reach 100 %, see the image in the gallery from the CDN, break the CDN (connection
 * refused, 503, hang) and see it from S3 after a reload, then restore the CDN; reload the page in
 * the middle of an upload and see it resume; turn the service worker on and see a hung CDN's CSS
 * background, font and video come from S3. Every step saves a
 * screenshot to .tmp/demo-shots/ (docs/demo.png is one of them, committed by hand).
 *
 * The demo builds its own bundles (no `npm run build` needed) and runs its own S3, edge and
 * latency proxies; the project's global setup is not used here.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { attachConsole, launchBrowser, REPO_ROOT, type PageConsole } from "../support/browser.js";

const SHOTS = join(REPO_ROOT, ".tmp", "demo-shots");
const PHOTO = "photo-12mib.png";

let demo: ChildProcess;
let url: string;
let output = "";
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageConsole: PageConsole;
let cdp: CDPSession;

/** CRC-32 of a PNG chunk (type + data). */
function crc(bytes: Buffer): number {
  let c = ~0;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, tail]);
}

/**
 * A 2048x2048 RGB gradient stored without compression: a real 12 MiB PNG (three 5 MiB parts)
 * that renders as a smooth picture (so screenshots stay small).
 */
function photo(): Buffer {
  const size = 2048;
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3);
    for (let x = 0; x < size; x++) {
      const p = row + 1 + x * 3;
      raw[p] = 40 + Math.round((x / size) * 180);
      raw[p + 1] = 90 + Math.round((y / size) * 120);
      raw[p + 2] = 200 - Math.round((x / size) * 120);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 0 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Starts `node scripts/demo.mjs` in its own process group; resolves with the URL it prints. */
function startDemo(): Promise<string> {
  demo = spawn(process.execPath, ["scripts/demo.mjs"], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: "0" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo printed no URL within 80 s:\n${output}`)), 80_000);
    const read = (data: Buffer): void => {
      output += data.toString();
      const match = /s3edge demo: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    demo.stdout?.on("data", read);
    demo.stderr?.on("data", read);
    demo.once("exit", (code) => reject(new Error(`the demo exited (${code}) before printing its URL:\n${output}`)));
  });
}

/** Ctrl-C: SIGINT to the demo's process group; resolves with its exit code. */
function stopDemo(): Promise<number | null> {
  if (demo.exitCode !== null) return Promise.resolve(demo.exitCode);
  return new Promise((resolve) => {
    demo.once("exit", (code) => resolve(code));
    process.kill(-(demo.pid as number), "SIGINT");
  });
}

/**
 * Saves a screenshot through the DevTools protocol: Playwright's own waits for the page's fonts,
 * and a web font requested from a hung CDN (without the service worker) never settles.
 */
async function shot(name: string): Promise<void> {
  const { data } = await cdp.send("Page.captureScreenshot", { format: "png" });
  writeFileSync(join(SHOTS, `${name}.png`), Buffer.from(data, "base64"));
}

/** Throttles the page's network (one DevTools session, so that lifting it really lifts it); -1 lifts it. */
async function throttle(bytesPerSecond: number, latencyMs: number): Promise<void> {
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: latencyMs,
    downloadThroughput: bytesPerSecond,
    uploadThroughput: bytesPerSecond,
  });
}

/** The tile of the uploaded photo. */
const photoTile = () => page.locator(`[data-testid=tile][data-key$="${PHOTO}"]`);

async function setMode(mode: string): Promise<void> {
  await page.locator(`button[data-mode="${mode}"]`).click();
  await expect
    .poll(() => page.locator(`button[data-mode="${mode}"]`).getAttribute("aria-pressed"), { timeout: 20_000 })
    .toBe("true");
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  url = await startDemo();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  pageConsole = attachConsole(page);
  cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (demo) await stopDemo();
});

afterEach((test) => {
  if (test.task.result?.state === "fail")
    console.log(`page console:\n${pageConsole?.format()}\ndemo output:\n${output}`);
});

describe("npm run demo", () => {
  it("prints one URL, serves the page, and lists the bucket's samples from the CDN", async () => {
    expect(output.match(/http:\/\/\S+/g)).toHaveLength(1);
    await page.goto(url);
    await expect
      .poll(() => page.locator("[data-testid=tile][data-source=cdn]").count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(4);
    await expect.poll(() => page.getByTestId("health-cdn").textContent()).toContain("CDN: healthy");
    await shot("01-open");
  });

  it("uploads a 12 MiB image with visible progress up to 100 %, and shows it from the CDN", async () => {
    await throttle(10_000_000, 20);
    // From a file on disk, as a person picks it (a 12 MiB buffer would cross the protocol as base64).
    const path = join(SHOTS, PHOTO);
    writeFileSync(path, photo());
    await page.getByTestId("file-input").setInputFiles(path);
    const row = page.getByTestId("upload-row");
    const seen = new Set<number>();
    let midShot = false;
    await expect
      .poll(
        async () => {
          const pct = Number.parseInt((await row.getByTestId("upload-percent").textContent()) ?? "0", 10);
          seen.add(pct);
          if (!midShot && pct > 20 && pct < 90) {
            midShot = true;
            await shot("02-uploading");
          }
          return row.getAttribute("data-status");
        },
        { timeout: 45_000, interval: 100 },
      )
      .toBe("done");
    await throttle(-1, 0);
    expect(await row.getByTestId("upload-percent").textContent()).toBe("100 %");
    expect([...seen].some((p) => p > 0 && p < 100)).toBe(true);
    await expect.poll(() => photoTile().getAttribute("data-source"), { timeout: 15_000 }).toBe("cdn");
    await shot("03-uploaded-from-cdn");
  });

  const outages: Array<[string, string]> = [
    ["refused", "connection refused (nginx stopped)"],
    ["503", "a fast 503"],
    ["hang", "a hung CDN (the image's own timer)"],
  ];
  for (const [mode, what] of outages) {
    it(`shows the image from S3 with ${what}, and again after a reload`, async () => {
      await setMode(mode);
      await expect.poll(() => photoTile().getAttribute("data-source"), { timeout: 20_000 }).toBe("s3");
      await expect.poll(() => page.getByTestId("health-cdn").textContent(), { timeout: 20_000 }).toMatch(/CDN: down/);
      expect(await page.getByTestId("log").textContent()).toMatch(/CDN → S3/);
      await shot(`04-${mode}`);
      await page.reload();
      await expect.poll(() => photoTile().getAttribute("data-source"), { timeout: 20_000 }).toBe("s3");
      // The breaker's verdict outlived the page: the reloaded page knows the CDN is down.
      await expect.poll(() => page.getByTestId("health-cdn").textContent(), { timeout: 10_000 }).toMatch(/CDN: down/);
      await shot(`05-${mode}-reloaded`);
    });
  }

  it("restores the CDN: health forgotten, images from the CDN again", async () => {
    await setMode("healthy");
    await expect.poll(() => page.getByTestId("health-cdn").textContent()).toContain("CDN: healthy");
    await expect.poll(() => photoTile().getAttribute("data-source"), { timeout: 15_000 }).toBe("cdn");
    await shot("06-restored");
  });

  it("resumes an upload after a reload: the row says how many parts were already on S3", async () => {
    // A file on disk, so that the page sees the same File (name, size, lastModified) after the reload.
    const name = `resume-${Date.now()}.png`; // a new name if the test is retried
    const path = join(SHOTS, name);
    writeFileSync(path, photo());
    const row = page.getByTestId("upload-row").filter({ hasText: name });
    await throttle(1_500_000, 20);
    await page.getByTestId("file-input").setInputFiles(path);
    // The three parts go up side by side; the 2 MiB tail lands first.
    await expect.poll(() => row.textContent(), { timeout: 30_000, interval: 100 }).toMatch(/[12] of 3 parts on S3/);
    const before = Number(/([12]) of 3 parts on S3/.exec((await row.textContent()) ?? "")?.[1]);
    await page.reload();
    await throttle(-1, 0);
    // A part may have landed between reading the row and the reload: the record says how many.
    const listed = new RegExp(`${name}: ([12]) of 3 parts already on S3`);
    await expect.poll(() => page.getByTestId("unfinished").textContent(), { timeout: 15_000 }).toMatch(listed);
    const stored = Number(listed.exec((await page.getByTestId("unfinished").textContent()) ?? "")?.[1]);
    expect(stored).toBeGreaterThanOrEqual(before);
    await shot("07-unfinished-after-reload");
    await page.getByTestId("file-input").setInputFiles(path);
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 45_000 }).toBe("done");
    expect(await row.getByTestId("upload-resumed").textContent()).toBe(`resumed: ${stored} of 3 parts already on S3`);
    expect(await page.getByTestId("unfinished").count()).toBe(0);
    await expect
      .poll(() => page.locator(`[data-testid=tile][data-key$="${name}"]`).getAttribute("data-source"), {
        timeout: 15_000,
      })
      .toBe("cdn");
    await shot("08-resumed");
  });

  it("with the service worker on, a hung CDN's CSS background, font and video come from S3", async () => {
    const toggle = page.getByTestId("sw-toggle");
    const switchText = () => page.locator(".sw-panel .switch").textContent();
    if ((await switchText()) !== "on") await toggle.click(); // the page reloads under the worker
    await expect.poll(switchText, { timeout: 30_000 }).toBe("on");
    await setMode("hang");
    await expect.poll(switchText, { timeout: 30_000 }).toBe("on");
    for (const tile of ["sw-background", "sw-font", "sw-video"]) {
      await expect.poll(() => page.getByTestId(tile).getAttribute("data-source"), { timeout: 30_000 }).toBe("s3");
    }
    await expect
      .poll(() => page.getByTestId("sw-font").getAttribute("data-status"), { timeout: 20_000 })
      .toBe("loaded");
    await expect
      .poll(() => page.getByTestId("sw-video").getAttribute("data-status"), { timeout: 20_000 })
      .toMatch(/^loaded \(\d+ s\)$/);
    expect(await page.getByTestId("log").textContent()).toMatch(/service worker: .*CDN → S3/);
    await shot("09-service-worker-hang");
    // Off again, the CDN healthy: the page is as it was.
    await setMode("healthy");
    await toggle.click(); // unregisters the worker, then reloads
    await expect.poll(switchText, { timeout: 30_000 }).toBe("off");
  });

  it("stops everything on Ctrl-C", async () => {
    expect(await stopDemo()).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });
});
