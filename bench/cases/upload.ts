/**
 * Case 1: upload throughput against the limit. The same bytes, in 8 MiB parts,
 * 4 in parallel, to a loopback sink that discards them and to plain s3rver:
 * raw `fetch` PUTs of URLs presigned before the clock starts, lib-storage's
 * `Upload`, and s3edge's Node uploader (from a Buffer and from a file path,
 * through the real signer). Contenders are interleaved within each repetition
 * (and their order rotates) so that drift hits all of them equally.
 */
import type { BenchContext, CaseResult, Goal } from "../lib/context.js";
import { makeData, settle, tempFiles } from "../lib/data.js";
import { spawnWorker } from "../lib/rpc.js";
import type { SinkStats } from "../lib/sink.js";
import { MiB, pairedRatios, ratioText, spread, summarize, verdict } from "../lib/stats.js";
import type { Table } from "../lib/table.js";
import type { ServersInfo } from "../servers.js";
import {
  CONCURRENCY,
  LIB,
  LIB_PATH,
  PART,
  RAW,
  RAW_HTTP,
  contenders,
  type Contender,
  type Input,
  type Target,
} from "./upload-contenders.js";

interface Series {
  target: Target["name"];
  size: number;
  /** MiB/s per contender, index = repetition. */
  mibps: Record<string, number[]>;
  /** Order in which the contenders ran, per repetition. */
  order: string[][];
}

type Reps = Record<Target["name"], number>;

async function measure(
  ctx: BenchContext,
  targets: Target[],
  size: number,
  repsOf: Reps,
  input: Input,
  list: Contender[],
): Promise<Series[]> {
  const out: Series[] = [];
  for (const target of targets) {
    const reps = repsOf[target.name];
    const series: Series = { target: target.name, size, mibps: {}, order: [] };
    for (const c of list) series.mibps[c.name] = [];
    // Warm-up (not recorded): JIT, keep-alive sockets, s3rver's first writes.
    const warm = { data: input.data.subarray(0, Math.min(size / 2, 4 * PART)), path: input.path };
    for (const c of list) {
      if (c.name === LIB_PATH || c.name.endsWith("(path)")) continue; // the file is the full size; the Buffer warm-ups warm most of the same code
      await (await c.prepare(target, warm))();
    }
    for (let rep = 0; rep < reps; rep++) {
      const order = list.map((_, i) => list[(i + rep) % list.length] as Contender);
      series.order.push(order.map((c) => c.name));
      for (const c of order) {
        await settle();
        const run = await c.prepare(target, input);
        const started = performance.now();
        await run();
        const seconds = (performance.now() - started) / 1000;
        const rate = size / MiB / seconds;
        (series.mibps[c.name] as number[]).push(rate);
        ctx.progress(
          `upload ${target.name} ${size / MiB} MiB rep ${rep + 1}/${reps} ${c.name}: ${rate.toFixed(1)} MiB/s`,
        );
      }
    }
    out.push(series);
  }
  return out;
}

