import { defineConfig } from "vitest/config";

/**
 * Three projects, run together by `npm test`:
 * - unit: pure code and msw-mocked error paths; no servers.
 * - integration: against the real S3 fixture (s3rver + verifying front) and a real nginx edge.
 * - browser: headless Chromium (Debian's) driven by playwright-core against the same servers.
 * - packaging: the built and packed package as users get it (UMD in Chromium and Node, ESM + CJS
 *   side by side, types under Node-only tsconfigs, the README's snippets, a framework build);
 *   needs `npm run build` first.
 * - reliability: the fault suite (test/reliability/: fault proxy between client, edge and S3;
 *   upload and delivery scenarios; the soak only with S3EDGE_SOAK=1). `npm run test:reliability`.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/unit/**/*.test.tsx"],
          environment: "node",
          // No test asserts time: the timeout only ends a hung test. Some unit tests move tens of
          // MiB through msw or the S3 fixture, and a shared 2-core machine can be 8x slower than idle.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          // rgw/global-setup starts Ceph RGW only when a suite asks for it (test/integration/rgw-*).
          globalSetup: ["test/support/global-setup.ts", "test/support/rgw/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          // One Chromium at a time: the machines have two cores.
          fileParallelism: false,
          // A real browser on a shared 2-core machine: one more try for a test that failed, never a
          // looser assertion (seen once under a load average of 15: a <video> seek in sw.test.ts
          // served from Chromium's media buffer, so no S3 range was requested).
          retry: 1,
        },
      },
      {
        test: {
          name: "packaging",
          include: ["test/packaging/**/*.test.ts", "test/docs/**/*.test.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // tsc, Chromium and framework builds: one file at a time on two cores.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "reliability",
          include: ["test/reliability/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/rgw/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          // Fault scenarios share two cores: one file at a time, after the other projects (groupOrder)
          // so that restarting the shared RGW gateway never disturbs another suite.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
