/**
 * Images case: time until every image of a 24-image page is visible (its real pixels), per CDN
 * fault mode, with `autoFallback` (the `<head>` script, inlined) against the browser alone (plain
 * `<img>` tags), in the same run; plus the second page load during an outage (persisted health)
 * and the requests it sends to the CDN. Then the same in React: `<EdgeImage>` against react-image's
 * `<Img src={[cdnUrl, s3Url]}>` (bench/cases/images-react-page.tsx).
 *
 * Geography is emulated (TESTING.md): the nginx edge behind a 20 ms-RTT latency proxy, S3 behind a
 * 150 ms-RTT one. Chromium reaches the CDN as `cdn.test` (`--host-resolver-rules`).
 *
 * Run it with `npm run build && npm run bench -- --only=images` (add `--quick` for a smoke run).
 * BENCH_IMAGES_MODES=healthy,hang (name prefixes) picks modes, BENCH_IMAGES_REPS=9 the repetitions,
 * BENCH_IMAGES_PARTS=plain,second,react the parts (default all three).
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { galleryHtml, plainObjects, putGalleryObjects } from "../../test/browser/images-page.js";
import { launchBrowser, startStaticServer } from "../../test/support/browser.js";
import { startEdge, type EdgeMode } from "../../test/support/edge.js";
import { startLatencyProxy } from "../../test/support/latency-proxy.js";
import { startS3Fixture } from "../../test/support/s3/fixture.js";
import type { BenchContext, CaseResult } from "../lib/context.js";
import { fixed, pairedRatios, spread, summarize } from "../lib/stats.js";
import type { Table } from "../lib/table.js";

const COUNT = 24;
const EDGE_RTT_MS = 20;
const S3_RTT_MS = 150;
/** The browser alone never shows images of a dead CDN: stop waiting after this. */
const DEADLINE_MS = 6_000;

/** Records, in the page, when every image first shows its real pixels (ms since navigation start). */
const VISIBLE_PROBE = `(() => {
  const check = () => {
    const images = [...document.images];
    const done = images.length >= ${COUNT} && images.every((im) => im.complete && im.naturalWidth === Number(im.dataset.w));
    if (done) window.__visibleAt = performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();`;

interface Sample {
  /** ms until every image was visible; NaN when not within the deadline. */
  ms: number;
  visible: number;
}