function tableOf(series: Series[], size: number, goals: Goal[]): Table {
  const rows: string[][] = [];
  for (const s of series) {
    const raw = s.mibps[RAW] ?? [];
    const http = s.mibps[RAW_HTTP] ?? [];
    for (const [name, samples] of Object.entries(s.mibps)) {
      const isEdge = name.startsWith("s3edge");
      // Like for like: a file path against lib-storage reading the same file as a stream.
      const libName = name.endsWith("(path)") ? LIB_PATH : LIB;
      const lib = s.mibps[libName] ?? [];
      const vsRaw = summarize(pairedRatios(samples, raw));
      const vsHttp = summarize(pairedRatios(samples, http));
      const vsLib = summarize(pairedRatios(samples, lib));
      rows.push([
        s.target,
        name,
        spread(summarize(samples)),
        name === RAW ? "1" : ratioText(vsRaw),
        name === RAW_HTTP ? "1" : ratioText(vsHttp),
        name === LIB || name === LIB_PATH ? "1" : ratioText(vsLib),
        isEdge ? `${verdict(vsRaw.median >= 0.95)} / ${verdict(vsLib.median >= 1.0)}` : "",
      ]);
      if (isEdge) {
        const at = `${s.target}, ${size / MiB} MiB`;
        goals.push({
          name: `${name} / raw fetch, ${at}`,
          target: ">= 0.95x",
          value: ratioText(vsRaw),
          ok: vsRaw.median >= 0.95,
        });
        goals.push({
          name: `${name} / ${libName.slice("@aws-sdk/".length)}, ${at}`,
          target: ">= 1.0x",
          value: ratioText(vsLib),
          ok: vsLib.median >= 1.0,
        });
      }
    }
  }
  const n = series.map((s) => `${Object.values(s.mibps)[0]?.length ?? 0} on ${s.target}`).join(", ");
  return {
    title: `Upload ${size / MiB} MiB, 8 MiB parts, 4 in parallel (MiB/s, median (min..max) of ${n})`,
    columns: [
      "target",
      "contender",
      "MiB/s",
      "vs raw fetch",
      "vs raw node:http",
      "vs lib-storage",
      "goals (raw / lib)",
    ],
    rows,
    notes: [
      "Ratios: median (min..max) of per-repetition ratios; the contenders run back to back within a repetition, in an order that rotates.",
      "raw: CreateMultipartUpload and every part URL presigned (getSignedUrl) before the clock; timed: the PUTs and CompleteMultipartUpload. " +
        "raw fetch = Node's global fetch (the brief's baseline); raw node:http = one req.end(buffer) per part on a keep-alive agent (the lower-level limit).",
      "s3edge: createUploader (Node entry, default node:http keep-alive transport, store: false) through the real signer (startApp) over loopback HTTP; its create, sign and complete round trips are timed.",
      "lib-storage: Upload({ queueSize: 4, partSize: 8 MiB }), S3Client with requestChecksumCalculation WHEN_REQUIRED; Body the Buffer, or fs.createReadStream of the file. " +
        '"vs lib-storage" compares like with like: s3edge (Buffer) with lib-storage (Buffer), s3edge (path) with lib-storage (file stream).',
      "sink: loopback node:http server that discards the bytes (bench/lib/sink.ts); s3rver: plain s3rver 3.7.1 started directly (no verifying front), which writes every part to disk and hashes it.",
      "The client runs in one process, the servers in another (2 cores).",
    ],
  };
}

/** Run the upload case. */
export async function runUpload(ctx: BenchContext): Promise<CaseResult> {
  const { quick, gib } = ctx.options;
  // The sink is fast and noisy (more repetitions); s3rver is slow and steadier.
  const sizes: Array<{ size: number; reps: Reps }> = quick
    ? [{ size: 32 * MiB, reps: { sink: 2, s3rver: 2 } }]
    : [{ size: 256 * MiB, reps: { sink: 9, s3rver: 5 } }];
  if (gib) sizes.push({ size: 1024 * MiB, reps: quick ? { sink: 1, s3rver: 1 } : { sink: 3, s3rver: 3 } });
  const servers = await spawnWorker(`${ctx.bundleDir}/servers.js`);
  const files = await tempFiles();
  const { list, close } = contenders();
  const goals: Goal[] = [];
  const tables: Table[] = [];
  const data: Record<string, unknown> = {
    partSize: PART,
    concurrency: CONCURRENCY,
    series: [] as Series[],
    sinkChecks: [] as unknown[],
  };
  try {
    const info = await servers.call<ServersInfo>("start", { sink: true, s3rver: true, apps: ["sink", "s3rver"] });
    const targets: Target[] = [
      { name: "sink", s3: info.sink as string, app: info.apps.sink as string, bucket: info.bucket },
      { name: "s3rver", s3: info.s3rver as string, app: info.apps.s3rver as string, bucket: info.bucket },
    ];
    for (const { size, reps } of sizes) {
      const bytes = makeData(size);
      const input: Input = { data: bytes, path: await files.write(`upload-${size}.bin`, bytes) };
      await servers.call("sinkReset");
      const series = await measure(ctx, targets, size, reps, input, list);
      const stats = await servers.call<SinkStats>("sinkStats");
      const full = stats.completed.filter((c) => c.bytes === size).length;
      const expected = reps.sink * list.length;
      (data["series"] as Series[]).push(...series);
      (data["sinkChecks"] as unknown[]).push({ size, completedWithAllBytes: full, expected, errors: stats.errors });
      if (full < expected || stats.errors.length)
        throw new Error(
          `sink check failed: ${full}/${expected} uploads complete with all bytes; ${stats.errors.join("; ")}`,
        );
      const table = tableOf(series, size, goals);
      table.notes?.push(`Sink check: ${full} of ${expected} timed uploads completed with all ${size} bytes.`);
      tables.push(table);
    }
  } finally {
    close();
    await servers.close();
    await files.remove();
  }
  return { tables, goals, data };
}
