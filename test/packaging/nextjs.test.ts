/**
 * `next build` of examples/nextjs (the README's quick start: a route handler with the signer at
 * module scope reading `S3EDGE_SECRET`, a page with the uploader at module scope and a relative
 * endpoint) against the packed tarball, with no secret and no AWS credentials in the
 * environment, as a Docker or CI build has. It used to fail twice: "Collecting configuration"
 * threw on the missing secret, and prerendering threw `Invalid URL` on "/api/s3edge".
 *
 * Next.js, React, TypeScript and the AWS peers (~390 MB) are installed once from the registry
 * into ~/.cache/s3edge/nextjs-<version> (outside the repository, not a devDependency) and
 * hard-linked into a fresh app per run; the build itself is offline. It takes 60-100 s on two
 * busy cores, so it runs only with S3EDGE_SLOW=1. Needs `npm run build`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { ROOT } from "./paths.js";
import { packTarball } from "./tarball.js";

const EXAMPLE = join(ROOT, "examples", "nextjs");
const example = JSON.parse(readFileSync(join(EXAMPLE, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const nextVersion = (example.dependencies["next"] ?? "").replace(/^[\^~]/, "");
const CACHE_ROOT = join(process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "s3edge");
const CACHE = join(CACHE_ROOT, `nextjs-${nextVersion}`);

/** The example's dependencies except s3edge, installed once into the cache. */
function ensureInstalled(): void {
  if (existsSync(join(CACHE, "node_modules", "next", "package.json"))) return;
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, "package.json"), JSON.stringify({ name: "s3edge-nextjs-cache", private: true }));
  const specs = Object.entries({ ...example.dependencies, ...example.devDependencies })
    .filter(([name]) => name !== "s3edge")
    .map(([name, range]) => `${name}@${range}`);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs], {
    cwd: CACHE,
    stdio: "pipe",
  });
}

describe.skipIf(!process.env["S3EDGE_SLOW"])("Next.js: next build of examples/nextjs with the packed tarball", () => {
  let work: string | undefined;
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("builds with no S3EDGE_SECRET and no AWS credentials; the page prerenders", () => {
    ensureInstalled();
    work = mkdtempSync(join(CACHE_ROOT, "nextjs-work-"));
    const app = work;
    // Hard links: the same filesystem as the cache, nothing copied (Next writes only to .next/).
    execFileSync("cp", ["-al", join(CACHE, "node_modules"), join(app, "node_modules")]);
    cpSync(EXAMPLE, app, { recursive: true, filter: (src) => !/[/\\](node_modules|\.next)([/\\]|$)/.test(src) });
    const tarball = packTarball(join(app, ".pack"));
    const pkgDir = join(app, "node_modules", "s3edge");
    mkdirSync(pkgDir);
    execFileSync("tar", ["-xzf", tarball, "-C", pkgDir, "--strip-components=1"]);
    // s3edge's own dependencies (ky), copied (not linked: Turbopack stays inside the app's root).
    const published = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(published.dependencies ?? {})) {
      cpSync(join(ROOT, "node_modules", dep), join(app, "node_modules", dep), { recursive: true, dereference: true });
    }

    const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", CI: "1" };
    for (const name of Object.keys(env)) if (/^(S3EDGE_SECRET|AWS_)/.test(name)) delete env[name];
    const build = spawnSync(process.execPath, [join(app, "node_modules", "next", "dist", "bin", "next"), "build"], {
      cwd: app,
      env,
      encoding: "utf8",
      timeout: 480_000,
    });
    const output = `${build.stdout}\n${build.stderr}`;
    expect(build.status, output).toBe(0);
    expect(output).toMatch(/\/api\/s3edge/);
    const page = readFileSync(join(app, ".next", "server", "app", "index.html"), "utf8");
    expect(page).toContain("Upload to S3");
  }, 600_000);
});
