/**
 * Browser harness: Debian's Chromium driven by playwright-core, a static server for test pages,
 * network throttling through the DevTools protocol, and page console collection.
 * See TESTING.md "Browser".
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export { attachConsole, redactQueries, type PageConsole, type PageMessage } from "./browser/console.js";
export {
  contentTypeFor,
  REPO_ROOT,
  resolveUnderRoot,
  startStaticServer,
  type StaticServer,
  type StaticServerOptions,
} from "./browser/static-server.js";

/** Chromium flags that keep a headless run quiet, offline-safe and sandbox-free (we run as root in CI). */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Path of the system Chromium (/usr/bin/chromium, else `chromium` on PATH). Playwright's own download cannot work here. */
export function chromiumPath(): string {
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  for (const dir of (process.env["PATH"] ?? "").split(":")) {
    if (dir && existsSync(join(dir, "chromium"))) return join(dir, "chromium");
  }
  throw new Error("chromium not found: run `node scripts/ensure-system-deps.mjs`");
}

/** Options of {@link launchBrowser}. */
export interface LaunchOptions {
  /**
   * Host name rules for the whole browser (`--host-resolver-rules`), e.g.
   * `"MAP cdn.test 127.0.0.1:8080"` (a test host name served by a loopback port) or
   * `"MAP dead-cdn.test ~NOTFOUND"` (that name fails DNS resolution). They are fixed at launch.
   */
  hostResolverRules?: string[];
}

/** Launches headless Chromium; close it with `browser.close()` in `afterAll`. */
export function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const rules = options.hostResolverRules ?? [];
  const args = rules.length > 0 ? [...CHROMIUM_ARGS, `--host-resolver-rules=${rules.join(", ")}`] : [...CHROMIUM_ARGS];
  return chromium.launch({ executablePath: chromiumPath(), args });
}

/**
 * Throttles a page's network (both directions) to `bytesPerSecond`, with `latencyMs` added to
 * each request (default 20). Pass `bytesPerSecond = -1` to lift the throughput limit. Needed for
 * XHR upload progress tests: on loopback Chromium reports progress only a handful of times.
 */
export async function throttle(page: Page, bytesPerSecond: number, latencyMs = 20): Promise<void> {
  const session = await page.context().newCDPSession(page);
  await session.send("Network.enable");
  await session.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: latencyMs,
    downloadThroughput: bytesPerSecond,
    uploadThroughput: bytesPerSecond,
  });
}
