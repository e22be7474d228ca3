/**
 * Case 4: fallback latency with emulated geography. An nginx edge (the CDN)
 * behind a 30 ms-RTT latency proxy, s3rver (S3 in another region) behind a
 * 150 ms-RTT one; the edge itself reaches s3rver's own fast address. Time to
 * first byte (edge.fetch resolving with headers) of a 1 MiB object, for each
 * CDN failure mode, against a direct GET of the S3 proxy measured right
 * before it (paired repetitions).
 */
import { createEdge } from "../../src/delivery/index.js";
import type { EdgeMode } from "../../test/support/edge.js";
import type { BenchContext, CaseResult, Goal } from "../lib/context.js";
import { routedFetch, undiciAgent, type Dispatcher } from "../lib/dispatch.js";
import { spawnWorker, type Worker } from "../lib/rpc.js";
import { MiB, fixed, pairedRatios, ratioText, spread, summarize, verdict } from "../lib/stats.js";
import type { Table } from "../lib/table.js";
import type { ServersInfo } from "../servers.js";

const EDGE_RTT = 30;
const S3_RTT = 150;
const HEDGE_MS = 200;
const HANG_TIMEOUT_MS = 1000;
const OBJECT = { key: "fallback/object-1mib.bin", size: 1 * MiB };

/** One timed request. */
interface Sample {
  ttfbMs: number;
  totalMs: number;
  /** Which side answered: "cdn" or "s3". */
  servedBy: string;
  bytes: number;
  /** ms after edge.fetch was called when the request left the CDN (its first `fallback` event), if it did. */
  leftCdnMs?: number;
}

interface Setting {
  id: string;
  label: string;
  mode: EdgeMode;
  /** Keep a warm connection to the edge (the page already used the CDN). */
  warmEdge: boolean;
  timeoutMs?: number;
  hedgeMs?: number;
  expect: "cdn" | "s3";
}

const SETTINGS: Setting[] = [
  { id: "hit-cold", label: "CDN healthy (cache HIT), new connection", mode: "healthy", warmEdge: false, expect: "cdn" },
  {
    id: "hit-warm",
    label: "CDN healthy (cache HIT), kept-alive connection",
    mode: "healthy",
    warmEdge: true,
    expect: "cdn",
  },
  {
    id: "503-cold",
    label: "CDN answers 503, new edge connection",
    mode: { status: 503 },
    warmEdge: false,
    expect: "s3",
  },
  {
    id: "503-warm",
    label: "CDN answers 503, kept-alive edge connection",
    mode: { status: 503 },
    warmEdge: true,
    expect: "s3",
  },
  {
    id: "hang-timeout",
    label: `CDN hangs, timeoutMs ${HANG_TIMEOUT_MS}`,
    mode: "hang",
    warmEdge: false,
    timeoutMs: HANG_TIMEOUT_MS,
    expect: "s3",
  },
  {
    id: "hang-hedge",
    label: `CDN hangs, hedgeMs ${HEDGE_MS}`,
    mode: "hang",
    warmEdge: false,
    timeoutMs: HANG_TIMEOUT_MS,
    hedgeMs: HEDGE_MS,
    expect: "s3",
  },
  { id: "stopped", label: "CDN stopped (connection refused)", mode: "stopped", warmEdge: false, expect: "s3" },
];

/**
 * A moment for undici to put a finished response's connection back in its pool:
 * a request sent at once after reading a body may otherwise open a new connection.
 */
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

async function timed(run: () => Promise<Response>, sourceOf: (url: string) => string): Promise<Sample> {
  const started = performance.now();
  const response = await run();
  const ttfbMs = performance.now() - started;
  const body = await response.arrayBuffer();
  const totalMs = performance.now() - started;
  if (response.status !== 200 || body.byteLength !== OBJECT.size)
    throw new Error(`fallback: got ${response.status} with ${body.byteLength} bytes`);
  return { ttfbMs, totalMs, servedBy: sourceOf(response.url), bytes: body.byteLength };
}

