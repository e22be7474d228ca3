/** s3edge/react in Chromium: hooks re-render as an upload progresses to done. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { handleS3Edge, toNodeHandler } from "../../src/server.js";
import { testSigner } from "../support/app.js";
import { attachConsole, launchBrowser, startStaticServer, type StaticServer } from "../support/browser.js";
import { pseudoRandomBytes } from "../support/data.js";
import { startS3Fixture, type S3Fixture } from "../support/s3/fixture.js";

const MiB = 1024 * 1024;
let browser: Browser;
let fixture: S3Fixture;
let server: StaticServer;
let dir: string;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, "react-app.tsx")],
    bundle: true,
    write: false,
    format: "iife",
    jsx: "automatic",
    platform: "browser",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "error",
  });
  const js = bundle.outputFiles[0]?.text ?? "";
  fixture = await startS3Fixture();
  server = await startStaticServer({ pages: { "/react.html": '<!doctype html><meta charset="utf-8"><div id="root"></div><script src="/react-app.js"></script>' } });
  server.route("/favicon.ico", (_req, res) => res.writeHead(204).end());
  server.route("/react-app.js", (_req, res) => res.writeHead(200, { "content-type": "text/javascript" }).end(js));
  const signer = testSigner(fixture, { limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB } });
  server.route("/s3edge", toNodeHandler(handleS3Edge(signer)));
  browser = await launchBrowser();
  dir = await mkdtemp(join(tmpdir(), "s3edge-react-"));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await fixture?.close();
  await rm(dir, { recursive: true, force: true });
});

it("useUploader and useUpload re-render from queued to done with the exact byte count", async () => {
  const page = await browser.newPage();
  const console = attachConsole(page);
  await page.goto(`${server.url}/react.html`);
  const path = join(dir, "clip.bin");
  const size = 6 * MiB + 7;
  await writeFile(path, pseudoRandomBytes(size, 5));
  await page.setInputFiles("#file", path);
  await page.waitForSelector('li[data-status="done"]', { timeout: 30_000 });
  expect(await page.textContent("li")).toBe(`clip.bin: done ${size}/${size}`);
  expect(await page.textContent("#total")).toBe(`${size}/${size} active=0`);
  expect(console.errors()).toEqual([]);
  await page.close();
});