/** Run the case (see the module documentation). */
export async function runImages(
  ctx: Pick<BenchContext, "progress"> & { options: { quick: boolean }; root?: string },
): Promise<CaseResult> {
  const reps = Number(process.env["BENCH_IMAGES_REPS"] ?? (ctx.options.quick ? 1 : 3));
  const parts = (process.env["BENCH_IMAGES_PARTS"] ?? "plain,second,react").split(",");
  const root = ctx.root ?? process.cwd();
  const s3 = await startS3Fixture();
  const edge = await startEdge({ origin: s3.endpoint });
  const edgeProxy = await startLatencyProxy({ target: `127.0.0.1:${edge.port}`, rttMs: EDGE_RTT_MS });
  const s3Proxy = await startLatencyProxy({ target: new URL(s3.endpoint).host, rttMs: S3_RTT_MS });
  const server = await startStaticServer({ root });
  let browser: Browser | undefined;
  try {
    await putGalleryObjects(
      {
        endpoint: s3.endpoint,
        bucket: s3.bucket,
        region: s3.region,
        accessKeyId: s3.credentials.accessKeyId,
        secretAccessKey: s3.credentials.secretAccessKey,
      },
      plainObjects(COUNT),
    );
    browser = await launchBrowser({
      hostResolverRules: [`MAP cdn.test 127.0.0.1:${edgeProxy.port}`, "MAP nxdomain.test ~NOTFOUND"],
    });
    const origin = { endpoint: s3Proxy.url, bucket: s3.bucket };
    const page = (script: "head" | "none", cdn = `http://cdn.test/${s3.bucket}`): string => {
      const { head, body } = galleryHtml({ cdn, origin, script, count: COUNT, inline: true, stream: false });
      return `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;
    };
    server.route("/s3edge.html", (_q, res) => res.writeHead(200, { "content-type": "text/html" }).end(page("head")));
    server.route("/browser.html", (_q, res) => res.writeHead(200, { "content-type": "text/html" }).end(page("none")));
    server.route("/s3edge-dns.html", (_q, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end(page("head", `http://nxdomain.test/${s3.bucket}`)),
    );
    server.route("/browser-dns.html", (_q, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end(page("none", `http://nxdomain.test/${s3.bucket}`)),
    );
    server.route("/favicon.ico", (_q, res) => res.writeHead(204).end());
    // The React pages: one bundle, the contender chosen by the page's config.
    const reactJs = parts.includes("react")
      ? ((
          await build({
            entryPoints: [join(root, "bench/cases/images-react-page.tsx")],
            bundle: true,
            write: false,
            format: "iife",
            jsx: "automatic",
            platform: "browser",
            minify: true,
            define: { "process.env.NODE_ENV": '"production"' },
            logLevel: "error",
          })
        ).outputFiles[0]?.text ?? "")
      : "";
    server.route("/react-app.js", (_q, res) => res.writeHead(200, { "content-type": "text/javascript" }).end(reactJs));
    const reactPage = (kind: "edge-image" | "react-image", cdn: string): string =>
      `<!doctype html><html><head><meta charset="utf-8"><script>window.__config = ${JSON.stringify({ kind, cdn, origin, images: plainObjects(COUNT), timeoutMs: 1500 })};</script></head><body><div id="root"></div><script src="/react-app.js"></script></body></html>`;
    for (const kind of ["edge-image", "react-image"] as const) {
      server.route(`/${kind}.html`, (_q, res) =>
        res.writeHead(200, { "content-type": "text/html" }).end(reactPage(kind, `http://cdn.test/${s3.bucket}`)),
      );
      server.route(`/${kind}-dns.html`, (_q, res) =>
        res.writeHead(200, { "content-type": "text/html" }).end(reactPage(kind, `http://nxdomain.test/${s3.bucket}`)),
      );
    }
    const b = browser;

    /** One page load in a fresh profile (or `reload` in the same one); time until every image is visible. */
    async function load(path: string, reload = false): Promise<Sample & { secondLoad?: Sample; cdnRequests?: number }> {
      const context = await b.newContext();
      await context.addInitScript(VISIBLE_PROBE);
      const tab = await context.newPage();
      const measure = async (): Promise<Sample> => {
        const ms = await tab
          .waitForFunction(() => (window as { __visibleAt?: number }).__visibleAt, null, {
            timeout: DEADLINE_MS,
            polling: 20,
          })
          .then(
            (h) => h.jsonValue() as Promise<number>,
            () => Number.NaN,
          );
        if (process.env["BENCH_IMAGES_DEBUG"])
          console.error(JSON.stringify(await tab.evaluate(() => (window as { __events?: unknown }).__events)));
        const visible = await tab.evaluate(
          () => [...document.images].filter((im) => im.complete && im.naturalWidth === Number(im.dataset["w"])).length,
        );
        return { ms, visible };
      };
      try {
        await tab.goto(`${server.url}${path}`, { waitUntil: "commit" });
        const first = await measure();
        if (!reload) return first;
        await edge.clearRequests();
        await tab.reload({ waitUntil: "commit" });
        const secondLoad = await measure();
        return { ...first, secondLoad, cdnRequests: (await edge.requests()).length };
      } finally {
        await context.close();
      }
    }

    const modes: Array<[string, EdgeMode, string]> = [
      ["healthy", "healthy", ""],
      ["refused (edge stopped)", "stopped", ""],
      ["DNS failure", "healthy", "-dns"],
      ["503, HTML body", { status: 503 }, ""],
      ["503, placeholder image (CORS)", { status: 503, body: "image" }, ""],
      ["hang", "hang", ""],
      ["slow (answers after 8 s)", { delayMs: 8_000 }, ""],
    ];
    const only = process.env["BENCH_IMAGES_MODES"]?.split(",");
    if (only) modes.splice(0, modes.length, ...modes.filter(([name]) => only.some((o) => name.startsWith(o))));
    const rows: string[][] = [];
    const data: Record<string, unknown> = {};
    /** `ours` against `theirs` per mode, alternating who goes first; a table row each. */
    async function compare(
      ourPage: string,
      theirPage: string,
      into: string[][],
      record: Record<string, unknown>,
    ): Promise<void> {
      for (const [name, mode, suffix] of modes) {
        await edge.setMode(mode);
        const ours: Sample[] = [];
        const theirs: Sample[] = [];
        for (let i = 0; i < reps; i++) {
          ctx.progress(`images: ${ourPage} / ${theirPage}: ${name}, repetition ${i + 1}/${reps}`);
          // Alternate who goes first, so that drift between repetitions cancels out.
          if (i % 2 === 0) {
            ours.push(await load(`/${ourPage}${suffix}.html`));
            theirs.push(await load(`/${theirPage}${suffix}.html`));
          } else {
            theirs.push(await load(`/${theirPage}${suffix}.html`));
            ours.push(await load(`/${ourPage}${suffix}.html`));
          }
        }
        const s = summarize(ours.map((x) => x.ms));
        const a = summarize(theirs.map((x) => x.ms));
        const ratio = summarize(
          pairedRatios(
            ours.map((x) => x.ms),
            theirs.map((x) => x.ms),
          ),
        );
        const cell = (xs: Sample[], sum: typeof s): string =>
          sum.n === 0
            ? `not within ${DEADLINE_MS / 1000} s (${Math.min(...xs.map((x) => x.visible))}/${COUNT} shown)`
            : `${spread(sum, 0)}${sum.n < xs.length ? ` (${xs.length - sum.n} of ${xs.length} not within ${DEADLINE_MS / 1000} s)` : ""}`;
        into.push([name, cell(ours, s), cell(theirs, a), ratio.n === 0 ? "-" : `${fixed(ratio.median, 2)}x`]);
        record[name] = { [ourPage]: ours, [theirPage]: theirs };
      }
      await edge.setMode("healthy");
    }
    if (parts.includes("plain")) await compare("s3edge", "browser", rows, data);

    if (parts.includes("second")) {
      ctx.progress("images: second page load during an outage (503)");
      await edge.setMode({ status: 503 });
      const second: Array<Sample & { secondLoad?: Sample; cdnRequests?: number }> = [];
      for (let i = 0; i < reps; i++) second.push(await load("/s3edge.html", true));
      const firstMs = summarize(second.map((x) => x.ms));
      const secondMs = summarize(second.map((x) => x.secondLoad?.ms ?? Number.NaN));
      const requests = second.map((x) => x.cdnRequests ?? Number.NaN);
      rows.push(["503: first load (outage learnt)", spread(firstMs, 0), "never", "-"]);
      rows.push([
        `503: second load (persisted; CDN requests ${requests.join(", ")})`,
        spread(secondMs, 0),
        "never",
        "-",
      ]);
      data["second load"] = second;
      await edge.setMode("healthy");
    }
    const reactRows: string[][] = [];
    const reactData: Record<string, unknown> = {};
    if (parts.includes("react")) await compare("edge-image", "react-image", reactRows, reactData);
    data["react"] = reactData;

    const table: Table = {
      title: `Images: ms until all ${COUNT} images of a page are visible (median (min..max) of ${reps})`,
      columns: ["CDN", "s3edge autoFallback", "browser alone", "s3edge / browser"],
      rows,
      notes: [
        `Emulated geography: CDN ${EDGE_RTT_MS} ms RTT, S3 ${S3_RTT_MS} ms RTT (latency proxies); autoFallback timeoutMs 1500, inlined in <head>. Load average at the end: ${loadavg()
          .map((x) => x.toFixed(1))
          .join(" ")} (2 cores: figures taken under load spread widely).`,
        `"not within": the browser alone shows no image of a dead CDN (a hung one not within minutes); counted at ${DEADLINE_MS / 1000} s.`,
        "Second load: the page arrives in one chunk, so Chromium's preload scanner requests the <img> URLs it reads before the head script runs; the images themselves are moved to S3 before their request (0 CDN requests when the head is streamed first: test/browser/images.test.ts).",
      ],
    };
    const reactTable: Table = {
      title: `Images in React: ms until all ${COUNT} images are visible, <EdgeImage> against react-image 4.1 (median (min..max) of ${reps})`,
      columns: ["CDN", "s3edge <EdgeImage>", "react-image <Img src={[cdn, s3]}>", "EdgeImage / react-image"],
      rows: reactRows,
      notes: [
        `Same geography and objects; <EdgeImage> with createEdge's defaults (persisted breaker) and timeoutMs 1500, no <head> script; react-image's multi-source list tries the S3 URL after an error of the CDN URL (no timer, no status check, nothing shared between images). "not within ${DEADLINE_MS / 1000} s": counted at the deadline.`,
      ],
    };
    return {
      tables: [...(rows.length > 0 ? [table] : []), ...(reactRows.length > 0 ? [reactTable] : [])],
      goals: [],
      data,
    };
  } finally {
    await browser?.close();
    await server.close();
    await edgeProxy.close();
    await s3Proxy.close();
    await edge.close();
    await s3.close();
  }
}
