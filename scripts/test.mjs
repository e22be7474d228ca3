#!/usr/bin/env node
/**
 * `npm test`: everything the tests need, then the tests.
 *
 * 1. System parts (Debian's chromium and nginx; installed when missing and root).
 * 2. The build (the browser and packaging tests load dist/).
 * 3. Checks, each counted as one test: typecheck (`tsc --noEmit`), lint (Biome),
 *    lint:package (publint + attw on the packed tarball) and size (size-limit budgets).
 * 4. vitest: every project (unit, integration, browser, packaging, ...) on this Node.
 * 5. The Node suites (unit + integration) again under Node 22 and 24, whose
 *    binaries come from the `node-<os>-<arch>` npm packages (no install script),
 *    cached outside the repo in ~/.cache/s3edge/node-<major>.
 *
 * A failed check or suite does not stop the run: it is counted, and the run
 * exits 1 at the end.
 * Environment: S3EDGE_NODE_MATRIX="22,24" (default) or "" to skip step 5;
 * S3EDGE_CHECKS="typecheck,lint,lint:package,size" (default) or a subset, "" to
 * skip step 3. Extra arguments are passed to vitest (e.g. `npm test -- test/unit`),
 * which also skips steps 3 and 5 unless S3EDGE_CHECKS / S3EDGE_NODE_MATRIX are set.
 * Ends with one line "test: N passed, N failed".
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const matrix = (process.env.S3EDGE_NODE_MATRIX ?? (args.length ? "" : "22,24"))
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const CHECKS = {
  typecheck: ["npm", ["run", "typecheck", "--silent"]],
  lint: ["npm", ["run", "lint", "--silent"]],
  "lint:package": [process.execPath, ["scripts/lint-package.mjs", "--no-build"]],
  size: ["npm", ["run", "size", "--silent"]],
};
const checks = (process.env.S3EDGE_CHECKS ?? (args.length ? "" : Object.keys(CHECKS).join(",")))
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
for (const name of checks) {
  if (!(name in CHECKS)) {
    console.error(`S3EDGE_CHECKS: unknown check "${name}" (known: ${Object.keys(CHECKS).join(", ")})`);
    process.exit(2);
  }
}
const reports = join(root, ".tmp", "reports");
const totals = { passed: 0, failed: 0 };

function run(command, commandArgs, options = {}) {
  console.log(`\n$ ${[command, ...commandArgs].join(" ")}`);
  const result = spawnSync(command, commandArgs, { stdio: "inherit", cwd: root, ...options });
  return result.status ?? 1;
}

function must(status, what) {
  if (status !== 0) {
    console.error(`\n${what} failed (exit ${status})`);
    summary();
    process.exit(status || 1);
  }
}

function summary() {
  console.log(`\ntest: ${totals.passed} passed, ${totals.failed} failed`);
}

function count(file) {
  try {
    const report = JSON.parse(readFileSync(file, "utf8"));
    totals.passed += report.numPassedTests ?? 0;
    totals.failed += report.numFailedTests ?? 0;
  } catch {
    // No report: the run's exit status says what happened.
  }
}

/** Path of the `node` binary of `major`, fetched from its npm package into the cache. */
function nodeBinary(major) {
  const pkg = `node-${process.platform}-${process.arch}`;
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "s3edge", `node-${major}`);
  const bin = join(dir, "package", "bin", "node");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const download = join(tmpdir(), `s3edge-node-${major}-${process.pid}`);
  mkdirSync(download, { recursive: true });
  must(run("npm", ["pack", `${pkg}@${major}`, "--silent", "--pack-destination", download]), `fetching ${pkg}@${major}`);
  const tarball = readdirSync(download).find((f) => f.endsWith(".tgz"));
  must(tarball ? run("tar", ["-xzf", join(download, tarball), "-C", dir]) : 1, `unpacking ${pkg}@${major}`);
  rmSync(download, { recursive: true, force: true });
  return bin;
}

rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
must(
  run(process.execPath, ["scripts/ensure-system-deps.mjs"]),
  "checking the system programs the tests need (chromium, nginx, Ceph RGW)",
);
must(run("npm", ["run", "build", "--silent"]), "the build");

const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const suites = [{ node: process.execPath, label: process.version, projects: [], args }];
for (const major of matrix) {
  // Ceph RGW checks the S3 side, which no Node version changes: the matrix runs against the
  // s3rver fixture only (about 75 s less per version) unless S3EDGE_TARGETS says otherwise.
  suites.push({
    node: nodeBinary(major),
    label: `Node ${major}`,
    projects: ["unit", "integration"],
    args: [],
    env: { S3EDGE_TARGETS: process.env.S3EDGE_TARGETS ?? "s3rver" },
  });
}

let failed = 0;
for (const name of checks) {
  console.log(`\n=== check: ${name} ===`);
  const [command, commandArgs] = CHECKS[name];
  if (run(command, commandArgs) === 0) totals.passed++;
  else {
    console.error(`\ncheck ${name} failed`);
    totals.failed++;
    failed++;
  }
}

for (const [i, suite] of suites.entries()) {
  const version = spawnSync(suite.node, ["--version"], { encoding: "utf8" }).stdout.trim();
  console.log(`\n=== vitest on Node ${version}${suite.projects.length ? ` (${suite.projects.join(", ")})` : ""} ===`);
  const report = join(reports, `vitest-${i}.json`);
  const status = run(
    suite.node,
    [
      vitest,
      "run",
      ...suite.projects.flatMap((p) => ["--project", p]),
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
      ...suite.args,
    ],
    { env: { ...process.env, ...suite.env, PATH: `${dirname(suite.node)}:${process.env.PATH}` } },
  );
  count(report);
  if (status !== 0) failed++;
}
summary();
process.exit(failed ? 1 : 0);
