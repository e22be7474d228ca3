#!/usr/bin/env node
// Checks that the system programs the integration, browser and reliability tests need are
// installed: Debian's Chromium (driven by playwright-core), nginx (the CDN edge fixture) and a
// one-node Ceph (radosgw, ceph-mon, ceph-osd: the production S3 target, test/support/rgw/).
// When one is missing and we run as root, installs it with apt-get (`apt-get update` first);
// otherwise prints the exact command to run and exits 1. Plain Node ESM, no dependencies.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Programs we need: apt package name, well-known absolute path, name to look up on PATH. */
const REQUIRED = [
  { pkg: "chromium", path: "/usr/bin/chromium", bin: "chromium" },
  { pkg: "nginx", path: "/usr/sbin/nginx", bin: "nginx" },
  { pkg: "radosgw", path: "/usr/bin/radosgw", bin: "radosgw" },
  { pkg: "ceph-mon", path: "/usr/bin/ceph-mon", bin: "ceph-mon" },
  { pkg: "ceph-osd", path: "/usr/bin/ceph-osd", bin: "ceph-osd" },
];

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of the program, or undefined when it is neither at its usual place nor on PATH. */
function locate({ path, bin }) {
  if (isExecutable(path)) return path;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}

function run(command, args, env) {
  console.log(`[ensure-system-deps] $ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
  }
}

const found = REQUIRED.map((req) => ({ ...req, at: locate(req) }));
const missing = found.filter((req) => req.at === undefined).map((req) => req.pkg);

if (missing.length === 0) {
  console.log(`[ensure-system-deps] ok: ${found.map((req) => `${req.pkg} at ${req.at}`).join(", ")}`);
} else {
  const installArgs = ["install", "-y", "--no-install-recommends", ...missing];
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot) {
    console.error(
      `[ensure-system-deps] missing: ${missing.join(", ")} (needed by the integration, browser and reliability tests).\n` +
        `Install with:\n  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get ${installArgs.join(" ")}`,
    );
    process.exit(1);
  }
  try {
    run("apt-get", ["update"]);
    run("apt-get", installArgs, { DEBIAN_FRONTEND: "noninteractive" });
  } catch (error) {
    console.error(`[ensure-system-deps] installing ${missing.join(", ")} failed: ${error.message}`);
    process.exit(1);
  }
  const still = REQUIRED.filter((req) => locate(req) === undefined).map((req) => req.pkg);
  if (still.length > 0) {
    console.error(`[ensure-system-deps] still missing after apt-get install: ${still.join(", ")}`);
    process.exit(1);
  }
  console.log(`[ensure-system-deps] installed: ${missing.join(", ")}`);
}
