/**
 * The headless upload UI in Chromium (test/browser/upload-ui-app.tsx, the README's copy-paste
 * component): the drop zone is a keyboard-accessible, labelled button; dropped files are checked
 * as the server checks them; each row offers the actions its status allows (pause, resume,
 * cancel, retry after an error, remove); and a 4-file upload re-renders the list only when files
 * are added, and each row at most once per animation frame.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachConsole, throttle, type PageConsole, type StaticServer } from "../support/browser.js";
import { pseudoRandomBytes } from "../support/data.js";
import { startReactAppRig, type ReactAppRig } from "../support/browser/react-rig.js";
import type { S3Fixture } from "../support/s3/fixture.js";

const MiB = 1024 * 1024;
let browser: Browser;
let fixture: S3Fixture;
let server: StaticServer;
let dir: string;

let rig: ReactAppRig | undefined;

beforeAll(async () => {
  rig = await startReactAppRig({
    entry: join(import.meta.dirname, "upload-ui-app.tsx"),
    page: "/ui.html",
    script: "/ui.js",
    head: "<title>upload</title>",
  });
  ({ browser, fixture, server, dir } = rig);
});
afterAll(() => rig?.close());

async function open(query = ""): Promise<{ page: Page; console: PageConsole }> {
  const page = await browser.newPage();
  const console = attachConsole(page);
  // Playwright turns on file-chooser interception when the first listener is added, without
  // waiting for it: a key pressed right after may open a picker that no event reports (seen in
  // CI under load). A listener added before the page loads has it on long before any key.
  page.on("filechooser", () => undefined);
  await page.goto(`${server.url}/ui.html${query}`);
  await page.waitForSelector("#zone");
  return { page, console };
}

async function file(name: string, size: number, seed: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, pseudoRandomBytes(size, seed));
  return path;
}

const row = (page: Page, name: string) => page.locator("#uploads li", { hasText: name });
const buttons = async (page: Page, name: string): Promise<string[]> =>
  row(page, name).locator("button").allTextContents();

describe("the drop zone", () => {
  it("is a focusable button, named by its text, that controls a labelled hidden input and opens the picker on Enter and Space", async () => {
    const { page, console } = await open();
    const zone = page.getByRole("button", { name: /Drop files here/ });
    await expect(zone.getAttribute("tabindex")).resolves.toBe("0");
    await expect(zone.getAttribute("aria-disabled")).resolves.toBe("false");
    const input = page.getByLabel("Choose files to upload");
    await expect(input.getAttribute("type")).resolves.toBe("file");
    await expect(zone.getAttribute("aria-controls")).resolves.toBe(await input.getAttribute("id"));
    await expect(input.isHidden()).resolves.toBe(true);
    await expect(input.getAttribute("tabindex")).resolves.toBe("-1");
    await expect(input.getAttribute("accept")).resolves.toBe("image/*,application/octet-stream");

    // The zone is the first thing Tab reaches; the hidden input is skipped.
    await page.keyboard.press("Tab");
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("zone");
    for (const key of ["Enter", " "]) {
      const chooser = page.waitForEvent("filechooser", { timeout: 15_000 });
      await page.keyboard.press(key);
      expect((await chooser).isMultiple()).toBe(true);
    }
    // A click opens it too.
    const chooser = page.waitForEvent("filechooser", { timeout: 15_000 });
    await zone.click();
    const picked = await chooser;
    await picked.setFiles(await file("picked.bin", 1000, 1));
    await page.waitForSelector('#uploads li[data-status="done"]');
    await expect(row(page, "picked.bin").locator(".status").textContent()).resolves.toBe("done");
    expect(console.errors()).toEqual([]);
    await page.close();
  });

  it("refuses dropped files as the server would (type with wildcards, SVG not under image/*, size) and uploads the rest", async () => {
    const { page, console } = await open(`?maxSize=${2 * MiB}`);
    const dragging = () => page.getAttribute("#zone", "data-dragging");
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(2048)], "photo.png", { type: "image/png" }));
      dt.items.add(new File(["<svg/>"], "logo.svg", { type: "image/svg+xml" }));
      dt.items.add(new File(["MZ"], "setup.exe", { type: "application/x-msdownload" }));
      dt.items.add(new File([new Uint8Array(3 * 1024 * 1024)], "huge.png", { type: "image/png" }));
      dt.items.add(new File(["raw"], "notype", { type: "" }));
      const zone = document.getElementById("zone") as HTMLElement;
      const fire = (type: string, target: Element) =>
        target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      fire("dragenter", zone);
      // Entering a child and leaving it keeps the zone in the dragging state.
      const child = zone.querySelector("p") as HTMLElement;
      fire("dragenter", child);
      fire("dragleave", child);
      (window as unknown as { drop(): void }).drop = () => {
        fire("dragover", zone);
        fire("drop", zone);
      };
    });
    expect(await dragging()).toBe("true");
    await page.evaluate(() => (window as unknown as { drop(): void }).drop());
    expect(await dragging()).toBe("false");
    const refused = await page.$$eval("#rejections li", (items) =>
      items.map((li) => [li.getAttribute("data-code"), li.textContent]),
    );
    expect(refused).toEqual([
      ["ContentTypeNotAllowed", "logo.svg: type image/svg+xml is not allowed (image/*, application/octet-stream)"],
      [
        "ContentTypeNotAllowed",
        "setup.exe: type application/x-msdownload is not allowed (image/*, application/octet-stream)",
      ],
      ["TooLarge", `huge.png: ${3 * MiB} bytes is more than the limit of ${2 * MiB}`],
    ]);
    await page.waitForFunction(() => document.querySelectorAll('#uploads li[data-status="done"]').length === 2);
    expect(await page.$$eval("#uploads .name", (names) => names.map((n) => n.textContent))).toEqual([
      "photo.png",
      "notype",
    ]);
    expect(console.errors()).toEqual([]);
    await page.close();
  });
});

describe("an upload row", () => {
  it("offers pause and cancel while uploading, resume while paused, remove when done", async () => {
    const { page, console } = await open();
    await throttle(page, 4_000_000, 5);
    await page.setInputFiles("#zone input", await file("slow.bin", 12 * MiB, 2));
    await page.waitForSelector('#uploads li[data-status="uploading"]');
    expect(await buttons(page, "slow.bin")).toEqual(["Pause", "Cancel"]);
    await row(page, "slow.bin").getByRole("button", { name: "Pause" }).click();
    await page.waitForSelector('#uploads li[data-status="paused"]');
    expect(await buttons(page, "slow.bin")).toEqual(["Resume", "Cancel"]);
    await throttle(page, -1, 0);
    await row(page, "slow.bin").getByRole("button", { name: "Resume" }).click();
    await page.waitForSelector('#uploads li[data-status="done"]', { timeout: 60_000 });
    expect(await buttons(page, "slow.bin")).toEqual(["Remove"]);
    await expect(row(page, "slow.bin").locator(".detail").textContent()).resolves.toMatch(/^100% /);
    await row(page, "slow.bin").getByRole("button", { name: "Remove" }).click();
    await expect(page.locator("#uploads li").count()).resolves.toBe(0);
    // Pausing aborts the PUTs in flight: Chromium reports each as failed (ERR_ABORTED), nothing else.
    expect(
      console.errors().filter((e) => !(e.type === "requestfailed" && e.text.endsWith("net::ERR_ABORTED"))),
    ).toEqual([]);
    await page.close();
  });

  it("offers retry after an error, and the retry stores the file", async () => {
    const { page, console } = await open();
    let refused = 0;
    const stop = fixture.intercept((request) => {
      if (request.method === "PUT" && request.key.endsWith("fail-once.bin") && refused++ === 0) {
        return { status: 403, code: "AccessDenied", message: "Access Denied" };
      }
      return undefined;
    });
    try {
      await page.setInputFiles("#zone input", await file("fail-once.bin", 1000, 3));
      await page.waitForSelector('#uploads li[data-status="error"]');
      expect(await buttons(page, "fail-once.bin")).toEqual(["Retry", "Remove"]);
      await expect(row(page, "fail-once.bin").locator(".detail").textContent()).resolves.toMatch(/S3Error$/);
      await row(page, "fail-once.bin").getByRole("button", { name: "Retry" }).click();
      await page.waitForSelector('#uploads li[data-status="done"]');
      expect(await buttons(page, "fail-once.bin")).toEqual(["Remove"]);
      expect(refused).toBe(2);
    } finally {
      stop();
    }
    // Chromium logs the refused PUT as a failed resource; nothing else went wrong.
    expect(console.errors().filter((e) => !e.text.includes("status of 403"))).toEqual([]);
    await page.close();
  });
});

interface Measure {
  list: number;
  rows: number;
  bar: number;
  frames: number;
  startedAt: number;
  endedAt: number;
}

it("a 4-file upload renders the list once per file added and each row at most once per frame", async () => {
  const { page, console } = await open();
  // Throttled so that XHR reports byte progress often (on loopback it reports a handful of times).
  await throttle(page, 8_000_000, 5);
  const paths = await Promise.all([0, 1, 2, 3].map((i) => file(`four-${i}.bin`, 6 * MiB + i, 20 + i)));
  await page.setInputFiles("#zone input", paths);
  await page.waitForFunction(() => (window as unknown as { measure: Measure }).measure.endedAt > 0, null, {
    timeout: 90_000,
  });
  const m = await page.evaluate(() => (window as unknown as { measure: Measure }).measure);
  expect(await page.locator('#uploads li[data-status="done"]').count()).toBe(4);

  // The list re-renders when uploads are added (one pick: one render), never on progress.
  expect(m.list).toBeLessThanOrEqual(2);
  // Each row: at most one render per frame, plus its discrete changes (queued, uploading, completing, done).
  expect(m.rows).toBeLessThanOrEqual(4 * (m.frames + 5));
  const seconds = (m.endedAt - m.startedAt) / 1000;
  const rate = (n: number) => `${n} (${(n / seconds).toFixed(1)}/s)`;
  process.stdout.write(
    `upload UI renders over ${seconds.toFixed(2)} s, ${m.frames} frames (${(m.frames / seconds).toFixed(0)}/s): ` +
      `list ${rate(m.list)}, rows ${rate(m.rows)} (${(m.rows / 4 / seconds).toFixed(1)}/s per row), batch bar ${rate(m.bar)}\n`,
  );
  expect(console.errors()).toEqual([]);
  await page.close();
});
