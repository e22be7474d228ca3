/**
 * Geo-redundant reads with emulated geography (TESTING.md "Emulating geography"): one S3
 * fixture holds the objects; four latency proxies in front of it play two CDNs (20 and 80 ms
 * round trip) and two S3 regions (40 and 150 ms). The configuration lists the far ones first
 * (the app was set up for users elsewhere): `cdn: [cdn80, cdn20]`, `origin: [region150, region40]`.
 * A host "down" is a name mapped to a closed port (connection refused).
 *
 * Measured, latency-aware (default) against `order: "configured"`, after the same warm-up
 * traffic (the estimates a returning visitor has):
 * - time to first byte of `edge.fetch` (Node, kept-alive connections);
 * - a 24-image page visible in Chromium (the `<head>` script build; second page load of a
 *   profile, navigation start to every image decoded).
 * Requests spent on exploration are counted from the `route` events.
 */
import { createServer } from "node:net";
import { galleryPath, galleryRoute, plainObjects, putGalleryObjects } from "../../test/browser/images-page.js";
import { launchBrowser, startStaticServer } from "../../test/support/browser.js";
import { startLatencyProxy, type LatencyProxy } from "../../test/support/latency-proxy.js";
import { startS3Fixture } from "../../test/support/s3/fixture.js";
import { createHostHealth } from "../../src/core/health.js";
import { createEdge, type RouteEvent } from "../../src/delivery/index.js";
import type { BenchContext, CaseResult } from "../lib/context.js";
import { fixed, pairedRatios, spread, summarize } from "../lib/stats.js";
import type { Table } from "../lib/table.js";

