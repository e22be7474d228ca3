/**
 * The `<script>` build `dist/s3edge.global.js` is a UMD: a plain `<script>` tag sets the global
 * `S3Edge`, an AMD loader (RequireJS) gets the module from `define` (and no global), and
 * CommonJS `require()` gets it as `module.exports` (and no global). Needs `npm run build`.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  attachConsole,
  launchBrowser,
  REPO_ROOT,
  startStaticServer,
  type PageConsole,
  type StaticServer,
} from "../support/browser.js";
import { requireBuilt } from "./paths.js";

/** What a page (or Node) saw of the module it loaded. */
interface Seen {
  createUploader: string;
  createEdge: string;
  encoded: string;
  branded: boolean;
  code: string;
  globalS3Edge: string;
}

/** Runs against a loaded module `S`; `page` says how it was loaded. Kept as a string to run in the page as is. */
const PROBE = `function probe(S) {
  let branded = false, code = "";
  try { S.assertValidKey(""); } catch (e) { branded = S.isS3EdgeError(e); code = e.code; }
  return {
    createUploader: typeof S.createUploader,
    createEdge: typeof S.createEdge,
    encoded: S.encodeKey("photos/a b+é.png"),
    branded, code,
    globalS3Edge: typeof window.S3Edge,
  };
}`;

const SCRIPT_PAGE = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>
<script src="/dist/s3edge.global.js"></script>
<script>${PROBE}; window.seen = probe(window.S3Edge);</script>
</body></html>`;

const AMD_PAGE = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>
<script src="/node_modules/requirejs/require.js"></script>
<script>
  ${PROBE};
  requirejs.config({ paths: { s3edge: "/dist/s3edge.global" } });
  requirejs(["s3edge"], (S) => { window.seen = probe(S); }, (error) => { window.seen = { error: String(error) }; });
</script>
</body></html>`;

const EXPECTED = {
  createUploader: "function",
  createEdge: "function",
  encoded: "photos/a%20b%2B%C3%A9.png",
  branded: true,
  code: "InvalidKey",
};

describe("UMD build (dist/s3edge.global.js)", () => {
  const file = requireBuilt("s3edge.global.js");
  let browser: Browser;
  let server: StaticServer;
  let page: Page;
  let pageConsole: PageConsole;

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startStaticServer({
      root: REPO_ROOT,
      pages: { "/script.html": SCRIPT_PAGE, "/amd.html": AMD_PAGE },
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage();
    pageConsole = attachConsole(page);
  });
  afterEach(async () => {
    await page?.close();
  });

  async function seenOn(path: string): Promise<Seen> {
    await page.goto(`${server.url}${path}`);
    await page.waitForFunction(() => "seen" in window, undefined, { timeout: 10_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: Seen }).seen);
    expect(pageConsole.errors(), pageConsole.format()).toEqual([]);
    return seen;
  }

  it("a plain <script> tag sets the global S3Edge", async () => {
    expect(await seenOn("/script.html")).toEqual({ ...EXPECTED, globalS3Edge: "object" });
  });

  it("an AMD loader (RequireJS) receives the module from define() and no global is set", async () => {
    expect(await seenOn("/amd.html")).toEqual({ ...EXPECTED, globalS3Edge: "undefined" });
  });

  it("require() in Node (a copy in a CommonJS folder) returns the module and sets no global", () => {
    const dir = mkdtempSync(join(tmpdir(), "s3edge-umd-"));
    try {
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "commonjs" }));
      copyFileSync(file, join(dir, "s3edge.global.js"));
      const S = createRequire(join(dir, "index.js"))("./s3edge.global.js") as typeof import("../../src/index.js");
      const window = globalThis as { S3Edge?: unknown };
      // The probe, run in Node (it reads `window.S3Edge`).
      const probe = new Function("window", `return (${PROBE})`)(window) as (s: unknown) => Seen;
      expect(probe(S)).toEqual({ ...EXPECTED, globalS3Edge: "undefined" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
