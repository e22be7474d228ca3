/**
 * Case 2: memory. s3edge's Node uploader streams a generated input (an async
 * generator of fresh 1 MiB Buffers: no Buffer of the whole upload exists) to
 * the sink, in a child process that samples `process.memoryUsage()` every
 * 20 ms; the baseline is the same process idle just before. Also a Node
 * `Readable` of known length and a file path. Goal: peak extra RSS <=
 * partSize x (concurrency + 1) + 32 MiB.
 */
import type { BenchContext, CaseResult, Goal } from "../lib/context.js";
import { makeData, tempFiles } from "../lib/data.js";
import { spawnWorker } from "../lib/rpc.js";
import { MiB, fixed, spread, summarize, verdict } from "../lib/stats.js";
import type { Table } from "../lib/table.js";
import type { MemoryInput, MemoryResult, MemoryRun } from "../memory-child.js";
import type { ServersInfo } from "../servers.js";
import { runBrowserMemory } from "./memory-browser.js";

const PART = 8 * MiB;
const CONCURRENCY = 4;
const BUDGET = PART * (CONCURRENCY + 1) + 32 * MiB;

const INPUTS: Record<MemoryInput, string> = {
  generator: "async generator, unknown length",
  readable: "Node Readable, known length",
  path: "file path",
  drain: "(reference) the async generator read without uploading",
};

interface Figures {
  idleRss: number;
  peakRss: number;
  extraRss: number;
  extraHeapUsed: number;
  extraBuffers: number;
  mibps: number;
}

function figures(result: MemoryResult, size: number): Figures {
  const idle = result.samples.filter((s) => s.phase === "idle");
  const upload = result.samples.filter((s) => s.phase === "upload");
  const median = (xs: number[]): number => summarize(xs).median;
  const max = (xs: number[]): number => Math.max(...xs);
  const idleRss = median(idle.map((s) => s.rss));
  const peakRss = max(upload.map((s) => s.rss));
  return {
    idleRss,
    peakRss,
    extraRss: peakRss - idleRss,
    extraHeapUsed: max(upload.map((s) => s.heapUsed)) - median(idle.map((s) => s.heapUsed)),
    extraBuffers: max(upload.map((s) => s.arrayBuffers)) - median(idle.map((s) => s.arrayBuffers)),
    mibps: size / MiB / (result.uploadMs / 1000),
  };
}

/** Run the memory case. */
export async function runMemory(ctx: BenchContext): Promise<CaseResult> {
  const { quick, gib } = ctx.options;
  const size = quick ? 64 * MiB : gib ? 1024 * MiB : 256 * MiB;
  const reps = quick ? 1 : 3;
  const servers = await spawnWorker(`${ctx.bundleDir}/servers.js`);
  const files = await tempFiles();
  const runs: Array<{ input: MemoryInput; rep: number; figures: Figures; result: MemoryResult }> = [];
  const tables: Table[] = [];
  const goals: Goal[] = [];
  try {
    const info = await servers.call<ServersInfo>("start", { sink: true, apps: ["sink"] });
    const path = await files.write("memory.bin", makeData(size));
    for (let rep = 0; rep < reps; rep++) {
      for (const input of Object.keys(INPUTS) as MemoryInput[]) {
        const child = await spawnWorker(`${ctx.bundleDir}/memory-child.js`);
        try {
          const run: MemoryRun = {
            input,
            endpoint: info.apps.sink as string,
            size,
            partSize: PART,
            concurrency: CONCURRENCY,
            idleMs: 1000,
            sampleMs: 20,
            path,
          };
          const result = await child.call<MemoryResult>("measure", run);
          if (result.storedSize !== size)
            throw new Error(`memory ${input}: stored ${result.storedSize} bytes, not ${size}`);
          const f = figures(result, size);
          runs.push({ input, rep, figures: f, result });
          ctx.progress(`memory ${input} rep ${rep + 1}/${reps}: peak extra RSS ${fixed(f.extraRss / MiB)} MiB`);
        } finally {
          await child.close();
        }
      }
    }
  } finally {
    await servers.close();
    await files.remove();
  }

  const rows: string[][] = [];
  for (const input of Object.keys(INPUTS) as MemoryInput[]) {
    const mine = runs.filter((r) => r.input === input).map((r) => r.figures);
    const of = (pick: (f: Figures) => number): string => spread(summarize(mine.map((f) => pick(f) / MiB)));
    const worst = Math.max(...mine.map((f) => f.extraRss));
    const reference = input === "drain";
    const ok = worst <= BUDGET;
    rows.push([
      INPUTS[input],
      of((f) => f.idleRss),
      of((f) => f.peakRss),
      of((f) => f.extraRss),
      of((f) => f.extraHeapUsed),
      of((f) => f.extraBuffers),
      spread(summarize(mine.map((f) => f.mibps))),
      reference ? "" : verdict(ok),
    ]);
    if (!reference)
      goals.push({
        name: `peak extra RSS, ${INPUTS[input]}, ${size / MiB} MiB`,
        target: `<= ${BUDGET / MiB} MiB`,
        value: `${fixed(worst / MiB)} MiB (worst of ${mine.length})`,
        ok,
      });
  }
  tables.push({
    title: `Memory: s3edge Node uploader, ${size / MiB} MiB to the sink, 8 MiB parts, 4 in parallel (MiB, median (min..max) of ${reps})`,
    columns: [
      "input",
      "idle RSS",
      "peak RSS",
      "peak extra RSS",
      "extra heapUsed",
      "extra arrayBuffers",
      "MiB/s",
      `goal (<= ${BUDGET / MiB} MiB, worst run)`,
    ],
    rows,
    notes: [
      "A fresh child process per measurement samples process.memoryUsage() every 20 ms: 1 s idle (baseline: median of those samples), then the upload. Extra = peak during the upload - idle median.",
      `Goal: peak extra <= partSize x (concurrency + 1) + 32 MiB = ${BUDGET / MiB} MiB.`,
      "Inputs are generated as fresh 1 MiB Buffers (no Buffer of the whole upload exists); the file path reads a file of the same size.",
      "The reference row reads the same generator with no upload: the garbage of the input's own chunks, which V8 collects late (part of every stream row's extra).",
    ],
  });
  const data: Record<string, unknown> = {
    size,
    partSize: PART,
    concurrency: CONCURRENCY,
    budgetBytes: BUDGET,
    runs: runs.map((r) => ({
      input: r.input,
      rep: r.rep,
      figures: r.figures,
      uploadMs: r.result.uploadMs,
      samples: r.result.samples,
    })),
  };
  if (ctx.options.browser) {
    try {
      const browser = await runBrowserMemory(ctx);
      tables.push(...browser.tables);
      goals.push(...browser.goals);
      data["browser"] = browser.data;
    } catch (error) {
      const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
      tables.push({ title: "Memory in Chromium (failed)", columns: ["error"], rows: [[message]] });
      data["browser"] = { error: error instanceof Error ? (error.stack ?? message) : message };
    }
  }
  return { tables, goals, data };
}
