/**
 * The test app (test/support/app.ts: the real signer behind `toNodeHandler`) over any
 * {@link Target}, with keys kept under one prefix per suite so that suites sharing the run-wide
 * RGW bucket never see each other's objects or uploads.
 */
import { randomUUID } from "node:crypto";

import type { SignerOptions } from "../../src/server.js";
import { startApp, type TestApp } from "./app.js";
import type { Target } from "./targets.js";

const MiB = 1024 * 1024;

/**
 * An app signing for `target`: keys `<prefix>/<uuid>/<filename as given>` (the uuid is the create's request key when it has one) (the filename is not
 * sanitised, so key encoding is exercised), 5 MiB parts from 5 MiB on, unless `overrides` say.
 */
export function startTargetApp(
  target: Target,
  prefix: string,
  overrides: Partial<SignerOptions> = {},
): Promise<TestApp> {
  return startApp(
    { endpoint: target.endpoint, bucket: target.bucket, region: target.region, credentials: target.credentials },
    {
      keyPolicy: (input) => `${prefix}/${input.requestKey ?? randomUUID()}/${input.filename}`,
      limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB },
      ...overrides,
    },
  );
}

/** A key prefix unique to this run of a suite (S3 keys are case-sensitive; keep it lowercase ASCII). */
export function uniquePrefix(suite: string): string {
  return `${suite}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}
