/**
 * The layer rules of docs/ARCHITECTURE.md, checked on every import of src/ (static, dynamic,
 * `export ... from`, type-only and `require`), as TypeScript's own pre-processor reads them:
 * - client code (all of src/ but the Node-only and server code listed in NODE_ONLY) never
 *   imports Node built-ins, `@aws-sdk/*` or `@smithy/*`, nor the Node-only and server code that
 *   does (Node-only client code sits in `src/upload/node/`);
 * - `src/core/` imports only `src/core/` (pure, no packages);
 * - `src/delivery/` does not import `src/upload/` (what both need sits in core or endpoint).
 */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";

import ts from "typescript";
import { describe, expect, it } from "vitest";

import { ROOT } from "./paths.js";

const SRC = join(ROOT, "src");

/**
 * Node-only (or server) code, relative to src/: allowed Node built-ins and the AWS SDK. Everything
 * else in src/ is client code (core, endpoint, upload, delivery, browser, dom, sw, react and their
 * entries), so a new folder is held to the client rules until it is listed here.
 */
const NODE_ONLY = ["upload/node/", "server/", "server.ts", "node.ts", "node-only.ts"];

interface Import {
  /** The importing file, relative to src/ with forward slashes. */
  file: string;
  specifier: string;
  /** For relative specifiers: the imported file relative to src/, as its `.ts` source (`x.js` -> `x.ts`). */
  target?: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return /\.(ts|tsx|mts|cts)$/.test(entry.name) ? [path] : [];
  });
}

const posix = (path: string) => path.split(sep).join("/");
const within = (path: string, areas: readonly string[]) =>
  areas.some((a) => (a.endsWith("/") ? path.startsWith(a) : path === a));
const isClient = (path: string) => !within(path, NODE_ONLY);

function importsOf(path: string): Import[] {
  const info = ts.preProcessFile(readFileSync(path, "utf8"), true, true);
  const file = posix(relative(SRC, path));
  return info.importedFiles.map(({ fileName: specifier }) =>
    specifier.startsWith(".")
      ? {
          file,
          specifier,
          target: posix(relative(SRC, resolve(dirname(path), specifier))).replace(/\.(m|c)?js$/, ".ts"),
        }
      : { file, specifier },
  );
}

const imports = filesUnder(SRC).flatMap(importsOf);
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split("/")[0] as string]));
const show = (list: Import[]) => list.map((i) => `${i.file} imports "${i.specifier}"`);

describe("layer boundaries of src/", () => {
  it("reads the imports of src/ (the checks below are not vacuous)", () => {
    expect(imports.some((i) => i.file.startsWith("core/") && i.target?.startsWith("core/"))).toBe(true);
    expect(imports.some((i) => i.file.startsWith("server/") && i.specifier.startsWith("@aws-sdk/"))).toBe(true);
    expect(imports.some((i) => i.file.startsWith("upload/node/") && i.specifier.startsWith("node:"))).toBe(true);
  });

  it("client code imports no Node built-in, @aws-sdk/* or @smithy/*", () => {
    const bad = imports.filter(
      (i) =>
        isClient(i.file) &&
        (i.specifier.startsWith("node:") ||
          NODE_BUILTINS.has(i.specifier.split("/")[0] as string) ||
          /^@(aws-sdk|smithy)\//.test(i.specifier)),
    );
    expect(show(bad)).toEqual([]);
  });

  it("client code imports neither src/upload/node/ nor src/server/", () => {
    const bad = imports.filter((i) => isClient(i.file) && i.target !== undefined && within(i.target, NODE_ONLY));
    expect(show(bad)).toEqual([]);
  });

  it("src/core/ imports only src/core/", () => {
    const bad = imports.filter((i) => i.file.startsWith("core/") && !i.target?.startsWith("core/"));
    expect(show(bad)).toEqual([]);
  });

  it("src/delivery/ does not import src/upload/", () => {
    const bad = imports.filter((i) => i.file.startsWith("delivery/") && i.target?.startsWith("upload/"));
    expect(show(bad)).toEqual([]);
  });
});