interface Collected {
  direct: Record<string, Sample[]>;
  settings: Record<string, Sample[]>;
  breaker: { warmup: number; open: Sample[]; direct: Sample[]; stateAfter: string };
}

async function collect(
  ctx: BenchContext,
  servers: Worker,
  info: NonNullable<ServersInfo["edge"]>,
  bucket: string,
): Promise<Collected> {
  const Agent = await undiciAgent();
  const edgeHost = new URL(info.edgeProxy).host;
  const s3Host = new URL(info.s3Proxy).host;
  const cdn = `${info.edgeProxy}/${bucket}`;
  const origin = { endpoint: info.s3Proxy, bucket, pathStyle: true };
  const directUrl = `${info.s3Proxy}/${bucket}/${OBJECT.key}`;
  const sourceOf = (url: string): string =>
    new URL(url).host === edgeHost ? "cdn" : new URL(url).host === s3Host ? "s3" : "other";
  const reps = ctx.options.quick ? 3 : 7;
  const breakerRequests = ctx.options.quick ? 20 : 99;
  const out: Collected = { direct: {}, settings: {}, breaker: { warmup: 0, open: [], direct: [], stateAfter: "" } };

  /** One direct GET of the S3 proxy on a new connection. */
  const directCold = async (): Promise<Sample> => {
    const agent = new Agent();
    try {
      return await timed(() => fetch(directUrl, { dispatcher: agent } as RequestInit), sourceOf);
    } finally {
      await agent.destroy();
    }
  };

  let mode: string | undefined;
  const warmEdgeAgent = new Agent({ keepAliveTimeout: 60_000 });
  for (const setting of SETTINGS) {
    const modeKey = JSON.stringify(setting.mode);
    if (modeKey !== mode) {
      await servers.call("setMode", setting.mode);
      mode = modeKey;
      // Fill the edge cache (MISS, then HIT) so that "healthy" measures hits.
      if (setting.mode === "healthy")
        for (let i = 0; i < 2; i++) await (await fetch(`${cdn}/${OBJECT.key}`)).arrayBuffer();
    }
    out.direct[setting.id] = [];
    out.settings[setting.id] = [];
    for (let rep = 0; rep < reps; rep++) {
      (out.direct[setting.id] as Sample[]).push(await directCold());
      if (setting.warmEdge) {
        // Open (or keep) the connection to the edge, outside the clock.
        const warm = await fetch(`${cdn}/${OBJECT.key}`, { dispatcher: warmEdgeAgent } as RequestInit);
        await warm.arrayBuffer();
        await pause();
      }
      const agents: Dispatcher[] = [];
      const fresh = (): Dispatcher => {
        const agent = new Agent();
        agents.push(agent);
        return agent;
      };
      const s3Agent = fresh();
      const edgeAgent = setting.warmEdge ? warmEdgeAgent : fresh();
      let leftCdnMs: number | undefined;
      const edge = createEdge({
        cdn,
        origin,
        ...(setting.timeoutMs !== undefined && { timeoutMs: setting.timeoutMs }),
        ...(setting.hedgeMs !== undefined && { hedgeMs: setting.hedgeMs }),
        fetch: routedFetch((url) => (url.host === edgeHost ? edgeAgent : s3Agent)),
      });
      edge.on("fallback", (event) => (leftCdnMs ??= event.elapsedMs));
      try {
        const sample = await timed(() => edge.fetch(OBJECT.key), sourceOf);
        if (leftCdnMs !== undefined) sample.leftCdnMs = leftCdnMs;
        if (sample.servedBy !== setting.expect)
          throw new Error(`fallback ${setting.id}: served by ${sample.servedBy}, expected ${setting.expect}`);
        (out.settings[setting.id] as Sample[]).push(sample);
        ctx.progress(
          `fallback ${setting.id} rep ${rep + 1}/${reps}: ${fixed(sample.ttfbMs, 0)} ms (direct ${fixed((out.direct[setting.id] as Sample[])[rep]?.ttfbMs ?? 0, 0)} ms)`,
        );
      } finally {
        await Promise.all(agents.map((a) => a.destroy()));
      }
    }

    if (setting.id === "503-warm") {
      // Breaker: one edge, kept-alive connections; fail until the CDN's breaker opens, then time the next requests.
      const edgeAgent = new Agent({ keepAliveTimeout: 60_000 });
      const s3Agent = new Agent({ keepAliveTimeout: 60_000 });
      const directAgent = new Agent({ keepAliveTimeout: 60_000 });
      const edge = createEdge({
        cdn,
        origin,
        breaker: { cooldownMs: 10 * 60_000 },
        fetch: routedFetch((url) => (url.host === edgeHost ? edgeAgent : s3Agent)),
      });
      try {
        while (edge.health.status(edgeHost).state !== "open") {
          await timed(() => edge.fetch(OBJECT.key), sourceOf);
          if (++out.breaker.warmup > 20) throw new Error("fallback: the CDN's breaker did not open after 20 failures");
        }
        await timed(() => fetch(directUrl, { dispatcher: directAgent } as RequestInit), sourceOf);
        for (let i = 0; i < breakerRequests; i++) {
          await pause();
          out.breaker.direct.push(
            await timed(() => fetch(directUrl, { dispatcher: directAgent } as RequestInit), sourceOf),
          );
          await pause();
          const sample = await timed(() => edge.fetch(OBJECT.key), sourceOf);
          if (sample.servedBy !== "s3") throw new Error("fallback: breaker open but the CDN answered");
          out.breaker.open.push(sample);
        }
        out.breaker.stateAfter = edge.health.status(edgeHost).state;
        ctx.progress(
          `fallback breaker open: ${breakerRequests} requests, median ${fixed(summarize(out.breaker.open.map((s) => s.ttfbMs)).median, 0)} ms`,
        );
      } finally {
        await Promise.all([edgeAgent.destroy(), s3Agent.destroy(), directAgent.destroy()]);
      }
    }
  }
  await warmEdgeAgent.destroy();
  return out;
}

