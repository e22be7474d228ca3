/**
 * Case "sw": the page's `load` event during a hung CDN, with the s3edge service worker
 * (dist/s3edge-sw.js, `timeoutMs` 1000) and without it. The page is the Chromium suite's
 * (test/browser/sw/support.ts): a CSS background, a web font, a `<video>` and a `fetch()` from
 * the CDN (the nginx edge in "hang" mode, reached as `cdn.test`). With the worker, a first visit
 * with a healthy CDN installs it; the measured load follows a cleared HTTP cache. Without it,
 * Chromium waits minutes for the hung host: the load is cut at `CAP_MS` and reported as "> cap".
 * Needs `npm run build` first.
 */
import { launchBrowser, startStaticServer } from "../../test/support/browser.js";
import { startEdge } from "../../test/support/edge.js";
import { startS3Fixture } from "../../test/support/s3/fixture.js";
import { putSwObjects, swPagePath, swPageRoute, workerQuery, workerRoute } from "../../test/browser/sw/support.js";
import type { BenchContext, CaseResult, Goal } from "../lib/context.js";
import { fixed, spread, summarize, verdict } from "../lib/stats.js";

const TIMEOUT_MS = 1000;
const CAP_MS = 20_000;

/** Run the case. */
export async function runSw(ctx: BenchContext): Promise<CaseResult> {
  const reps = ctx.options.quick ? 1 : 3;
  const s3 = await startS3Fixture();
  const client = s3.s3Client();
  await putSwObjects(client, s3.bucket);
  client.destroy();
  const edge = await startEdge({ origin: s3.endpoint });
  const browser = await launchBrowser({ hostResolverRules: [`MAP cdn.test 127.0.0.1:${edge.port}`] });
  const server = await startStaticServer({ root: ctx.root });
  server.route("/sw-page", swPageRoute);
  server.route("/s3edge-sw.js", workerRoute(ctx.root));
  const cdn = `http://cdn.test/${s3.bucket}`;
  const worker = workerQuery({ cdn, endpoint: s3.endpoint, bucket: s3.bucket, timeoutMs: TIMEOUT_MS, cors: true });

  /** ms from navigation start to `load`, or `CAP_MS` when it did not fire in time. */
  async function loadTime(withWorker: boolean): Promise<number> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      if (withWorker) {
        await edge.setMode("healthy");
        await page.goto(`${server.url}${swPagePath({ cdn, worker })}`);
        await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
        const cdp = await context.newCDPSession(page);
        await cdp.send("Network.clearBrowserCache");
      }
      await edge.setMode("hang");
      const url = `${server.url}${swPagePath({ cdn, worker: withWorker ? worker : "" })}`;
      await page.goto(url, { waitUntil: "commit" });
      const fired = await page
        .waitForFunction(
          () =>
            ((performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined)
              ?.loadEventStart ?? 0) > 0,
          null,
          {
            timeout: CAP_MS,
            polling: 50,
          },
        )
        .then(
          () => true,
          () => false,
        );
      if (!fired) return CAP_MS;
      return await page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
        return nav.loadEventStart - nav.startTime;
      });
    } finally {
      await context.close();
    }
  }

  const withWorker: number[] = [];
  const without: number[] = [];
  try {
    for (let i = 0; i < reps; i++) {
      ctx.progress(`hung CDN, repetition ${i + 1}/${reps}`);
      withWorker.push(await loadTime(true));
      without.push(await loadTime(false));
    }
  } finally {
    await browser.close();
    await server.close();
    await edge.close();
    await s3.close();
  }

  const a = summarize(withWorker);
  const b = summarize(without);
  const capped = without.every((ms) => ms >= CAP_MS);
  const goals: Goal[] = [
    {
      name: "load with the worker, hung CDN",
      target: `< timeoutMs (${TIMEOUT_MS} ms) + 2 s`,
      value: `${fixed(a.median, 0)} ms`,
      ok: a.max < TIMEOUT_MS + 2000,
    },
  ];
  return {
    tables: [
      {
        title: "Page load during a hung CDN: with the service worker vs without",
        columns: ["", "load (ms, median)", "min-max", ""],
        rows: [
          ["with s3edge-sw.js (timeoutMs 1000)", fixed(a.median, 0), spread(a, 0), verdict(goals[0]?.ok)],
          [
            "without (the browser alone)",
            capped ? `> ${CAP_MS}` : fixed(b.median, 0),
            capped ? "never fired" : spread(b, 0),
            "",
          ],
          [
            "ratio without / with",
            capped ? `> ${fixed(CAP_MS / a.median, 1)}x` : `${fixed(b.median / a.median, 1)}x`,
            "",
            "",
          ],
        ],
        notes: [
          "Page: CSS background, @font-face font, <video preload=metadata>, fetch(); all from the CDN (nginx edge, mode hang).",
          "With the worker: installed on a first visit with a healthy CDN, HTTP cache cleared before the measured load.",
          `Without: Chromium waits minutes on the hung host (TESTING.md: 328 s observed); cut at ${CAP_MS} ms.`,
        ],
      },
    ],
    goals,
    data: { withWorkerMs: withWorker, withoutMs: without, capMs: CAP_MS, timeoutMs: TIMEOUT_MS },
  };
}
