/**
 * The page of the upload-browser case (bundled by esbuild, run in Chromium): three contenders
 * upload the files picked in `<input id=file>` to the same S3 fixture, 8 MiB parts, 4 in flight:
 * - s3edge (src/index.ts as an app bundles it: default XHR transport and resume store);
 * - @uppy/core + @uppy/aws-s3 6, companion-less, through `signRequest` to the page server's
 *   presigning route (POST /presign: one presigned URL per S3 request, as Uppy asks);
 * - raw parallel XHR PUTs of URLs presigned before the clock (the floor).
 * Each run reports its wall time and, from Resource Timing, when its first PUT started and how
 * many requests went to the signing endpoint and to S3 besides the PUTs.
 */
import Uppy from "@uppy/core";
import AwsS3 from "@uppy/aws-s3";
import { createUploader } from "../../src/index.js";
// @ts-expect-error: resolved by the bench's esbuild plugin (BENCH_S3EDGE_SRC, else this tree's src/)
import { createUploader as createUploaderBefore } from "s3edge-before";

const PART = 8 * 1024 * 1024;
const CONCURRENCY = 4;

/** What one timed run measured. */
export interface PageRun {
  ms: number;
  bytes: number;
  /** Time from the start to the first PUT's start (ms). */
  firstPutMs: number;
  /** The first signing-endpoint request: when it started and when its answer ended (ms from the start). */
  firstCallMs: [number, number];
  /** Requests to the signing endpoint (s3edge's /s3edge, Uppy's /presign) during the run. */
  endpointCalls: number;
  /** Requests to S3 that carry no bytes (create, complete; Uppy talks to S3 for those). */
  s3ControlCalls: number;
  puts: number;
  errors: string[];
  /** Every request of the run: kind (put, endpoint, s3), start, response start, end (ms from the start). */
  timeline: Array<[string, number, number, number]>;
  /** CPU time of the bench's Node process (signing routes and S3 fixture) during the run, set outside the page. */
  serverCpuMs?: number;
  /** CPU time of the whole machine (every process, Chromium's included) during the run, set outside the page. */
  machineCpuMs?: number;
  /** CPU time of Chromium's processes during the run, by kind (browser, renderer, network...), set outside the page. */
  chromiumCpuMs?: Record<string, number>;
}

const files = (): File[] => [...((document.getElementById("file") as HTMLInputElement).files ?? [])];

/** Resource Timing of the run, classified. */
function classify(t0: number, errors: string[], ms: number, bytes: number): PageRun {
  const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
  let firstPut = Number.POSITIVE_INFINITY;
  let endpointCalls = 0;
  let s3ControlCalls = 0;
  let puts = 0;
  let firstCall: [number, number] = [Number.POSITIVE_INFINITY, 0];
  const timeline: PageRun["timeline"] = [];
  const at = (e: PerformanceResourceTiming, kind: string): void =>
    void timeline.push([kind, e.startTime - t0, e.responseStart - t0, e.responseEnd - t0]);
  for (const e of entries) {
    if (e.startTime < t0) continue;
    const url = new URL(e.name);
    if (url.pathname === "/s3edge" || url.pathname === "/presign") {
      at(e, "endpoint");
      endpointCalls++;
      if (e.startTime < firstCall[0]) firstCall = [e.startTime, e.responseEnd];
      continue;
    }
    if (url.origin === location.origin) continue;
    const q = url.searchParams;
    const isPut = q.has("partNumber") || (!q.has("uploadId") && !q.has("uploads"));
    at(e, isPut ? "put" : "s3");
    if (isPut) {
      puts++;
      firstPut = Math.min(firstPut, e.startTime);
    } else {
      s3ControlCalls++;
    }
  }
  return {
    ms,
    bytes,
    firstPutMs: firstPut - t0,
    firstCallMs: [firstCall[0] - t0, firstCall[1] - t0],
    endpointCalls,
    s3ControlCalls,
    puts,
    errors,
    timeline,
  };
}

function begin(): number {
  performance.clearResourceTimings();
  performance.setResourceTimingBufferSize(100_000);
  return performance.now();
}

async function s3edge(create: typeof createUploader = createUploader): Promise<PageRun> {
  const picked = files();
  const errors: string[] = [];
  const uploader = create({ endpoint: "/s3edge", concurrency: CONCURRENCY, partSize: PART });
  uploader.on("retry", ({ value }) => errors.push(`retry: ${value.error.message}`));
  const t0 = begin();
  // addAll() where the build has it (files picked together, as an application adds them), else add().
  const uploads =
    "addAll" in uploader
      ? uploader.addAll(picked)
      : picked.map((f) => (uploader as { add(f: File): { done(): Promise<{ size: number }> } }).add(f));
  const results = await Promise.all(uploads.map((u) => u.done()));
  const ms = performance.now() - t0;
  return classify(
    t0,
    errors,
    ms,
    results.reduce((n, r) => n + r.size, 0),
  );
}

