#!/usr/bin/env node
/**
 * `node scripts/install-footprint.mjs [tarball] [extra packages...]`: what `npm install s3edge`
 * costs an app. Installs the tarball (default: packs the current build, so run
 * `npm run build` first) into an empty project in a temp folder, from the registry as a user
 * would, then prints the package count and the size of node_modules (bytes of the files, and
 * disk usage). Extra arguments are installed beside it (e.g. the server's optional peers:
 * `@aws-sdk/client-s3 @aws-sdk/s3-request-presigner @smithy/signature-v4`).
 */
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const work = mkdtempSync(join(tmpdir(), "s3edge-footprint-"));

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    process.exit(result.status ?? 1);
  }
  return result.stdout;
}

/** Bytes of the files under `dir` and the disk blocks they take (symlinks not followed). */
function measure(dir) {
  let bytes = 0;
  let blocks = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const info = lstatSync(path);
    blocks += info.blocks * 512;
    if (entry.isDirectory()) {
      const inner = measure(path);
      bytes += inner.bytes;
      blocks += inner.blocks;
    } else bytes += info.size;
  }
  return { bytes, blocks };
}

try {
  let [tarball, ...extra] = process.argv.slice(2);
  if (tarball) tarball = resolve(tarball);
  else {
    const out = join(work, "pack");
    mkdirSync(out);
    run("npm", ["pack", "--silent", "--pack-destination", out], root);
    tarball = join(
      out,
      readdirSync(out).find((f) => f.endsWith(".tgz")),
    );
  }
  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball, ...extra], app);
  const packages = run("npm", ["ls", "--all", "--parseable"], app).trim().split("\n").length - 1;
  const { bytes, blocks } = measure(join(app, "node_modules"));
  const mb = (n) => (n / 1e6).toFixed(1);
  console.log(
    `install footprint: ${packages} packages, ${mb(bytes)} MB of files, ${mb(blocks)} MB on disk (${[tarball.split("/").pop(), ...extra].join(" + ")})`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
