/**
 * The memory case's child process: idles while sampling `process.memoryUsage()`
 * every 20 ms (the baseline), then uploads one input with s3edge's Node
 * uploader while still sampling (or, for `drain`, only reads the generated
 * input: the input's own cost). One process per measurement, so that nothing
 * of an earlier run is left in its heap.
 */
import { Readable } from "node:stream";

import { createUploader } from "../src/node.js";
import { generated } from "./lib/data.js";
import { serve } from "./lib/rpc.js";

/** Which input the upload reads. */
export type MemoryInput = "generator" | "readable" | "path" | "drain";

/** One measurement. */
export interface MemoryRun {
  input: MemoryInput;
  /** Signing endpoint. */
  endpoint: string;
  size: number;
  partSize: number;
  concurrency: number;
  idleMs: number;
  sampleMs: number;
  /** File of `size` bytes, for `input: "path"`. */
  path?: string;
}

/** One sample of `process.memoryUsage()`, in bytes. */
export interface MemorySample {
  /** ms since the measurement started. */
  t: number;
  phase: "idle" | "upload";
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** What the child reports. */
export interface MemoryResult {
  samples: MemorySample[];
  uploadMs: number;
  storedSize: number;
}

async function measure(run: MemoryRun): Promise<MemoryResult> {
  const uploader = createUploader({
    endpoint: run.endpoint,
    concurrency: run.concurrency,
    partSize: run.partSize,
    store: false,
  });
  const samples: MemorySample[] = [];
  const t0 = performance.now();
  let phase: MemorySample["phase"] = "idle";
  const sample = (): void => {
    const m = process.memoryUsage();
    samples.push({
      t: Math.round(performance.now() - t0),
      phase,
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
    });
  };
  const timer = setInterval(sample, run.sampleMs);
  sample();
  await new Promise((resolve) => setTimeout(resolve, run.idleMs));
  phase = "upload";
  sample();
  const started = performance.now();
  if (run.input === "drain") {
    // Reference: what the generated input costs by itself (its chunks' garbage), with no upload.
    let bytes = 0;
    for await (const chunk of generated(run.size)) bytes += chunk.byteLength;
    const uploadMs = performance.now() - started;
    sample();
    clearInterval(timer);
    return { samples, uploadMs, storedSize: bytes };
  }
  const input =
    run.input === "generator"
      ? generated(run.size)
      : run.input === "readable"
        ? Readable.from(generated(run.size), { objectMode: false })
        : (run.path as string);
  const result = await uploader.upload(input, {
    filename: `memory-${run.input}.bin`,
    ...(run.input === "readable" && { size: run.size }),
  });
  const uploadMs = performance.now() - started;
  sample();
  clearInterval(timer);
  return { samples, uploadMs, storedSize: result.size };
}

serve({
  measure,
  close: () => void setTimeout(() => process.exit(0), 10),
});