async function presign(body: Record<string, unknown>): Promise<{ url: string }> {
  const response = await fetch("/presign", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`presign answered ${response.status}`);
  return (await response.json()) as { url: string };
}

async function uppy(): Promise<PageRun> {
  const picked = files();
  const errors: string[] = [];
  const u = new Uppy({ autoProceed: false });
  u.use(AwsS3, {
    limit: CONCURRENCY,
    shouldUseMultipart: (file) => (file.size ?? 0) > PART,
    getChunkSize: () => PART,
    signRequest: (request) => presign({ ...request }),
  });
  u.on("upload-error", (_file, error) => errors.push(String(error)));
  // The clock starts before the files are handed over, as s3edge's (whose addAll() is timed): adding
  // reads each picked File's metadata, a synchronous round trip to Chromium's browser process.
  const t0 = begin();
  u.addFiles(picked.map((file) => ({ name: file.name, type: file.type || "application/octet-stream", data: file })));
  const result = await u.upload();
  const ms = performance.now() - t0;
  const failed = result?.failed?.length ?? 0;
  if (failed) errors.push(`${failed} failed`);
  const bytes = (result?.successful ?? []).reduce((n, f) => n + (f.size ?? 0), 0);
  u.destroy();
  return classify(t0, errors, ms, bytes);
}

function xhrPut(url: string, body: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.onload = () =>
      xhr.status < 300 ? resolve(xhr.getResponseHeader("ETag") ?? "") : reject(new Error(`PUT ${xhr.status}`));
    xhr.onerror = () => reject(new Error("PUT failed"));
    xhr.send(body);
  });
}

/** Raw XHR PUTs: every URL presigned (and every multipart upload created) before the clock. */
async function raw(): Promise<PageRun> {
  const picked = files();
  const errors: string[] = [];
  type Job = { file: File; key: string; uploadId?: string; urls: string[] };
  const jobs: Job[] = [];
  for (const [i, file] of picked.entries()) {
    const key = `bench/raw-${i}-${file.name}`;
    if (file.size <= PART) {
      jobs.push({ file, key, urls: [(await presign({ method: "PUT", key })).url] });
    } else {
      const { uploadId } = (await (
        await fetch("/presign", { method: "POST", body: JSON.stringify({ method: "CREATE", key }) })
      ).json()) as { uploadId: string };
      const urls: string[] = [];
      for (let n = 1; n <= Math.ceil(file.size / PART); n++)
        urls.push((await presign({ method: "PUT", key, uploadId, partNumber: n })).url);
      jobs.push({ file, key, uploadId, urls });
    }
  }
  const completeUrls = await Promise.all(
    jobs.map((j) =>
      j.uploadId ? presign({ method: "POST", key: j.key, uploadId: j.uploadId }).then((r) => r.url) : "",
    ),
  );
  const t0 = begin();
  const tasks = jobs.flatMap((job, j) => job.urls.map((url, i) => ({ job, j, i, url })));
  const etags = jobs.map((job) => new Array<string>(job.urls.length));
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < tasks.length) {
        const t = tasks[next++] as (typeof tasks)[number];
        const body = t.job.uploadId
          ? t.job.file.slice(t.i * PART, Math.min(t.job.file.size, (t.i + 1) * PART))
          : t.job.file;
        (etags[t.j] as string[])[t.i] = await xhrPut(t.url, body);
      }
    }),
  );
  await Promise.all(
    jobs.map(async (job, j) => {
      if (!job.uploadId) return;
      const parts = (etags[j] as string[])
        .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`)
        .join("");
      const response = await fetch(completeUrls[j] as string, {
        method: "POST",
        body: `<CompleteMultipartUpload>${parts}</CompleteMultipartUpload>`,
      });
      if (!response.ok) errors.push(`complete ${response.status}`);
    }),
  );
  const ms = performance.now() - t0;
  return classify(
    t0,
    errors,
    ms,
    picked.reduce((n, f) => n + f.size, 0),
  );
}

/**
 * A File built in the page (not picked): the case Chromium keeps in its blob storage. At s3edge's
 * defaults, or with `partSize` (the bench compares the default with the 8 MiB of earlier versions).
 */
async function pageBuilt(size: number, partSize?: number): Promise<{ ok: boolean; retries: string[]; ms: number }> {
  const chunk = new Uint8Array(1024 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 255;
  const file = new File(
    Array.from({ length: size / chunk.length }, () => chunk),
    "page-built.bin",
  );
  const retries: string[] = [];
  const uploader = createUploader({ endpoint: "/s3edge", ...(partSize && { partSize }) });
  uploader.on("retry", ({ value }) => retries.push(value.error.message));
  const t0 = performance.now();
  try {
    await uploader.upload(file);
    return { ok: true, retries, ms: performance.now() - t0 };
  } catch (error) {
    retries.push(String(error));
    return { ok: false, retries, ms: performance.now() - t0 };
  }
}

Object.assign(window, {
  bench: {
    s3edge: () => s3edge(),
    before: () => s3edge(createUploaderBefore as typeof createUploader),
    uppy,
    raw,
    pageBuilt,
  },
});
