import { defineConfig, type Options } from "tsup";

/**
 * Wraps an esbuild IIFE (`var <globalName> = (() => {...})();`) into a UMD
 * module: AMD `define` when an AMD loader is on the page, `module.exports` under
 * CommonJS (Node's `require()`), else the global `<globalName>`. Spread into a
 * `format: ["iife"]` build that sets the same `globalName`.
 */
export function umd(globalName: string): Pick<Options, "globalName" | "banner" | "footer"> {
  const root = `typeof globalThis<"u"?globalThis:typeof self<"u"?self:this`;
  return {
    globalName,
    banner: {
      js: `(function(r,f){typeof define=="function"&&define.amd?define([],f):typeof module=="object"&&module.exports?module.exports=f():r.${globalName}=f()})(${root},function(){`,
    },
    footer: { js: `return ${globalName}});` },
  };
}

/**
 * Builds:
 * - ESM + CJS + .d.ts for the client (`.`), its Node wiring (`node` condition
 *   of `.`, and `./node` for the Node-only exports), `./server` and `./react`;
 * - `s3edge.global.js`: a minified UMD for a <script> tag (global `S3Edge`),
 *   AMD loaders and `require()`, ky bundled in;
 * - `s3edge-img.global.js`: the same wrapper around `autoFallback` alone, for `<head>`;
 * - `s3edge-sw.js`: the service worker script (`registerEdgeFallback`, `workboxPlugin`, `latencyRoute`, global `S3Edge` in the worker).
 *
 * No source maps: the ESM/CJS output is not minified (stack traces already
 * point at readable code), and the maps were 1.1 MB of the 1.7 MB unpacked
 * package (see CHANGELOG 0.1.0 → Unreleased).
 */
/** A minified browser script build of one entry (`name` -> `dist/<name>.js`). */
function script(name: string, entry: string, wrap: Options, extra: Options = {}): Options {
  return {
    entry: { [name]: entry },
    format: ["iife"],
    ...wrap,
    minify: true,
    sourcemap: false,
    target: "es2020",
    platform: "browser",
    outExtension: () => ({ js: ".js" }),
    ...extra,
  };
}

export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      node: "src/node.ts",
      "node-only": "src/node-only.ts",
      server: "src/server.ts",
      react: "src/react.ts",
      dom: "src/dom.ts",
      sw: "src/sw.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: false,
    clean: true,
    target: "es2022",
    platform: "neutral",
    splitting: true,
    treeshake: true,
    external: ["react", /^@aws-sdk\//, /^@smithy\//, /^node:/],
  },
  // The script builds: minified browser files, one per entry, each its own global.
  script("s3edge.global", "src/global.ts", umd("S3Edge"), { noExternal: ["ky"] }),
  // The <head> image script: S3Edge.autoFallback, which loads the full one below without blocking.
  script("s3edge-img.global", "src/img.global.ts", umd("S3Edge")),
  // The full image fallback (global S3EdgeImages): no ky, no uploader.
  script("s3edge-img-full.global", "src/img-full.global.ts", umd("S3EdgeImages")),
  // The ready-made service worker script (importScripts or its own URL's query): no ky, no uploader.
  // ES2022 like the ESM build: private class members stay native (Chrome 84, Firefox 90, Safari 15)
  // instead of WeakMap helpers, 0.5 KB gzip less.
  script("s3edge-sw", "src/sw.global.ts", { globalName: "S3Edge" }, { target: "es2022" }),
  {
    // The `s3edge-upload` command (package.json `bin`): Node ESM with a shebang; it imports the
    // package itself ("s3edge" resolves to dist/node.js by self-reference), so nothing is duplicated.
    entry: { cli: "examples/node/upload-file.ts" },
    format: ["esm"],
    sourcemap: false,
    target: "node20",
    platform: "node",
    banner: { js: "#!/usr/bin/env node" },
    external: ["s3edge"],
  },
]);
