/**
 * Geo uploads: a 64 MiB upload to the near region (40 ms RTT) against the far one (150 ms),
 * with emulated geography (TESTING.md): two loopback S3 sinks (bench/lib/sink.ts: they speak
 * the multipart protocol and discard the bytes, so the time is the network's and the client's,
 * not a test server's disk and hashing on a shared machine) as two regions, each reached
 * through its own latency proxy; the signer has both as upload targets, the far one first (the configured
 * default). "nearest" is the uploader with its probe (it learnt the targets from a first create
 * and prefers the near one); "configured order" is the same uploader against a signer whose
 * `chooseTarget` always answers the first target. Paired, alternating repetitions; fresh
 * uploader (new connections) each time, as a new page would have. Also: what the probe costs
 * (its requests, and the wait of the first create that had nothing measured).
 */
import { createUploader } from "../../src/node.js";
import { regionProbe } from "../../src/upload/region-probe.js";
import { startApp, type TestApp } from "../../test/support/app.js";
import { startLatencyProxy, type LatencyProxy } from "../../test/support/latency-proxy.js";
import type { BenchContext, CaseResult, Goal } from "../lib/context.js";
import { startSink } from "../lib/sink.js";
import { MiB, fixed, pairedRatios, ratioText, spread, summarize, verdict } from "../lib/stats.js";
import type { Table } from "../lib/table.js";

const NEAR_RTT = 40;
const FAR_RTT = 150;
const SIZE = 64 * MiB;
/** The near region must be faster than the far one. */
const GOAL = 1.0;

/** Upload `data` once through `endpoint`; the target it went to and the time. */
async function uploadOnce(endpoint: string, data: Uint8Array): Promise<{ ms: number; target: string }> {
  const uploader = createUploader({ endpoint, store: false });
  const started = performance.now();
  const result = await uploader.add(data, { filename: "geo.bin" }).done();
  return { ms: performance.now() - started, target: result.target?.id ?? "?" };
}

/** Run the case. */
export async function runGeoUploads(ctx: BenchContext): Promise<CaseResult> {
  const reps = ctx.options.quick ? 1 : 5;
  const near = { ...(await startSink()), bucket: "geo-near" };
  const farS3 = { ...(await startSink()), bucket: "geo-far" };
  const proxies: LatencyProxy[] = [];
  const apps: TestApp[] = [];
  try {
    const nearProxy = await startLatencyProxy({ target: new URL(near.url).host, rttMs: NEAR_RTT });
    const farProxy = await startLatencyProxy({ target: new URL(farS3.url).host, rttMs: FAR_RTT });
    proxies.push(nearProxy, farProxy);
    const targets = [
      { id: "far", bucket: farS3.bucket, endpoint: farProxy.url },
      { id: "near", bucket: near.bucket, endpoint: nearProxy.url },
    ];
    const s3 = {
      endpoint: farProxy.url,
      bucket: "unused",
      credentials: { accessKeyId: "BENCH", secretAccessKey: "BENCH" },
    };
    // The sink has no ListMultipartUploads: keys that are not request-scoped never need it.
    const keyPolicy = (input: { filename: string }): string => `geo/${crypto.randomUUID()}/${input.filename}`;
    const nearest = await startApp(s3, { bucket: "", targets, keyPolicy });
    const configured = await startApp(s3, { bucket: "", targets, keyPolicy, chooseTarget: () => "far" });
    apps.push(nearest, configured);

    // A fresh page: its first create learns the targets; the probe then measures them.
    regionProbe.reset();
    const first = await uploadOnce(nearest.endpoint, new Uint8Array(1000));
    const t0 = performance.now();
    const preferred = await regionProbe.preferred(10_000);
    const probeWaitMs = performance.now() - t0;
    const connections = nearProxy.connections() + farProxy.connections();
    const samples = regionProbe.samples();
    const sampleOf = (proxy: LatencyProxy, bucket: string): string =>
      fixed(samples[`${proxy.url}/${bucket}`]?.ms ?? Number.NaN, 0);
    ctx.progress(
      `first upload went to ${first.target}; probe prefers ${String(preferred)} (${JSON.stringify(samples)})`,
    );

    const data = new Uint8Array(SIZE);
    for (let i = 0; i < SIZE; i += 4096) data[i] = i & 0xff;
    const nearMs: number[] = [];
    const farMs: number[] = [];
    const wentTo = new Set<string>();
    for (let i = 0; i < reps; i++) {
      ctx.progress(`64 MiB, repetition ${i + 1}/${reps}`);
      const order = i % 2 === 0 ? [nearest, configured] : [configured, nearest];
      for (const app of order) {
        const { ms, target } = await uploadOnce(app.endpoint, data);
        (app === nearest ? nearMs : farMs).push(ms);
        wentTo.add(`${app === nearest ? "nearest" : "configured"}->${target}`);
      }
    }
    const ratio = summarize(pairedRatios(farMs, nearMs));
    const n = summarize(nearMs);
    const f = summarize(farMs);
    const goals: Goal[] = [
      {
        name: "64 MiB upload, configured order (far) / nearest (near)",
        target: `> ${GOAL}x`,
        value: ratioText(ratio),
        ok: ratio.median > GOAL,
      },
    ];
    const table: Table = {
      title: `Geo uploads: 64 MiB to the near region (${NEAR_RTT} ms RTT) vs the far one (${FAR_RTT} ms), ${reps} paired repetitions`,
      columns: ["upload", "target", "ms median (min..max)", "MiB/s", "far / near", "goal"],
      rows: [
        [
          "nearest (probe, chooseTarget default)",
          "near",
          spread(n, 0),
          fixed(SIZE / MiB / (n.median / 1000), 1),
          "",
          "",
        ],
        [
          "configured order (far first)",
          "far",
          spread(f, 0),
          fixed(SIZE / MiB / (f.median / 1000), 1),
          ratioText(ratio),
          verdict(goals[0]?.ok),
        ],
      ],
      notes: [
        `Targets reached: ${[...wentTo].join(", ")}. 8 MiB parts, 4 in flight, a fresh uploader (new connections) per upload; a loopback S3 sink (discards the bytes) behind a TCP latency proxy per region, bandwidth not limited.`,
        `Probe: the first create of a fresh page went to the default (${first.target}); the probe (2 HEADs per target, the second on the warm connection; ${connections} connections through both proxies with that first upload's PUT) measured near ${sampleOf(nearProxy, near.bucket)} ms, far ${sampleOf(farProxy, farS3.bucket)} ms (the emulated RTT plus the machine's load), and the next create waited ${fixed(probeWaitMs, 0)} ms for it: it had finished during the first upload.`,
      ],
    };
    return {
      tables: [table],
      goals,
      data: {
        nearRtt: NEAR_RTT,
        farRtt: FAR_RTT,
        size: SIZE,
        nearMs,
        farMs,
        probeWaitMs,
        connections,
        samples,
        preferred,
        firstTarget: first.target,
      },
    };
  } finally {
    for (const app of apps) await app.close();
    for (const proxy of proxies) await proxy.close();
    await near.close();
    await farS3.close();
  }
}