const HOSTS = { cdn20: 20, cdn80: 80, region40: 40, region150: 150 } as const;
type HostName = keyof typeof HOSTS;
const ALL_SCENARIOS: Array<{ id: string; label: string; down: HostName[] }> = [
  { id: "healthy", label: "all healthy", down: [] },
  { id: "near-cdn-down", label: "near CDN down", down: ["cdn20"] },
  { id: "cdns-down", label: "both CDNs down", down: ["cdn20", "cdn80"] },
  { id: "near-region-down", label: "near region down (CDNs healthy)", down: ["region40"] },
  { id: "cdns-near-region-down", label: "both CDNs and the near region down", down: ["cdn20", "cdn80", "region40"] },
];
/** `BENCH_GEO_ONLY=cdns-down,...` runs some scenarios only (a smoke run). */
const SCENARIOS = ALL_SCENARIOS.filter(
  (s) => !process.env["BENCH_GEO_ONLY"] || process.env["BENCH_GEO_ONLY"].split(",").includes(s.id),
);
const MODES = ["latency", "configured"] as const;
const bucket = "geo-bench";

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function runGeoReads(ctx: BenchContext): Promise<CaseResult> {
  const quick = ctx.options.quick;
  const fixture = await startS3Fixture({ bucket });
  const objects = plainObjects(24);
  await putGalleryObjects(
    { endpoint: fixture.endpoint, bucket, region: fixture.region, ...fixture.credentials },
    objects,
  );
  const proxies = Object.fromEntries(
    await Promise.all(
      Object.entries(HOSTS).map(async ([name, rttMs]) => [
        name,
        await startLatencyProxy({ target: new URL(fixture.endpoint).host, rttMs }),
      ]),
    ),
  ) as Record<HostName, LatencyProxy>;
  const dead = await closedPort();
  const port = (name: HostName, down: HostName[]): number => (down.includes(name) ? dead : proxies[name].port);
  const server = await startStaticServer({ root: ctx.root });
  server.route("/gallery", galleryRoute);
  server.route("/favicon.ico", (_req, res) => res.writeHead(204).end());
  const data: Record<string, unknown> = {};
  const ttfbRows: string[][] = [];
  const pageRows: string[][] = [];
  try {
    for (const scenario of SCENARIOS) {
      const ttfb: Record<string, number[]> = {};
      const visible: Record<string, number[]> = {};
      const explored: Record<string, number> = {};
      const served: Record<string, string[]> = {};
      for (const mode of MODES) {
        ctx.progress(`geo-reads: ${scenario.label}, ${mode}`);
        // Node: named hosts are reached through per-name loopback URLs (the proxy ports; a dead one refuses).
        const url = (name: HostName) => `http://127.0.0.1:${port(name, scenario.down)}`;
        const routes: RouteEvent[] = [];
        const edge = createEdge({
          cdn: [`${url("cdn80")}/${bucket}`, `${url("cdn20")}/${bucket}`],
          origin: [
            { endpoint: url("region150"), bucket },
            { endpoint: url("region40"), bucket },
          ],
          health: createHostHealth(),
          order: mode,
          timeoutMs: 2000,
        });
        edge.on("route", (e) => routes.push(e));
        const servedBy: string[] = [];
        const nameOf = (u: string): string =>
          (Object.keys(HOSTS) as HostName[]).find((n) => new URL(u).port === String(port(n, scenario.down))) ?? "?";
        const get = async (key: string): Promise<number> => {
          const t0 = performance.now();
          const response = await edge.fetch(key);
          const ms = performance.now() - t0;
          servedBy.push(nameOf(response.url));
          await response.arrayBuffer();
          return ms;
        };
        for (let i = 0; i < 12; i++) await get(objects[i % 24]?.key ?? "");
        const samples: number[] = [];
        for (let i = 0; i < (quick ? 10 : 40); i++) samples.push(await get(objects[i % 24]?.key ?? ""));
        ttfb[mode] = samples;
        served[mode] = servedBy.slice(12);
        explored[mode] = routes.filter((r) => r.reason === "explore").length;
        data[`${scenario.id}-${mode}-routes`] = routes.length;

        // Chromium: names mapped to the proxies (or the dead port); a page load to learn, then measured loads.
        const rules = (Object.keys(HOSTS) as HostName[]).map(
          (name) => `MAP ${name}.test 127.0.0.1:${port(name, scenario.down)}`,
        );
        const browser = await launchBrowser({ hostResolverRules: rules });
        try {
          const origin = [
            { endpoint: "http://region150.test", bucket },
            { endpoint: "http://region40.test", bucket },
          ];
          const path = galleryPath({
            cdn: `http://cdn80.test/${bucket}`,
            origin: origin[0] as { endpoint: string; bucket: string },
            script: "head",
            inline: true,
            count: 24,
            options: {
              cdn: [`http://cdn80.test/${bucket}`, `http://cdn20.test/${bucket}`],
              origin,
              order: mode,
              timeoutMs: 2000,
            },
          });
          const times: number[] = [];
          for (let run = 0; run < (quick ? 2 : 4); run++) {
            const context = await browser.newContext();
            const page = await context.newPage();
            // A returning visitor's estimates and verdicts (localStorage), not its HTTP cache: every load fetches.
            const cdp = await context.newCDPSession(page);
            await cdp.send("Network.enable");
            await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
            const logs: string[] = [];
            page.on("console", (m) => logs.push(m.text()));
            page.on("pageerror", (e) => logs.push(String(e)));
            page.on("requestfailed", (r) => logs.push(`failed ${r.url()} ${r.failure()?.errorText ?? ""}`));
            const visibleAll = (polling: number | "raf") =>
              page
                .waitForFunction(
                  (n) =>
                    [...document.images].length >= n &&
                    [...document.images].every((im) => im.complete && im.naturalWidth > 0),
                  24,
                  { timeout: 30_000, polling },
                )
                .catch(async (error: unknown) => {
                  const state = await page.evaluate(() => ({
                    images: [...document.images]
                      .filter((im) => !(im.complete && im.naturalWidth > 0))
                      .map((im) => im.src),
                    stuck: (window as unknown as { __events: Array<{ key?: string }> }).__events.filter((e) =>
                      [...document.images].some(
                        (im) => !(im.complete && im.naturalWidth > 0) && im.src.endsWith(e.key ?? "?"),
                      ),
                    ),
                    storage: Object.fromEntries(Object.keys(localStorage).map((k) => [k, localStorage.getItem(k)])),
                    events: (window as unknown as { __events: unknown[] }).__events,
                  }));
                  throw new Error(
                    `${scenario.id}/${mode}: images not shown: ${JSON.stringify({ ...state, events: undefined, storage: undefined }).slice(0, 1500)} ${logs
                      .filter((l) => !l.includes("ERR_CONNECTION_REFUSED"))
                      .slice(0, 8)
                      .join("\n")}`,
                    { cause: error },
                  );
                });
            await page.goto(`${server.url}${path}`, { waitUntil: "commit" }); // learning load
            await visibleAll(50);
            await page.waitForTimeout(300);
            await page.reload({ waitUntil: "commit" });
            await visibleAll("raf");
            times.push(await page.evaluate(() => performance.now()));
            await context.close();
          }
          visible[mode] = times;
        } finally {
          await browser.close();
        }
      }
      const ratio = (m: Record<string, number[]>) => summarize(pairedRatios(m["latency"] ?? [], m["configured"] ?? []));
      ttfbRows.push([
        scenario.label,
        spread(summarize(ttfb["latency"] ?? [])),
        spread(summarize(ttfb["configured"] ?? [])),
        `${fixed(ratio(ttfb).median, 2)}x`,
        String(explored["latency"] ?? 0),
      ]);
      pageRows.push([
        scenario.label,
        spread(summarize(visible["latency"] ?? []), 0),
        spread(summarize(visible["configured"] ?? []), 0),
        `${fixed(ratio(visible).median, 2)}x`,
      ]);
      data[scenario.id] = { ttfb, visible, explored, served };
      ctx.progress(
        `served (measured requests): ${JSON.stringify(Object.fromEntries(Object.entries(served).map(([m, list]) => [m, Object.fromEntries([...new Set(list)].map((n) => [n, list.filter((x) => x === n).length]))])))}`,
      );
    }
  } finally {
    await server.close();
    await Promise.all(Object.values(proxies).map((p) => p.close()));
    await fixture.close();
  }
  const tables: Table[] = [
    {
      title:
        "Geo reads: edge.fetch time to first byte, ms (CDNs 20/80 ms RTT, regions 40/150 ms; configured far-first)",
      columns: ["case", "latency-aware", "configured order", "ratio (lower is better)", "explorations"],
      rows: ttfbRows,
      notes: [
        "12 warm-up requests, then sequential requests on kept-alive connections; explorations counted over warm-up and measured requests.",
      ],
    },
    {
      title: "Geo reads: 24-image page visible, ms (Chromium, <head> script; second load of a profile)",
      columns: ["case", "latency-aware", "configured order", "ratio (lower is better)"],
      rows: pageRows,
      notes: [
        "Navigation start to every image decoded, on the reload after a learning load in the same profile (HTTP cache disabled: persisted health and estimates only).",
      ],
    },
  ];
  return { tables, goals: [], data };
}
