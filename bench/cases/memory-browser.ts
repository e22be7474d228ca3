/**
 * Case 2, browser part: s3edge's `<script>` build (dist/s3edge.global.js) in
 * Debian's Chromium uploads a large file picked in an `<input type=file>` to
 * the sink with the default XHR transport. The renderer must not read the
 * whole file into memory: its RSS (from /proc, pid from the DevTools
 * protocol's SystemInfo.getProcessInfo) and JS heap (Performance.getMetrics)
 * are sampled while idle, then during the upload.
 *
 * A picked file rather than a `new Blob` made in the page: Chromium keeps a
 * page-made Blob in its blob storage, which in a fresh (incognito) context
 * cannot page to disk and breaks above ~500 MB (ERR_BLOB_REFERENCED_BLOB_BROKEN,
 * measured here at 512 MiB); a picked file is read from disk as it is sent.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import type { CDPSession } from "playwright-core";

import { createSigner, handleS3Edge, toNodeHandler } from "../../src/server.js";
import { TEST_SECRET } from "../../test/support/app.js";
import { chromiumPath, launchBrowser, startStaticServer } from "../../test/support/browser.js";
import type { BenchContext, CaseResult, Goal } from "../lib/context.js";
import { spawnWorker } from "../lib/rpc.js";
import { S3RVER_CREDENTIALS } from "../lib/s3rver.js";
import { makeData, tempFiles } from "../lib/data.js";
import { MiB, fixed, verdict } from "../lib/stats.js";
import type { ServersInfo } from "../servers.js";

const PART = 8 * MiB;
const CONCURRENCY = 4;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"></head><body>
<input type="file" id="file">
<script src="/dist/s3edge.global.js"></script>
<script>
  window.upload = async (options) => {
    const uploader = S3Edge.createUploader({ endpoint: "/s3edge", store: false, retry: { retries: 1 }, ...options });
    const started = performance.now();
    const result = await uploader.upload(document.getElementById("file").files[0]);
    return { size: result.size, ms: performance.now() - started };
  };
</script></body></html>`;

interface BrowserSample {
  t: number;
  phase: "idle" | "upload";
  rendererRss: number;
  browserRss: number;
  jsHeapUsed: number;
}

function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Run the browser memory measurement (skipped with a note when Chromium or the build is missing). */
export async function runBrowserMemory(ctx: BenchContext): Promise<CaseResult> {
  const size = ctx.options.quick ? 128 * MiB : 1024 * MiB;
  const skip = (why: string): CaseResult => ({
    tables: [{ title: "Memory in Chromium (skipped)", columns: ["why"], rows: [[why]] }],
    goals: [],
    data: { skipped: why },
  });
  try {
    chromiumPath();
  } catch {
    return skip("chromium not installed");
  }
  if (!existsSync(join(ctx.root, "dist/s3edge.global.js")))
    return skip("dist/s3edge.global.js missing: run npm run build");

  const files = await tempFiles();
  const path = await files.write("browser-memory.bin", makeData(size));
  const servers = await spawnWorker(`${ctx.bundleDir}/servers.js`);
  const browser = await launchBrowser();
  // The root must be given: bundled, the static server's own default (relative to its file) is wrong.
  const site = await startStaticServer({ root: ctx.root, pages: { "/memory.html": PAGE } });
  const samples: BrowserSample[] = [];
  let result: { size: number; ms: number };
  let stopSampling = async (): Promise<void> => undefined;
  try {
    const info = await servers.call<ServersInfo>("start", { sink: true });
    const signer = createSigner({
      s3: { endpoint: info.sink as string, region: "us-east-1", forcePathStyle: true, credentials: S3RVER_CREDENTIALS },
      bucket: info.bucket,
      tokenSecret: TEST_SECRET,
      authorize: () => ({ id: "browser-user" }),
      keyPolicy: () => "bench/browser-memory.bin",
    });
    site.route("/s3edge", toNodeHandler(handleS3Edge(signer)));
    const page = await browser.newPage();
    await page.goto(`${site.url}/memory.html`);
    const cdp: CDPSession = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const browserCdp = await browser.newBrowserCDPSession();
    const processes = (await browserCdp.send("SystemInfo.getProcessInfo")).processInfo;
    const renderers = processes.filter((p) => p.type === "renderer").map((p) => p.id);
    const browserPid = processes.find((p) => p.type === "browser")?.id ?? 0;

    await page.setInputFiles("#file", path);
    let phase: BrowserSample["phase"] = "idle";
    const t0 = performance.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling && browser.isConnected()) {
        const metrics = (await cdp.send("Performance.getMetrics")).metrics;
        const heap = metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0;
        samples.push({
          t: Math.round(performance.now() - t0),
          phase,
          rendererRss: renderers.reduce((sum, pid) => sum + rssOf(pid), 0),
          browserRss: rssOf(browserPid),
          jsHeapUsed: heap,
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })().catch(() => undefined);
    stopSampling = async () => {
      sampling = false;
      await sampler;
    };
    await new Promise((resolve) => setTimeout(resolve, 1500));
    phase = "upload";
    result = await page.evaluate(
      (o) => (window as unknown as { upload(o: unknown): Promise<{ size: number; ms: number }> }).upload(o),
      { concurrency: CONCURRENCY, partSize: PART },
    );
    await stopSampling();
    if (result.size !== size) throw new Error(`browser memory: stored ${result.size} bytes, not ${size}`);
  } finally {
    await stopSampling();
    await browser.close();
    await site.close();
    await servers.close();
    await files.remove();
  }

  const idle = samples.filter((s) => s.phase === "idle");
  const upload = samples.filter((s) => s.phase === "upload");
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const figures = (pick: (s: BrowserSample) => number) => {
    const base = median(idle.map(pick));
    const peak = Math.max(...upload.map(pick));
    return { base, peak, extra: peak - base };
  };
  const renderer = figures((s) => s.rendererRss);
  const heap = figures((s) => s.jsHeapUsed);
  const browserProc = figures((s) => s.browserRss);
  // "Not the whole file": the renderer grows by well under the file's size.
  const limit = PART * (CONCURRENCY + 1) + 32 * MiB;
  const ok = renderer.extra <= limit;
  const goals: Goal[] = [
    {
      name: `Chromium renderer peak extra RSS, ${size / MiB} MiB picked file`,
      target: `<= ${limit / MiB} MiB (file: ${size / MiB} MiB)`,
      value: `${fixed(renderer.extra / MiB)} MiB`,
      ok,
    },
  ];
  const mb = (x: number): string => fixed(x / MiB);
  return {
    tables: [
      {
        title: `Memory in Chromium: a ${size / MiB} MiB file picked in <input type=file>, uploaded with the <script> build (XHR, 8 MiB parts, 4 in parallel)`,
        columns: ["process", "idle MiB", "peak during upload MiB", "peak extra MiB", `goal (<= ${limit / MiB} MiB)`],
        rows: [
          ["renderer RSS", mb(renderer.base), mb(renderer.peak), mb(renderer.extra), verdict(ok)],
          ["renderer JS heap used", mb(heap.base), mb(heap.peak), mb(heap.extra), ""],
          ["browser process RSS", mb(browserProc.base), mb(browserProc.peak), mb(browserProc.extra), ""],
        ],
        notes: [
          `One run: ${upload.length} samples every ~50 ms during the upload (${fixed(result.ms / 1000, 1)} s, ${fixed(size / MiB / (result.ms / 1000), 0)} MiB/s); idle baseline = median of ${idle.length} samples taken after the file was picked.`,
          "An uploader that read the whole file (file.arrayBuffer()) would grow the renderer by the file's size; s3edge hands XHR a File.slice() per part, which Chromium streams from disk.",
          "A Blob made in the page (new Blob of repeated chunks) could not be used above ~500 MB: Chromium's blob storage in a fresh context breaks (ERR_BLOB_REFERENCED_BLOB_BROKEN).",
        ],
      },
    ],
    goals,
    data: { size, samples, uploadMs: result.ms },
  };
}
