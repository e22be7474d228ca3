/**
 * Case 5: bundle size. Minified + gzipped (gzip -9) size of s3edge's browser
 * entries and of the peers, each bundled the same way with esbuild
 * (`--bundle --minify --format=esm --platform=browser`), plus the `<script>`
 * build as tsup writes it to dist/.
 */
import { existsSync, readFileSync, statSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

import { build } from "esbuild";

import type { BenchContext, CaseResult, Goal } from "../lib/context.js";
import { fixed } from "../lib/stats.js";
import type { Table } from "../lib/table.js";

interface Entry {
  id: string;
  label: string;
  /** ESM source bundled from the repository root. */
  source?: string;
  /** A file measured as it is (already minified). */
  file?: string;
  external?: string[];
  format?: "esm" | "iife";
  peer?: boolean;
}

interface Size {
  id: string;
  label: string;
  minified: number;
  gzip: number;
  note?: string;
}

const gz = (bytes: Uint8Array): number => gzipSync(bytes, { level: 9 }).byteLength;
const kb = (bytes: number): string => fixed(bytes / 1000, 1);

async function bundle(root: string, entry: Entry): Promise<Uint8Array> {
  if (entry.file) return readFileSync(join(root, entry.file));
  const result = await build({
    stdin: { contents: entry.source as string, resolveDir: root, loader: "ts", sourcefile: `${entry.id}.ts` },
    bundle: true,
    minify: true,
    format: entry.format ?? "esm",
    platform: "browser",
    write: false,
    external: entry.external ?? [],
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error(`bundle ${entry.id}: no output`);
  return out.contents;
}

/** Newest modification time under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    latest = Math.max(latest, name.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Run the bundle-size case. */
export async function runBundle(ctx: BenchContext): Promise<CaseResult> {
  const root = ctx.root;
  // Is createEdge exported by the client entry yet? (esbuild refuses a missing export.)
  const clientHasEdge = await bundle(root, {
    id: "probe",
    label: "probe",
    source: `export { createEdge } from "./src/index.ts";`,
  }).then(
    () => true,
    () => false,
  );
  const edgeFrom = clientHasEdge ? "./src/index.ts" : "./src/delivery/index.ts";
  const entries: Entry[] = [
    {
      id: "client",
      label: "s3edge client: createUploader + createEdge (ky included)",
      source: `export { createUploader } from "./src/index.ts";\nexport { createEdge } from "${edgeFrom}";`,
    },
    {
      id: "client-uploader",
      label: "s3edge client: createUploader only",
      source: `export { createUploader } from "./src/index.ts";`,
    },
    { id: "client-edge", label: "s3edge client: createEdge only", source: `export { createEdge } from "${edgeFrom}";` },
    { id: "client-all", label: "s3edge client: whole src/index.ts", source: `export * from "./src/index.ts";` },
    {
      id: "client-all-noky",
      label: "s3edge client: whole src/index.ts, ky left out (external)",
      source: `export * from "./src/index.ts";`,
      external: ["ky"],
    },
    {
      id: "react",
      label: "s3edge/react: whole src/react.ts (react external)",
      source: `export * from "./src/react.ts";`,
      external: ["react", "react-dom", "react/jsx-runtime"],
    },
    {
      id: "global-dist",
      label: "<script> build: dist/s3edge.global.js (tsup, as shipped)",
      file: "dist/s3edge.global.js",
    },
    { id: "ky", label: "ky (reference: s3edge bundles it)", source: `export { default } from "ky";` },
    {
      id: "uppy",
      label: "@uppy/core + @uppy/aws-s3",
      source: `export { default as Uppy } from "@uppy/core";\nexport { default as AwsS3 } from "@uppy/aws-s3";`,
      peer: true,
    },
    { id: "tus", label: "tus-js-client (browser build)", source: `export * from "tus-js-client";`, peer: true },
    { id: "evaporate", label: "evaporate", source: `export { default } from "evaporate";`, peer: true },
    {
      id: "aws",
      label: "@aws-sdk/lib-storage + @aws-sdk/client-s3",
      source: `export { Upload } from "@aws-sdk/lib-storage";\nexport { S3Client } from "@aws-sdk/client-s3";`,
      peer: true,
    },
  ];
  const sizes: Size[] = [];
  const failures: string[] = [];
  for (const entry of entries) {
    if (entry.file && !existsSync(join(root, entry.file))) {
      failures.push(`${entry.label}: ${entry.file} missing (run npm run build)`);
      continue;
    }
    try {
      const bytes = await bundle(root, entry);
      const size: Size = { id: entry.id, label: entry.label, minified: bytes.byteLength, gzip: gz(bytes) };
      if (entry.file) {
        const stale = statSync(join(root, entry.file)).mtimeMs < newest(join(root, "src"));
        if (stale) size.note = "older than src/: run npm run build";
      }
      sizes.push(size);
      ctx.progress(`bundle ${entry.id}: ${kb(size.gzip)} KB gzip`);
    } catch (error) {
      failures.push(`${entry.label}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    }
  }
  const client = sizes.find((s) => s.id === "client");
  const peers = sizes.filter((s) => entries.find((e) => e.id === s.id)?.peer);
  const goals: Goal[] = [];
  const whole = sizes.find((s) => s.id === "client-all");
  if (whole) {
    // The goal named in .size-limit.json ("whole entry ... goal 10 KB").
    goals.push({
      name: "whole client entry (src/index.ts), gzip",
      target: "<= 10 KB",
      value: `${kb(whole.gzip)} KB`,
      ok: whole.gzip <= 10_000,
    });
  }
  const rows = sizes.map((s) => {
    const peer = peers.includes(s);
    const ratio = peer && client ? client.gzip / s.gzip : undefined;
    return [
      s.label + (s.note ? ` (${s.note})` : ""),
      kb(s.minified),
      kb(s.gzip),
      ratio === undefined ? "" : `${fixed(ratio, 2)}x`,
    ];
  });
  // Budgets to suggest for .size-limit.json: measured gzip + 10%, rounded up to 0.5 KB.
  const suggest = (id: string): string => {
    const s = sizes.find((x) => x.id === id);
    return s ? `${(Math.ceil((s.gzip * 1.1) / 500) * 0.5).toFixed(1)} KB` : "n/a";
  };
  const table: Table = {
    title: "Bundle size (KB = 1000 bytes; esbuild --bundle --minify --format=esm --platform=browser, gzip -9)",
    columns: ["bundle", "minified KB", "gzip KB", "s3edge client / this"],
    rows,
    notes: [
      clientHasEdge
        ? "createEdge is imported from src/index.ts."
        : "createEdge is not exported from src/client.ts yet: it is bundled from src/delivery/index.ts.",
      "Peers are measured with the same esbuild settings (tus-js-client resolves to its browser build through the package's browser field).",
      `Suggested .size-limit.json budgets (measured + 10%): createUploader ${suggest("client-uploader")}, whole client ${suggest("client-all")}, react ${suggest("react")}, global ${suggest("global-dist")} (size-limit bundles dist/ itself, so its figures differ slightly).`,
      ...failures.map((f) => `not measured: ${f}`),
    ],
  };
  return { tables: [table], goals, data: { sizes, failures, clientHasEdge } };
}
