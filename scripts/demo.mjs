#!/usr/bin/env node
/**
 * `npm run demo`: the whole product on one machine. Builds s3edge, then starts
 * an embedded S3-compatible server (s3rver behind the test fixture's SigV4
 * front), a real nginx caching proxy as the CDN edge, and the example app of
 * examples/demo (signing endpoint + a page that uploads and displays images
 * through the CDN with S3 fallback). The app's TypeScript is bundled with
 * esbuild into .tmp/ and run with this Node.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForNode, quietAwsSdk } from "./lib/bundle-node.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const step = (cmd, args) => {
  const { status } = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (status !== 0) process.exit(status ?? 1);
};

step(process.execPath, ["scripts/ensure-system-deps.mjs"]);
step("npm", ["run", "build", "--silent"]);
const outfile = join(root, ".tmp", "demo", "server.mjs");
await bundleForNode({ entryPoints: [join(root, "examples", "demo", "server.ts")], outfile });
Object.assign(process.env, { ...quietAwsSdk, ...process.env });
await import(outfile);
