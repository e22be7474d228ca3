#!/usr/bin/env node
/**
 * `npm run bench`: bundles the TypeScript bench (bench/*.ts, which imports src/
 * and test/support/) with esbuild into .tmp/bench/, then runs it with node.
 *
 *   npm run bench                      all cases; writes bench/results.json and bench/results.md
 *   npm run bench -- --quick           smoke run: fewer repetitions, smaller sizes
 *   npm run bench -- --only=upload,sign
 *   npm run bench -- --gib             adds the 1 GiB upload and memory cases
 *   npm run bench -- --browser         adds the browser (Chromium) memory measurement
 *
 * The same through the environment: BENCH_QUICK=1, BENCH_ONLY=..., BENCH_GIB=1, BENCH_BROWSER=1.
 * Partial runs (--quick or --only) write their results under .tmp/bench/.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForNode, quietAwsSdk } from "./lib/bundle-node.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, ".tmp", "bench");
mkdirSync(outdir, { recursive: true });

await bundleForNode({
  entryPoints: {
    run: join(root, "bench", "run.ts"),
    servers: join(root, "bench", "servers.ts"),
    "memory-child": join(root, "bench", "memory-child.ts"),
  },
  outdir,
});

const child = spawn(
  process.execPath,
  ["--expose-gc", "--enable-source-maps", join(outdir, "run.js"), ...process.argv.slice(2)],
  {
    stdio: "inherit",
    cwd: root,
    // The AWS SDK's "node >= 22 from 2027" notice, once per process: noise in the tables.
    env: { ...quietAwsSdk, ...process.env },
  },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
