/**
 * Two copies of s3edge in one process (the ESM build imported by the app, the CJS build
 * required by a dependency; or the `<script>` build beside a bundle): an error thrown by one
 * copy is recognised by the other copy's `isS3EdgeError`, with its code, although `instanceof`
 * cannot hold across copies. Loads the built files; needs `npm run build`.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { afterAll, describe, expect, it } from "vitest";

import { requireBuilt } from "./paths.js";

type Client = typeof import("../../src/index.js");

const requireHere = createRequire(import.meta.url);
const load = {
  cjs: (name: string) => requireHere(requireBuilt(name)) as Client,
  esm: async (name: string) => (await import(pathToFileURL(requireBuilt(name)).href)) as Client,
};

/** What `copy` throws for an empty key (an InvalidKey error). */
function thrownBy(copy: Client): unknown {
  try {
    copy.assertValidKey("");
  } catch (error) {
    return error;
  }
  throw new Error("assertValidKey('') did not throw");
}

function expectRecognisedAcross(a: Client, b: Client): void {
  // Really two copies: distinct classes, so only the brand can recognise the other's errors.
  expect(a.S3EdgeError).not.toBe(b.S3EdgeError);
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const error = thrownBy(from);
    expect(error).not.toBeInstanceOf(to.S3EdgeError);
    expect(to.isS3EdgeError(error)).toBe(true);
    expect(to.isS3EdgeError(error, "InvalidKey")).toBe(true);
    expect(to.isS3EdgeError(error, "InvalidConfig")).toBe(false);
    const config = new from.ConfigError("partSize", "partSize must be at least 5 MiB");
    expect(to.isS3EdgeError(config, "InvalidConfig")).toBe(true);
  }
  // A look-alike without the brand is not an s3edge error.
  const lookalike = Object.assign(new Error("x"), { name: "S3EdgeError", code: "InvalidKey" });
  expect(a.isS3EdgeError(lookalike)).toBe(false);
  expect(b.isS3EdgeError(lookalike)).toBe(false);
}

describe("isS3EdgeError across copies of the library", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("the browser entry: dist/index.cjs (require) and dist/index.js (import)", async () => {
    expectRecognisedAcross(load.cjs("index.cjs"), await load.esm("index.js"));
  });

  it("the Node entry: dist/node.cjs (require) and dist/node.js (import)", async () => {
    expectRecognisedAcross(load.cjs("node.cjs"), await load.esm("node.js"));
  });

  it("the <script> build (required from a CommonJS copy) and the ESM build", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3edge-dual-"));
    dirs.push(dir);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "commonjs" }));
    copyFileSync(requireBuilt("s3edge.global.js"), join(dir, "s3edge.global.js"));
    const global = createRequire(join(dir, "index.js"))("./s3edge.global.js") as Client;
    expectRecognisedAcross(global, await load.esm("index.js"));
  });
});
