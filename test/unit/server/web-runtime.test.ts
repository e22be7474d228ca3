/**
 * `s3edge/server` must load in Web runtimes (Workers, Deno): no module of it
 * imports a Node built-in at the top level (type-only imports are erased), and
 * the only runtime `node:` import is the lazy one of `upload` for file paths.
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

  it("opens file paths with a lazy import only", async () => {
    const dynamic: string[] = [];
    for (const file of await serverFiles()) {
      const source = await readFile(file, "utf8");
      for (const match of source.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) dynamic.push(match[1]!);
    }
    expect([...new Set(dynamic)]).toEqual(["node:fs"]);
  });
});
