#!/usr/bin/env node
/**
 * `npm run demo`: the whole product on one machine. Builds the React page
 * (Vite), the service worker and the server (esbuild), then starts an embedded S3 (s3rver behind
 * the test fixture's SigV4 front) 150 ms away, a real nginx caching proxy as the
 * CDN 20 ms away, and the demo server, and prints one URL. Ctrl-C stops all of it.
 *
 * Environment: PORT (default 3000), S3EDGE_DEMO_CDN_RTT_MS, S3EDGE_DEMO_S3_RTT_MS.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { quietAwsSdk } from "./lib/bundle-node.mjs";
import { buildApp, buildServer, buildWorker } from "./lib/demo-build.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const startedAt = String(Date.now());
const deps = spawnSync(process.execPath, ["scripts/ensure-system-deps.mjs"], { cwd: root, stdio: "inherit" });
if (deps.status !== 0) process.exit(deps.status ?? 1);
const appDir = join(root, ".tmp", "demo", "app");
const outfile = join(root, ".tmp", "demo", "server.mjs");
await buildApp(root, appDir);
await Promise.all([buildServer(root, outfile), buildWorker(root, join(appDir, "s3edge-sw.js"))]);
Object.assign(process.env, { ...quietAwsSdk, ...process.env, DEMO_APP_DIR: appDir, DEMO_STARTED_AT: startedAt });
await import(outfile);
