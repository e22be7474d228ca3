/**
 * An SDK client for the run-wide S3 fixture as tests receive it (`inject("s3")`): path-style, without
 * the SDK's default checksums (TESTING.md). Destroy it when done.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { s3ClientFor } from "../rgw/bucket.js";

/** The fixture's address and credentials, as global setup provides them. */
export interface FixtureAccess {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A path-style client of the fixture described by `info`. */
export function fixtureClient(info: FixtureAccess): S3Client {
  const { endpoint, region, accessKeyId, secretAccessKey } = info;
  return s3ClientFor({ endpoint, region, credentials: { accessKeyId, secretAccessKey } });
}
