/**
 * A React test app in Chromium against the S3 fixture: the app's .tsx bundled with esbuild,
 * served with a signing endpoint (`/s3edge`, 5 MiB parts) from a static server.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { handleS3Edge, toNodeHandler } from "../../../src/server.js";
import { testSigner } from "../app.js";
import { launchBrowser, startStaticServer, type StaticServer } from "../browser.js";
import { startS3Fixture, type S3Fixture } from "../s3/fixture.js";

/** What a React app test needs; `close()` stops all of it. */
export interface ReactAppRig {
  browser: Browser;
  fixture: S3Fixture;
  server: StaticServer;
  /** A temp folder for the test's files. */
  dir: string;
  close(): Promise<void>;
}

/** Bundle `entry` (a .tsx that renders into #root) and serve it as `page` with its script at `script`. */
export async function startReactAppRig(o: {
  entry: string;
  page: string;
  script: string;
  head?: string;
}): Promise<ReactAppRig> {
  const bundle = await build({
    entryPoints: [o.entry],
    bundle: true,
    write: false,
    format: "iife",
    jsx: "automatic",
    platform: "browser",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "error",
  });
  const js = bundle.outputFiles[0]?.text ?? "";
  const fixture = await startS3Fixture();
  const html = `<!doctype html><meta charset="utf-8">${o.head ?? ""}<div id="root"></div><script src="${o.script}"></script>`;
  const server = await startStaticServer({ pages: { [o.page]: html } });
  server.route("/favicon.ico", (_req, res) => res.writeHead(204).end());
  server.route(o.script, (_req, res) => res.writeHead(200, { "content-type": "text/javascript" }).end(js));
  const MiB = 1024 * 1024;
  const signer = testSigner(fixture, { limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB } });
  server.route("/s3edge", toNodeHandler(handleS3Edge(signer)));
  const browser = await launchBrowser();
  const dir = await mkdtemp(join(tmpdir(), "s3edge-react-"));
  return {
    browser,
    fixture,
    server,
    dir,
    async close() {
      await browser.close();
      await server.close();
      await fixture.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
