/**
 * Bundle TypeScript entry points (which may import src/ and test/support/) for
 * this Node with esbuild, dependencies left external. Used by `npm run demo`
 * and `npm run bench`, which run TypeScript without a TypeScript loader.
 */
import { build } from "esbuild";

/** `entryPoints` as esbuild takes them; `outdir` or `outfile` says where the ESM output goes. */
export function bundleForNode({ entryPoints, outdir, outfile }) {
  return build({
    entryPoints,
    ...(outdir ? { outdir } : { outfile }),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "inline",
    logLevel: "warning",
  });
}

/** Environment for child processes: without the AWS SDK's "Node >= 22 from 2027" notice. */
export const quietAwsSdk = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
