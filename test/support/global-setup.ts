/**
 * vitest globalSetup for the integration and browser projects: one S3 fixture for the run,
 * shared with tests as `inject("s3")` (connection facts only; tests that need request logs or
 * fault hooks start their own fixture with `startS3Fixture()`).
 */
import type { TestProject } from "vitest/node";

import { startS3Fixture } from "./s3/fixture.js";
import "./s3/types.js";

/** Starts the run-wide S3 fixture and returns its teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const s3 = await startS3Fixture();
  project.provide("s3", {
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    region: s3.region,
    accessKeyId: s3.credentials.accessKeyId,
    secretAccessKey: s3.credentials.secretAccessKey,
    directory: s3.directory,
  });
  return () => s3.close();
}
