/**
 * Case `upload-browser`: uploads from Chromium to the S3 fixture (s3rver behind the verifying
 * front, as the tests use), s3edge against @uppy/aws-s3 6 (companion-less, `signRequest` to a
 * presigning route) and raw parallel XHR PUTs of URLs presigned before the clock. Files picked in
 * an `<input type=file>`: one of 64 MiB, one of 256 MiB, and 20 of 2 MiB; 8 MiB parts, 4 in flight.
 * Repetitions alternate the contenders' order; ratios are paired per repetition. Beside
 * throughput: time to the first PUT and round trips to the signing endpoint (and Uppy's own
 * requests to S3 for create/complete). Last, s3edge at its defaults uploads a 256 MiB File built
 * in the page (Chromium's blob storage, not a file on disk), which failed PUTs with
 * net::ERR_BLOB_OUT_OF_MEMORY before.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { build } from "esbuild";
import type { Page } from "playwright-core";

import { handleS3Edge, toNodeHandler } from "../../src/server.js";
import { testSigner } from "../../test/support/app.js";
import { chromiumPath, launchBrowser, startStaticServer } from "../../test/support/browser.js";
import { startS3Fixture } from "../../test/support/s3/fixture.js";
import type { BenchContext, CaseResult, Goal } from "../lib/context.js";
import { makeData, tempFiles } from "../lib/data.js";
import { MiB, fixed, pairedRatios, ratioText, spread, summarize, verdict } from "../lib/stats.js";
import type { PageRun } from "./upload-browser-page.js";

const ALL_CONTENDERS = ["s3edge", "before", "uppy", "raw"] as const;
type Contender = (typeof ALL_CONTENDERS)[number];
const NAMES: Record<Contender, string> = {
  before: "s3edge before (BENCH_S3EDGE_SRC)",
  s3edge: "s3edge",
  uppy: "@uppy/aws-s3 6.3",
  raw: "raw XHR PUTs (presigned before the clock)",
};

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => resolve(JSON.parse(text || "{}") as Record<string, unknown>));
    req.on("error", reject);
  });
}

/** The presigning route Uppy's `signRequest` (and the raw contender) calls: one URL per S3 request. */
function presignRoute(s3: S3Client, Bucket: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readJson(req);
    const Key = String(body["key"]);
    const UploadId = body["uploadId"] === undefined ? undefined : String(body["uploadId"]);
    const method = String(body["method"]);
    let answer: Record<string, unknown>;
    if (method === "CREATE") {
      answer = { uploadId: (await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId };
    } else {
      const o = { expiresIn: 3600 };
      const id = UploadId ?? "";
      const url =
        method === "PUT" && UploadId
          ? await getSignedUrl(
              s3,
              new UploadPartCommand({ Bucket, Key, UploadId: id, PartNumber: Number(body["partNumber"]) }),
              o,
            )
          : method === "PUT"
            ? await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key }), o)
            : method === "POST" && UploadId
              ? await getSignedUrl(s3, new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: id }), o)
              : method === "POST"
                ? await getSignedUrl(s3, new CreateMultipartUploadCommand({ Bucket, Key }), o)
                : method === "DELETE"
                  ? await getSignedUrl(s3, new AbortMultipartUploadCommand({ Bucket, Key, UploadId: id }), o)
                  : await getSignedUrl(s3, new ListPartsCommand({ Bucket, Key, UploadId: id }), o);
      answer = { url };
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  };
}

