/**
 * The published types compile in a Node-only project: `lib: ["es2022"]` (no DOM), `types:
 * ["node"]`, `skipLibCheck: false` (every .d.ts of s3edge and of what it references is
 * checked), strict, under `moduleResolution` node16 (ESM and CJS files) and bundler. The
 * project imports `s3edge`, `s3edge/server` and `s3edge/node` from the packed tarball;
 * TypeScript is this repository's. Needs `npm run build`.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ROOT } from "./paths.js";
import { type Consumer, createConsumer } from "./tarball.js";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

const COMPILER = {
  target: "es2022",
  lib: ["es2022"],
  types: ["node"],
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: false,
  noEmit: true,
};

/** Uses each entry the way a Node app does; imports are written per module system below. */
const BODY = `
const uploader = createUploader({ endpoint: "https://app.example.com/api/s3edge", store: fileStore(), transport: nodeHttpTransport() });
export const where: string = defaultCacheDir();
export async function send(path: string): Promise<string> {
  try {
    const { key } = await uploader.upload(path);
    return key;
  } catch (error) {
    if (isS3EdgeError(error)) return error.code;
    throw error;
  }
}
export const handler: (request: Request) => Promise<Response> = handleS3Edge(
  createSigner({
    s3: { region: "eu-west-1" },
    bucket: "my-uploads",
    tokenSecret: "x".repeat(32),
    authorize: (request) => (request.headers.get("authorization") ? { id: "u1" } : null),
  }),
);
`;

const IMPORTS = {
  esm: `import { createUploader, isS3EdgeError } from "s3edge";
import { createSigner, handleS3Edge } from "s3edge/server";
import { defaultCacheDir, fileStore, nodeHttpTransport } from "s3edge/node";`,
  cjs: `import s3edge = require("s3edge");
import server = require("s3edge/server");
import node = require("s3edge/node");
const { createUploader, isS3EdgeError } = s3edge;
const { createSigner, handleS3Edge } = server;
const { defaultCacheDir, fileStore, nodeHttpTransport } = node;`,
};

function tsc(consumer: Consumer, project: string): string {
  try {
    execFileSync(process.execPath, [TSC, "-p", project], { cwd: consumer.dir, encoding: "utf8", stdio: "pipe" });
    return "";
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ""}${e.stderr ?? ""}`.trim() || String(error);
  }
}

describe("published types in a Node-only TypeScript project (no DOM lib, skipLibCheck off)", () => {
  let consumer: Consumer;

  beforeAll(() => {
    consumer = createConsumer({ prefix: "s3edge-types-", links: ["ky", "@aws-sdk", "@smithy", "@types"] });
    consumer.write({
      "esm.mts": `${IMPORTS.esm}\n${BODY}`,
      "cjs.cts": `${IMPORTS.cjs}\n${BODY}`,
      "bundler.ts": `${IMPORTS.esm}\n${BODY}`,
      "tsconfig.node16.json": JSON.stringify({
        compilerOptions: { ...COMPILER, module: "node16", moduleResolution: "node16" },
        files: ["esm.mts", "cjs.cts"],
      }),
      "tsconfig.bundler.json": JSON.stringify({
        compilerOptions: { ...COMPILER, module: "esnext", moduleResolution: "bundler" },
        files: ["bundler.ts"],
      }),
    });
  });
  afterAll(() => consumer?.remove());

  it('moduleResolution "node16": an ESM file and a CommonJS file compile', () => {
    expect(tsc(consumer, "tsconfig.node16.json")).toBe("");
  });

  it('moduleResolution "bundler": compiles, s3edge/node included', () => {
    expect(tsc(consumer, "tsconfig.bundler.json")).toBe("");
  });

  it("the checks are not vacuous: a misuse of the published types fails", () => {
    consumer.write({
      "wrong.mts": `import { createUploader } from "s3edge";\ncreateUploader({ endpoint: 42 });\n`,
      "tsconfig.wrong.json": JSON.stringify({
        // skipLibCheck on: this one only needs s3edge's types to be read, not all of them checked.
        compilerOptions: { ...COMPILER, module: "node16", moduleResolution: "node16", skipLibCheck: true },
        files: ["wrong.mts"],
      }),
    });
    expect(tsc(consumer, "tsconfig.wrong.json")).toMatch(/error TS2322/);
  });
});
