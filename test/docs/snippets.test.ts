/**
 * Every ```ts and ```tsx block of README.md and docs/*.md compiles under the project's strict
 * settings (tsconfig.json, with its `s3edge*` path mappings onto src/), so the docs stay true
 * when the API changes. Each block is its own module; what a block takes from the reader's
 * app (an `<input>`, their auth, an earlier block's `signer`) is declared in prelude.d.ts.
 * A block that is deliberately not code (a shape, an excerpt) is preceded by a line
 * `<!-- snippet: skip (why) -->`.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

import { ROOT } from "../packaging/paths.js";

interface Snippet {
  /** e.g. "README.md:72" (the line of the opening fence). */
  where: string;
  file: string;
  line: number;
  lang: "ts" | "tsx";
  code: string;
  skip: boolean;
}

const SKIP = /^<!--\s*snippet:\s*skip\b.*-->\s*$/;

/** The ```ts / ```tsx blocks of a Markdown file. */
function extractSnippets(file: string, text: string): Snippet[] {
  const lines = text.split("\n");
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|tsx)\s*$/.exec(lines[i] ?? "");
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end === -1) throw new Error(`${file}:${i + 1}: unclosed code block`);
    const before =
      lines
        .slice(0, i)
        .reverse()
        .find((l) => l.trim() !== "") ?? "";
    snippets.push({
      where: `${file}:${i + 1}`,
      file,
      line: i + 1,
      lang: open[1] as "ts" | "tsx",
      code: lines.slice(i + 1, end).join("\n"),
      skip: SKIP.test(before.trim()),
    });
    i = end;
  }
  return snippets;
}

const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const snippets = DOCS.flatMap((file) => extractSnippets(file, readFileSync(join(ROOT, file), "utf8")));
const checked = snippets.filter((s) => !s.skip);
const WORK = join(ROOT, ".tmp", "snippets");
const nameOf = (s: Snippet) => `${s.file.replace(/[^a-z0-9]+/gi, "-")}-${s.line}.${s.lang}`;

/** The repository's tsconfig with its paths made absolute, plus `s3edge/node` when missing. */
function compilerOptions(): Record<string, unknown> {
  const tsconfig = JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8")) as {
    compilerOptions: Record<string, unknown> & { paths?: Record<string, string[]> };
  };
  const paths: Record<string, string[]> = { "s3edge/node": ["./src/node-only.ts"], ...tsconfig.compilerOptions.paths };
  return {
    ...tsconfig.compilerOptions,
    paths: Object.fromEntries(Object.entries(paths).map(([k, v]) => [k, v.map((p) => resolve(ROOT, p))])),
    noEmit: true,
    incremental: false,
  };
}

describe("TypeScript blocks of README.md and docs/*.md", () => {
  const errors = new Map<string, string[]>();

  beforeAll(() => {
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(WORK, { recursive: true });
    for (const s of checked) writeFileSync(join(WORK, nameOf(s)), `${s.code}\nexport {};\n`);
    writeFileSync(join(WORK, "prelude.d.ts"), readFileSync(join(ROOT, "test", "docs", "prelude.d.ts")));
    const config = ts.parseJsonConfigFileContent(
      { compilerOptions: compilerOptions(), files: ["prelude.d.ts", ...checked.map(nameOf)] },
      ts.sys,
      WORK,
    );
    expect(config.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
    const program = ts.createProgram(config.fileNames, config.options);
    // Per file, syntax and types: a syntax error in one block does not hide type errors in others.
    for (const s of checked) {
      const source = program.getSourceFile(join(WORK, nameOf(s)));
      if (source === undefined) throw new Error(`${s.where}: not in the program`);
      const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      errors.set(
        s.where,
        diagnostics.map((d) => {
          const { line, character } = source.getLineAndCharacterOfPosition(d.start ?? 0);
          const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
          return `${s.file}:${s.line + line + 1}:${character + 1} TS${d.code}: ${message}`;
        }),
      );
    }
  });

  it("finds the blocks (and only a few are skipped)", () => {
    expect(checked.length).toBeGreaterThanOrEqual(10);
    expect(snippets.filter((s) => s.skip).length).toBeLessThanOrEqual(3);
  });

  it.each(checked.map((s) => [s.where, s] as const))("%s compiles", (_where, s) => {
    expect(errors.get(s.where) ?? []).toEqual([]);
  });
});