/** Run the fallback case. */
export async function runFallback(ctx: BenchContext): Promise<CaseResult> {
  const servers = await spawnWorker(`${ctx.bundleDir}/servers.js`);
  let collected: Collected;
  try {
    const info = await servers.call<ServersInfo>("start", {
      edge: { edgeRttMs: EDGE_RTT, s3RttMs: S3_RTT, object: OBJECT },
    });
    collected = await collect(ctx, servers, info.edge as NonNullable<ServersInfo["edge"]>, info.bucket);
  } finally {
    await servers.close();
  }

  const ttfb = (samples: Sample[]): number[] => samples.map((s) => s.ttfbMs);
  const allDirect = Object.values(collected.direct).flat();
  const directCold = summarize(ttfb(allDirect));
  const goals: Goal[] = [];
  const rows: string[][] = [["direct S3 GET, new connection (baseline)", spread(directCold, 0), "1", "", "", "", ""]];
  for (const setting of SETTINGS) {
    const samples = collected.settings[setting.id] as Sample[];
    const direct = collected.direct[setting.id] as Sample[];
    const s = summarize(ttfb(samples));
    const ratio = summarize(pairedRatios(ttfb(samples), ttfb(direct)));
    const overhead = summarize(samples.map((x, i) => x.ttfbMs - (direct[i] as Sample).ttfbMs));
    let goal = "";
    if (setting.id === "503-cold" || setting.id === "503-warm" || setting.id === "stopped") {
      const ok = ratio.median <= 1.1;
      goal = `<= 1.1x: ${verdict(ok)}`;
      goals.push({ name: `first request, ${setting.label}`, target: "<= 1.1x direct S3", value: ratioText(ratio), ok });
    } else if (setting.id === "hang-hedge") {
      const limit = HEDGE_MS + 1.1 * summarize(ttfb(direct)).median;
      const ok = s.median <= limit;
      goal = `<= ${HEDGE_MS} ms + 1.1x direct (${fixed(limit, 0)} ms): ${verdict(ok)}`;
      goals.push({
        name: `first request, ${setting.label}`,
        target: `<= hedge + 1.1x direct = ${fixed(limit, 0)} ms`,
        value: `${fixed(s.median, 0)} ms`,
        ok,
      });
    }
    rows.push([
      setting.label,
      spread(s, 0),
      ratioText(ratio),
      setting.expect === "s3" ? spread(overhead, 0) : "",
      setting.expect === "s3" ? fixed(overhead.median / EDGE_RTT, 1) : "",
      // A hedge sends its event when S3 wins, not when it starts (at hedgeMs).
      setting.expect === "s3" && setting.hedgeMs === undefined
        ? spread(summarize(samples.map((x) => x.leftCdnMs ?? Number.NaN)), 0)
        : "",
      goal,
    ]);
  }
  const open = summarize(ttfb(collected.breaker.open));
  const directWarm = summarize(ttfb(collected.breaker.direct));
  const openRatio = summarize(pairedRatios(ttfb(collected.breaker.open), ttfb(collected.breaker.direct)));
  const openOk = openRatio.median <= 1.05;
  goals.push({
    name: `breaker open, requests 2..${collected.breaker.open.length + 1}`,
    target: "<= 1.05x direct S3 (kept-alive)",
    value: ratioText(openRatio),
    ok: openOk,
  });
  rows.push(["direct S3 GET, kept-alive connection (baseline)", spread(directWarm, 0), "1", "", "", "", ""]);
  rows.push([
    `breaker open: requests 2..${collected.breaker.open.length + 1} (kept-alive)`,
    spread(open, 0),
    ratioText(openRatio),
    spread(
      summarize(collected.breaker.open.map((x, i) => x.ttfbMs - (collected.breaker.direct[i] as Sample).ttfbMs)),
      1,
    ),
    fixed((open.median - directWarm.median) / EDGE_RTT, 2),
    "",
    `<= 1.05x: ${verdict(openOk)}`,
  ]);
  const table: Table = {
    title: `Fallback: time to first byte of a 1 MiB object via edge.fetch (ms, median (min..max); CDN RTT ${EDGE_RTT} ms, S3 RTT ${S3_RTT} ms)`,
    columns: ["CDN state", "TTFB ms", "vs direct S3", "overhead ms", "in edge RTTs", "left CDN at ms", "goal"],
    rows,
    notes: [
      "Latency proxies (test/support/latency-proxy.ts): a new connection costs one RTT, every chunk half an RTT each way; so a GET takes 2 RTT on a new connection, 1 RTT on a kept-alive one.",
      "Every first-request row uses a new createEdge (fresh breaker) and a new connection to S3, as the first fallback of a page would; its ratio is paired with a direct GET on a new connection measured just before it.",
      "The breaker rows use one createEdge (cooldownMs 10 min, so no half-open probe falls in the window) and kept-alive connections, against a direct GET on a kept-alive connection measured just before each.",
      `Edge modes from test/support/edge.ts (nginx): 503 = the edge answers itself; hang = accepts and never answers; stopped = nginx not running (the latency proxy resets the client one RTT after it connects). Breaker opened after ${collected.breaker.warmup} failed requests.`,
      "left CDN at: when the request gave up on the CDN (edge.fetch's first fallback event, elapsedMs); the rest of the TTFB is the S3 request.",
      "Physics floor: a 503 on a new edge connection costs 2 edge RTTs (60 ms) before S3 is even asked, i.e. 1.2x of a 300 ms direct GET; on a kept-alive edge connection 1 RTT (30 ms).",
    ],
  };
  return {
    tables: [table],
    goals,
    data: {
      edgeRttMs: EDGE_RTT,
      s3RttMs: S3_RTT,
      hedgeMs: HEDGE_MS,
      hangTimeoutMs: HANG_TIMEOUT_MS,
      object: OBJECT,
      samples: collected,
    },
  };
}
