/**
 * The package as users install it: `npm pack` of the current build, unpacked into
 * `node_modules/s3edge` of a temp project. Its dependencies and peers are linked from this
 * repository's node_modules (no registry, no network), so the project sees exactly the
 * tarball's files with the versions we test against.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { requireBuilt, ROOT } from "./paths.js";

/** Packs the current build into `dir` and returns the tarball's path (needs `npm run build`). */
export function packTarball(dir: string): string {
  requireBuilt("index.js");
  mkdirSync(dir, { recursive: true });
  execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: ROOT, stdio: "pipe" });
  const name = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  if (name === undefined) throw new Error(`npm pack left no tarball in ${dir}`);
  return join(dir, name);
}

/** A temp project with the tarball installed; `remove()` deletes it. */
export interface Consumer {
  dir: string;
  tarball: string;
  /** Writes `files` (path relative to the project -> content). */
  write(files: Record<string, string>): void;
  remove(): void;
}

/**
 * Creates a temp project (outside the repository) with `package.json` fields `pkg`, the tarball
 * unpacked as `node_modules/s3edge`, and `links` (package names or scopes, e.g. "ky",
 * "@aws-sdk") symlinked from this repository's node_modules.
 */
export function createConsumer(options: { pkg?: Record<string, unknown>; links: string[]; prefix?: string }): Consumer {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? "s3edge-consumer-"));
  const tarball = packTarball(join(dir, ".pack"));
  const pkgDir = join(dir, "node_modules", "s3edge");
  mkdirSync(pkgDir, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", pkgDir, "--strip-components=1"]);
  for (const name of options.links) {
    const link = join(dir, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), link, "dir");
  }
  const consumer: Consumer = {
    dir,
    tarball,
    write(files) {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  consumer.write({
    "package.json": JSON.stringify({ name: "consumer", version: "1.0.0", private: true, ...options.pkg }, null, 2),
  });
  return consumer;
}
