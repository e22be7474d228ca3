#!/usr/bin/env node
/**
 * `npm run lint:package`: check the package as it would be published. Builds
 * (unless `--no-build`: `npm test` has just built), packs the tarball into
 * .tmp/pack, then runs publint (strict) and @arethetypeswrong/cli on that
 * tarball: exports, types for ESM and CJS, files list.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, ".tmp", "pack");
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args) => {
  console.log(`$ ${[cmd, ...args].join(" ")}`);
  const { status } = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (status !== 0) process.exit(status ?? 1);
};

if (!process.argv.includes("--no-build")) run("npm", ["run", "build", "--silent"]);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
run("npm", ["pack", "--silent", "--pack-destination", out]);
const tarball = join(out, readdirSync(out).find((f) => f.endsWith(".tgz")) ?? "missing.tgz");
run(bin("publint"), ["run", tarball, "--strict"]);
run(bin("attw"), [tarball]);
