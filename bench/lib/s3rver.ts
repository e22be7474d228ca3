/**
 * Plain s3rver 3.7.1, started directly as TESTING.md describes (no verifying
 * front): the "real S3 server" target of the throughput bench.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import S3rver from "s3rver";

/** The parts of s3rver's API the bench uses beyond the shared typings. */
interface RunnableS3rver {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}

/** A running s3rver. */
export interface PlainS3rver {
  url: string;
  bucket: string;
  directory: string;
  close(): Promise<void>;
}

/** Credentials s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** Start s3rver on 127.0.0.1 with one bucket, in a fresh temp dir. */
export async function startPlainS3rver(bucket: string): Promise<PlainS3rver> {
  const directory = await mkdtemp(join(tmpdir(), "s3edge-bench-s3rver-"));
  const srv = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  } as ConstructorParameters<typeof S3rver>[0]) as unknown as RunnableS3rver;
  const { port } = await srv.run();
  return {
    url: `http://127.0.0.1:${port}`,
    bucket,
    directory,
    async close() {
      srv.httpServer?.closeAllConnections();
      await srv.close().catch(() => undefined);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
