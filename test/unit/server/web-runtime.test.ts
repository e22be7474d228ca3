/**
 * `s3edge/server` must load in Web runtimes (Workers, Deno): no module of it
 * imports a Node built-in at the top level (type-only imports are erased), and
 * the only runtime `node:` import is the lazy one of `upload` for file paths.
 * It must also load without its optional AWS packages: those are imported as
 * types at the top and loaded with `import()` (in sdk.ts) on first use.
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../../src");

async function serverFiles(): Promise<string[]> {
  const entries = await readdir(join(root, "server"), { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && e.name.endsWith(".ts")).map((e) => join(e.parentPath, e.name));
  return [join(root, "server.ts"), ...files];
}

describe("s3edge/server in Web runtimes", () => {
  it("has no top-level runtime import of a Node built-in", async () => {
    const offenders: string[] = [];
    for (const file of await serverFiles()) {
      const source = await readFile(file, "utf8");
      for (const line of source.split("\n")) {
        if (/^\s*(import|export)\s(?!type\b).*from\s+["'](node:|fs|http|crypto|path|stream)["'/]/.test(line)) {
          offenders.push(`${file}: ${line.trim()}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it("opens file paths with a lazy import only, and loads the AWS packages lazily in one place", async () => {
    const dynamic: string[] = [];
    for (const file of await serverFiles()) {
      const source = await readFile(file, "utf8");
      for (const match of source.matchAll(/import\(\s*(?:\/\*[^*]*\*\/\s*)*["']([^"']+)["']\s*\)/g))
        dynamic.push(`${file.slice(root.length + 1)}: ${match[1]!}`);
    }
    expect([...new Set(dynamic)].sort()).toEqual([
      "server/sdk.ts: @aws-sdk/client-s3",
      "server/sdk.ts: @aws-sdk/lib-storage",
      "server/sdk.ts: @aws-sdk/s3-request-presigner",
      "server/sdk.ts: @smithy/signature-v4",
      "server/upload.ts: node:fs",
    ]);
  });

  it("has no top-level runtime import of an optional AWS package", async () => {
    const offenders: string[] = [];
    for (const file of await serverFiles()) {
      const source = await readFile(file, "utf8");
      for (const line of source.split("\n")) {
        if (/^\s*(import|export)\s(?!type\b).*from\s+["']@(aws-sdk|smithy)\//.test(line))
          offenders.push(`${file}: ${line.trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
