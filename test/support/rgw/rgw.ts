/**
 * `startRgw()`: Ceph RGW 16.2 (a production S3 that verifies SigV4 for real) on loopback, with a
 * user and a bucket set up as an application's would be: CORS exposing ETag, public-read policy.
 * Cold start takes tens of seconds: start it once per run (see ./global-setup.ts). README.md beside
 * this file says what RGW does differently from AWS and from the s3rver fixture.
 */
import { randomUUID } from "node:crypto";

import { createTestBucket } from "./bucket.js";
import { startCluster, type Cluster, type ClusterOptions } from "./cluster.js";

/** Options of {@link startRgw}. */
export interface StartRgwOptions extends ClusterOptions {
  /** Bucket created at start. Default "s3edge-test". */
  bucket?: string;
}

/** A running RGW. */
export interface Rgw {
  /** `http://127.0.0.1:<port>`: path-style S3 endpoint. */
  endpoint: string;
  bucket: string;
  /** RGW takes any region name in SigV4; the tests use AWS's default. */
  region: "us-east-1";
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Ceph version, e.g. "16.2.15". */
  version: string;
  /** Kills radosgw (SIGKILL) and starts it again on the same port; objects and uploads survive. */
  restartGateway(): Promise<void>;
  /** Stops every daemon and removes the temp dir. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts a one-node Ceph with a gateway, a user and a bucket. Tries a second time if the first start fails (a port taken meanwhile). */
export async function startRgw(options: StartRgwOptions = {}): Promise<Rgw> {
  const bucket = options.bucket ?? "s3edge-test";
  let cluster: Cluster;
  try {
    cluster = await startCluster(options);
  } catch (first) {
    try {
      cluster = await startCluster(options);
    } catch (second) {
      throw new Error(`Ceph RGW did not start twice.\nFirst: ${String(first)}\nSecond: ${String(second)}`);
    }
  }
  try {
    // Fresh random keys per run: nothing outside this run can use the gateway.
    const credentials = {
      accessKeyId: `S3EDGE${randomUUID().replace(/-/g, "").slice(0, 14).toUpperCase()}`,
      secretAccessKey: randomUUID().replace(/-/g, "") + randomUUID().replace(/-/g, "").slice(0, 8),
    };
    await cluster.admin([
      "user",
      "create",
      "--uid=s3edge",
      "--display-name=s3edge tests",
      `--access-key=${credentials.accessKeyId}`,
      `--secret-key=${credentials.secretAccessKey}`,
    ]);
    const region = "us-east-1";
    await createTestBucket({ endpoint: cluster.endpoint, region, credentials }, bucket);
    return {
      endpoint: cluster.endpoint,
      bucket,
      region,
      credentials,
      version: cluster.version,
      restartGateway: () => cluster.restartGateway(),
      close: () => cluster.close(),
    };
  } catch (error) {
    await cluster.close();
    throw error;
  }
}
