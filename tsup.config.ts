import { defineConfig } from "tsup";

/**
 * Builds:
 * - ESM + CJS + .d.ts for the client (`.`), its Node wiring (`node` condition),
 *   `./server` and `./react`;
 * - `s3edge.global.js`: a minified IIFE for a <script> tag, global `S3Edge`, ky bundled in.
 */
export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      node: "src/node.ts",
      server: "src/server.ts",
      react: "src/react.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    platform: "neutral",
    splitting: true,
    treeshake: true,
    external: ["react", /^@aws-sdk\//, /^@smithy\//, /^node:/],
  },
  {
    entry: { "s3edge.global": "src/global.ts" },
    format: ["iife"],
    globalName: "S3Edge",
    minify: true,
    sourcemap: true,
    target: "es2020",
    platform: "browser",
    noExternal: ["ky"],
    outExtension: () => ({ js: ".js" }),
  },
]);
