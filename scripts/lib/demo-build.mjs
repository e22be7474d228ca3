/**
 * Builds what `npm run demo` serves, in a few seconds and without tsup: the React
 * page of examples/demo/app with Vite's build API (one production bundle, no dev
 * server; `s3edge`, `s3edge/react`, `s3edge/dom` and `s3edge/sw` resolve to the package's
 * entry modules in src/), the service worker script from the entry that makes
 * dist/s3edge-sw.js (same esbuild options), and the demo server bundled for this Node.
 */
import { join } from "node:path";
import { build as esbuild } from "esbuild";
import { bundleForNode } from "./bundle-node.mjs";

/** Bundle examples/demo/app into `outDir` with Vite; `s3edge` resolves to the package's entries (src/). */
export async function buildApp(root, outDir) {
  const { build } = await import("vite");
  const src = join(root, "src");
  await build({
    root: join(root, "examples", "demo", "app"),
    base: "/",
    configFile: false,
    logLevel: "warn",
    resolve: {
      alias: [
        { find: /^s3edge$/, replacement: join(src, "index.ts") },
        { find: /^s3edge\/react$/, replacement: join(src, "react.ts") },
        { find: /^s3edge\/dom$/, replacement: join(src, "dom.ts") },
        { find: /^s3edge\/sw$/, replacement: join(src, "sw.ts") },
      ],
    },
    build: {
      outDir,
      emptyOutDir: true,
      sourcemap: true,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 1500,
      rolldownOptions: { checks: { pluginTimings: false } },
    },
  });
}

/** Bundle the demo server (TypeScript importing src/ and test/support/) into `outfile`. */
export function buildServer(root, outfile) {
  return bundleForNode({ entryPoints: [join(root, "examples", "demo", "server.ts")], outfile });
}

/** The ready-made service worker (what tsup writes to dist/s3edge-sw.js) into `outfile`. */
export function buildWorker(root, outfile) {
  return esbuild({
    entryPoints: [join(root, "src", "sw.global.ts")],
    outfile,
    bundle: true,
    format: "iife",
    globalName: "S3Edge",
    minify: true,
    target: "es2020",
    platform: "browser",
    logLevel: "warning",
  });
}
