/**
 * `npm run bench` (bundled by scripts/bench.mjs into .tmp/bench/run.js): runs
 * the selected cases in order, prints one table per measurement, and writes
 * every raw sample with the machine's facts to bench/results.json (and the
 * tables as Markdown to bench/results.md). Smoke runs (`--quick`, `--only`)
 * write to .tmp/bench/ instead, so that they never replace a full run's record.
 */
import { writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { runBundle } from "./cases/bundle.js";
import { runFallback } from "./cases/fallback.js";
import { runGeoReads } from "./cases/geo-reads.js";
import { runGeoUploads } from "./cases/geo-uploads.js";
import { runImages } from "./cases/images.js";
import { runMemory } from "./cases/memory.js";
import { runSign } from "./cases/sign.js";
import { runSw } from "./cases/sw.js";
import { runUploadBrowser } from "./cases/upload-browser.js";
import { runUpload } from "./cases/upload.js";
import type { BenchContext, CaseResult } from "./lib/context.js";
import { machineFacts } from "./lib/machine.js";
import { CASES, parseOptions, type CaseName } from "./lib/options.js";
import { renderMarkdown, renderText } from "./lib/table.js";

const RUNNERS: Record<CaseName, (ctx: BenchContext) => Promise<CaseResult>> = {
  upload: runUpload,
  "upload-browser": runUploadBrowser,
  memory: runMemory,
  sign: runSign,
  fallback: runFallback,
  images: runImages,
  sw: runSw,
  "geo-uploads": runGeoUploads,
  "geo-reads": runGeoReads,
  bundle: runBundle,
};

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const bundleDir = dirname(fileURLToPath(import.meta.url));
  const root = resolve(bundleDir, "../..");
  const ctx: BenchContext = {
    options,
    root,
    bundleDir,
    progress: (message) => process.stderr.write(`  . ${message}\n`),
  };
  const machine = machineFacts();
  const started = new Date();
  console.log(
    `s3edge bench: ${options.only.join(", ")}${options.quick ? " (quick)" : ""}${options.gib ? " (+1 GiB)" : ""}`,
  );
  console.log(
    `machine: ${machine.nproc} cores (${machine.cpuModel}), ${(machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB, node ${machine.node}, load ${machine.loadavg.join(" ")}`,
  );

  const cases: Record<string, unknown> = {};
  const markdown: string[] = [];
  let failed = 0;
  for (const name of options.only) {
    const t0 = performance.now();
    process.stderr.write(`\n[${name}]\n`);
    try {
      const result = await RUNNERS[name](ctx);
      const seconds = Math.round((performance.now() - t0) / 100) / 10;
      for (const table of result.tables) {
        console.log(renderText(table));
        markdown.push(renderMarkdown(table));
      }
      cases[name] = { seconds, goals: result.goals, tables: result.tables, ...result.data };
    } catch (error) {
      failed++;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`\n[${name}] failed: ${message}`);
      cases[name] = { error: message };
    }
  }

  const goals = Object.entries(cases).flatMap(([name, c]) =>
    ((c as { goals?: Array<{ name: string; target: string; value: string; ok: boolean }> }).goals ?? []).map((g) => ({
      case: name,
      ...g,
    })),
  );
  if (goals.length) {
    const summary = {
      title: "Goals",
      columns: ["case", "measure", "goal", "measured", ""],
      rows: goals.map((g) => [g.case, g.name, g.target, g.value, g.ok ? "met" : "MISSED"]),
    };
    console.log(renderText(summary));
    markdown.unshift(renderMarkdown(summary));
  }

  const full = !options.quick && options.only.length === CASES.length;
  const outDir = full ? join(root, "bench") : bundleDir;
  const seconds = Math.round((Date.now() - started.getTime()) / 1000);
  const record = {
    date: started.toISOString(),
    seconds,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    options,
    machine,
    cases,
  };
  await writeFile(join(outDir, "results.json"), `${JSON.stringify(record, null, 2)}\n`);
  await writeFile(
    join(outDir, "results.md"),
    `<!-- written by npm run bench on ${record.date}; do not edit -->\n\n${markdown.join("\n\n")}\n`,
  );
  console.log(
    `\n${seconds} s; wrote ${relative(root, join(outDir, "results.json"))} and results.md${full ? "" : " (partial run: bench/results.json is kept)"}`,
  );
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