/** CPU time (ms) every core of this machine spent busy since boot (Linux `/proc/stat`), else `undefined`. */
function machineBusyMs(): number | undefined {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const all = fields.reduce((a, b) => a + b, 0);
    return ((all - idle) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** CPU time (ms) of each kind of Chromium process (browser, renderer, network, gpu...), from Linux `/proc`. */
function chromiumCpuMs(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        if (!/chrom/i.test(cmd.split("\0")[0] ?? "")) continue;
        const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? "browser";
        const kind = type === "utility" ? (/--utility-sub-type=([\w.]+)/.exec(cmd)?.[1] ?? "utility") : type;
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
        out[kind] = (out[kind] ?? 0) + ms;
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    // not Linux
  }
  return out;
}

/** One upload of the 256 MiB File built in the page, and the blob errors Chromium reported. */
interface PageBuilt {
  ok: boolean;
  retries: string[];
  ms: number;
  blobErrors: string[];
}

interface Scenario {
  name: string;
  files: Array<{ name: string; size: number }>;
  reps: number;
}

/** Run the case (skipped with a note when Chromium is missing). */
export async function runUploadBrowser(ctx: BenchContext): Promise<CaseResult> {
  try {
    chromiumPath();
  } catch {
    return {
      tables: [{ title: "Browser uploads (skipped)", columns: ["why"], rows: [["chromium not installed"]] }],
      goals: [],
      data: { skipped: true },
    };
  }
  const quick = ctx.options.quick;
  const all: Scenario[] = [
    {
      name: "20 files x 2 MiB",
      files: Array.from({ length: 20 }, (_, i) => ({ name: `small-${i}.bin`, size: 2 * MiB })),
      reps: quick ? 2 : 5,
    },
    { name: "one 64 MiB file", files: [{ name: "file-64.bin", size: 64 * MiB }], reps: quick ? 1 : 3 },
    { name: "one 256 MiB file", files: [{ name: "file-256.bin", size: 256 * MiB }], reps: quick ? 1 : 2 },
  ];
  // BENCH_UPLOAD_BROWSER=20,64 runs only the scenarios whose name starts with "20 " or "one 64 " (and
  // skips the page-built File unless "page" is listed); BENCH_UPLOAD_BROWSER_REPS=<n> sets the repetitions.
  const picked = process.env["BENCH_UPLOAD_BROWSER"]?.split(",").map((s) => s.trim());
  const repsOverride = Number(process.env["BENCH_UPLOAD_BROWSER_REPS"] ?? "") || undefined;
  const scenarios = all
    .filter((s) => !picked || picked.some((p) => s.name.startsWith(`${p} `) || s.name.startsWith(`one ${p} `)))
    .map((s) => (repsOverride ? { ...s, reps: repsOverride } : s));
  const withPageBuilt = !picked || picked.includes("page");

  // BENCH_S3EDGE_SRC=<dir> adds a contender "before": s3edge built from another source tree (e.g. an
  // older commit's src/ checked out with `git worktree`), run in the same repetitions: paired before/after.
  const other = process.env["BENCH_S3EDGE_SRC"];
  const CONTENDERS = ALL_CONTENDERS.filter((who) => who !== "before" || other);
  const page = await build({
    entryPoints: [join(ctx.root, "bench/cases/upload-browser-page.ts")],
    plugins: [
      {
        name: "s3edge-before",
        setup: (b) =>
          b.onResolve({ filter: /^s3edge-before$/ }, () => ({
            path: join(other ?? join(ctx.root, "src"), "index.ts"),
          })),
      },
    ],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: !process.env["BENCH_UPLOAD_BROWSER_PROFILE"], // readable names in a profile
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "error",
  });
  const js = page.outputFiles[0]?.text ?? "";
  const fixture = await startS3Fixture();
  const s3 = new S3Client({
    endpoint: fixture.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: fixture.credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const site = await startStaticServer({
    root: ctx.root,
    pages: {
      "/upload.html":
        '<!doctype html><meta charset="utf-8"><input type="file" id="file" multiple><script src="/page.js"></script>',
    },
  });
  site.route("/page.js", (_req, res) => res.writeHead(200, { "content-type": "text/javascript" }).end(js));
  site.route("/favicon.ico", (_req, res) => res.writeHead(204).end());
  site.route("/presign", presignRoute(s3, fixture.bucket));
  site.route("/s3edge", toNodeHandler(handleS3Edge(testSigner(fixture, { keyPolicy: (i) => `bench/${i.filename}` }))));
  // Warm both signing routes (the signer loads the AWS SDK on its first request): a deployed server pays that once, not per upload.
  await fetch(`${site.url}/s3edge`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      v: 1,
      op: "create",
      filename: "warm.bin",
      contentType: "application/octet-stream",
      size: 1,
    }),
  });
  await fetch(`${site.url}/presign`, {
    method: "POST",
    body: JSON.stringify({ method: "PUT", key: "bench/warm.bin" }),
  });
  const temp = await tempFiles();
  const browser = await launchBrowser();
  const samples: Record<string, Record<Contender, PageRun[]>> = {};
  const pageBuilt: Partial<Record<"defaults" | "8 MiB parts", PageBuilt>> = {};
  try {
    for (const scenario of scenarios) {
      const paths: string[] = [];
      for (const f of scenario.files) paths.push(await temp.write(f.name, makeData(f.size)));
      const runs: Record<Contender, PageRun[]> = { s3edge: [], before: [], uppy: [], raw: [] };
      for (let rep = 0; rep < scenario.reps; rep++) {
        const order = CONTENDERS.map((_, i) => CONTENDERS[(i + rep) % CONTENDERS.length] as Contender);
        for (const who of order) {
          ctx.progress(`${scenario.name}: ${NAMES[who]} (repetition ${rep + 1}/${scenario.reps})`);
          // A fresh page (and context: no resume records, no kept-alive connections) per run.
          const context = await browser.newContext();
          const tab: Page = await context.newPage();
          await tab.goto(`${site.url}/upload.html`);
          await tab.setInputFiles("#file", paths);
          // BENCH_UPLOAD_BROWSER_PROFILE=<dir>: a CPU profile of each run (DevTools' .cpuprofile) written there.
          const profileDir = process.env["BENCH_UPLOAD_BROWSER_PROFILE"];
          const cdp = profileDir ? await context.newCDPSession(tab) : undefined;
          if (cdp) {
            await cdp.send("Profiler.enable");
            await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
            await cdp.send("Profiler.start");
          }
          const cpu0 = process.cpuUsage();
          const busy0 = machineBusyMs();
          const chrome0 = chromiumCpuMs();
          const run = await tab.evaluate(
            (name) =>
              (window as unknown as { bench: Record<string, () => Promise<PageRun>> }).bench[
                name
              ]?.() as Promise<PageRun>,
            who,
          );
          const cpu = process.cpuUsage(cpu0);
          run.serverCpuMs = (cpu.user + cpu.system) / 1000;
          const busy1 = machineBusyMs();
          if (busy0 !== undefined && busy1 !== undefined) run.machineCpuMs = busy1 - busy0;
          const chrome1 = chromiumCpuMs();
          run.chromiumCpuMs = Object.fromEntries(
            Object.entries(chrome1).map(([kind, ms]) => [kind, ms - (chrome0[kind] ?? 0)]),
          );
          if (cdp && profileDir) {
            const { profile } = await cdp.send("Profiler.stop");
            await writeFile(
              join(profileDir, `${scenario.name.split(" ")[0]}-${who}-${rep + 1}.cpuprofile`),
              JSON.stringify(profile),
            );
          }
          await context.close();
          if (run.errors.length) ctx.progress(`  ${NAMES[who]}: ${run.errors.slice(0, 3).join("; ")}`);
          runs[who].push(run);
        }
      }
      samples[scenario.name] = runs;
    }
    if (withPageBuilt) {
      // The defaults (10 MiB parts: whole pieces of Chromium's blob storage), then 8 MiB parts
      // (the default until 2026-12-02), each in a fresh context.
      for (const [which, partSize] of [
        ["defaults", undefined],
        ["8 MiB parts", 8 * MiB],
      ] as const) {
        ctx.progress(`a 256 MiB File built in the page, s3edge ${which}`);
        const context = await browser.newContext();
        const tab = await context.newPage();
        const errors: string[] = [];
        tab.on("requestfailed", (r) => {
          const why = r.failure()?.errorText ?? "";
          if (/BLOB/.test(why)) errors.push(why);
        });
        await tab.goto(`${site.url}/upload.html`);
        const result = await tab.evaluate(
          ([size, part]) =>
            (
              window as unknown as {
                bench: {
                  pageBuilt(size: number, part?: number): Promise<{ ok: boolean; retries: string[]; ms: number }>;
                };
              }
            ).bench.pageBuilt(size, part),
          [256 * MiB, partSize] as const,
        );
        await context.close();
        pageBuilt[which] = { ...result, blobErrors: errors };
      }
    }
  } finally {
    await browser.close();
    await site.close();
    s3.destroy();
    await fixture.close();
    await temp.remove();
  }

  const goals: Goal[] = [];
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const runs = samples[scenario.name] as Record<Contender, PageRun[]>;
    const mibps = (r: PageRun) => r.bytes / MiB / (r.ms / 1000);
    const base = runs.s3edge.map(mibps);
    for (const who of CONTENDERS) {
      const list = runs[who];
      const speed = summarize(list.map(mibps));
      const ratio = who === "s3edge" ? "1" : ratioText(summarize(pairedRatios(base, list.map(mibps))));
      rows.push([
        scenario.name,
        NAMES[who],
        spread(summarize(list.map((r) => r.ms)), 0),
        spread(speed, 1),
        ratio,
        who === "raw"
          ? fixed(summarize(list.map((r) => r.firstPutMs)).median, 0)
          : `${fixed(summarize(list.map((r) => r.firstPutMs)).median, 0)} (${fixed(summarize(list.map((r) => r.firstCallMs[0])).median, 0)}..${fixed(summarize(list.map((r) => r.firstCallMs[1])).median, 0)})`,
        `${fixed(summarize(list.map((r) => r.endpointCalls)).median, 0)} + ${fixed(summarize(list.map((r) => r.s3ControlCalls)).median, 0)}`,
      ]);
    }
    const vsUppy = summarize(pairedRatios(base, runs.uppy.map(mibps)));
    const firstS3edge = summarize(runs.s3edge.map((r) => r.firstPutMs)).median;
    const firstUppy = summarize(runs.uppy.map((r) => r.firstPutMs)).median;
    if (scenario.files.length > 1) {
      goals.push({
        name: `s3edge / Uppy, ${scenario.name} (Chromium)`,
        target: ">= 1.1x",
        value: ratioText(vsUppy),
        ok: vsUppy.median >= 1.1,
      });
      goals.push({
        name: `time to first PUT, ${scenario.name}: s3edge vs Uppy`,
        target: "<= Uppy's",
        value: `${fixed(firstS3edge, 0)} vs ${fixed(firstUppy, 0)} ms`,
        ok: firstS3edge <= firstUppy,
      });
    } else {
      goals.push({
        name: `s3edge / Uppy, ${scenario.name} (Chromium)`,
        target: "> 1.0x (keep the lead)",
        value: ratioText(vsUppy),
        ok: vsUppy.median > 1,
      });
    }
  }
  const atDefaults = pageBuilt.defaults;
  const blobOk = atDefaults?.ok === true && atDefaults.blobErrors.length === 0;
  goals.push({
    name: "256 MiB page-built File, s3edge defaults (Chromium)",
    target: "no ERR_BLOB_OUT_OF_MEMORY",
    value: atDefaults
      ? `${atDefaults.ok ? "stored" : "failed"}, ${atDefaults.blobErrors.length} blob errors, ${atDefaults.retries.length} retries`
      : "not run",
    ok: blobOk,
  });
  const builtNote = (which: "defaults" | "8 MiB parts"): string => {
    const run = pageBuilt[which];
    return run
      ? `${run.ok ? "stored" : "FAILED"} in ${fixed(run.ms / 1000, 1)} s, ${run.blobErrors.length} ERR_BLOB_* request failures, retries: ${run.retries.length}`
      : "not run";
  };

  return {
    tables: [
      {
        title:
          "Browser uploads (Chromium, files picked in <input type=file>) to the S3 fixture: 8 MiB parts, 4 in flight",
        columns: [
          "files",
          "uploader",
          "ms",
          "MiB/s",
          "s3edge is",
          "first PUT (first endpoint call) ms",
          "endpoint + S3 control requests",
        ],
        rows,
        notes: [
          "Paired ratios: the contenders of one repetition run back to back in fresh browser contexts, their order rotating.",
          "first PUT: ms from the start to the first PUT's start (median), then when the first signing-endpoint request started..ended. The start is before the files are handed over (s3edge's addAll(), Uppy's addFiles(); until 2026-12-02 s3edge's add() and Uppy's addFile() in a loop, and Uppy's outside the clock before that).",
          "Uppy: @uppy/core + @uppy/aws-s3 6, companion-less, signRequest() posting each S3 request to a presigning route (one URL per request); it creates and completes multipart uploads itself (S3 control requests), and sends a file's parts one at a time (limit: 4 files at once).",
          "raw: every multipart upload created and every URL presigned before the clock; 4 XHR PUTs in flight; the complete POST is timed.",
          `Page-built 256 MiB File at s3edge's defaults (10 MiB parts): ${builtNote("defaults")} (${verdict(blobOk)}); in 8 MiB parts (the default until 2026-12-02), same run: ${builtNote("8 MiB parts")}.`,
        ],
      },
    ],
    goals,
    data: { samples, pageBuilt },
  };
}
