/**
 * S3 targets a suite can run against: the s3rver fixture (test/support/s3/) and Ceph RGW
 * (test/support/rgw/). A suite written against {@link Target} runs on both; where they differ,
 * `capabilities` says so and the suite asserts each side's documented behaviour (never a skip).
 *
 * Pick the targets with `S3EDGE_TARGETS` (comma-separated, default "s3rver,rgw").
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { GetObjectCommand, ListMultipartUploadsCommand, type S3Client } from "@aws-sdk/client-s3";

import { createTestBucket, s3ClientFor } from "./rgw/bucket.js";
import { connectRgw, restartRgwGateway } from "./rgw/connect.js";
import { startS3Fixture, type S3Fixture, type S3FixtureOptions } from "./s3/fixture.js";

/** The S3 implementations the suites know. */
export type TargetName = "s3rver" | "rgw";

/** Where a target behaves differently from AWS S3 (or from the other target). */
export interface TargetCapabilities {
  /** Verifies an `x-amz-checksum-*` sent with a PUT and echoes it in the answer (AWS does; neither target here does). */
  checksums: boolean;
  /** CompleteMultipartUpload answers the object's ETag (RGW 16.2 answers an empty `<ETag/>`). */
  completeETag: boolean;
  /** An expired presigned URL's 403 says "expired" in its message (RGW: `AccessDenied` with an empty message). */
  expiredMessage: boolean;
  /** Status of an anonymous GET of a missing key in a public-read bucket (AWS and RGW: 403; s3rver: 404). */
  missingKeyStatus: 403 | 404;
  /** CompleteMultipartUpload refuses a non-last part under 5 MiB (`EntityTooSmall`). */
  minPartSize: boolean;
  /** S3 error code of ListParts for an upload that was aborted (AWS: NoSuchUpload; RGW 16.2: NoSuchKey). */
  listPartsGoneCode: "NoSuchUpload" | "NoSuchKey";
  /** S3 error code of CompleteMultipartUpload for an upload that was aborted (AWS: NoSuchUpload; RGW 16.2: a 500 InternalError). */
  completeGoneCode: "NoSuchUpload" | "InternalError";
}

/** A running S3 target. */
export interface Target {
  name: TargetName;
  /** Human label for test titles, e.g. "Ceph RGW 16.2.15". */
  label: string;
  /** `http://127.0.0.1:<port>`: path-style endpoint. */
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  capabilities: TargetCapabilities;
  /** A path-style client (checksums only when required); destroyed by `close()`. */
  s3Client(): S3Client;
  /** Multipart uploads in progress whose key starts with `prefix` (ListMultipartUploads). */
  listUploads(prefix: string): Promise<Array<{ key: string; uploadId: string }>>;
  /** An object's bytes (GetObject), `undefined` when there is no such key. */
  getObject(key: string): Promise<Uint8Array | undefined>;
  /** Stops S3 and starts it again keeping its data; the endpoint may change (`endpoint` is updated). */
  restart(): Promise<void>;
  /** Releases what this target started (the fixture it owns, its clients). */
  close(): Promise<void>;
}

/** Targets named by `S3EDGE_TARGETS` (default both). */
export function targetNames(): TargetName[] {
  const names = (process.env["S3EDGE_TARGETS"] ?? "s3rver,rgw")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (name !== "s3rver" && name !== "rgw")
      throw new Error(`S3EDGE_TARGETS: unknown target "${name}" (known: s3rver, rgw)`);
  }
  return names as TargetName[];
}

interface Base {
  name: TargetName;
  label: string;
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  capabilities: TargetCapabilities;
  /** Restarts S3; resolves with its new endpoint (the same for RGW). */
  restart(): Promise<{ endpoint: string }>;
  release(): Promise<void>;
}

function makeTarget(base: Base): Target {
  const clients: S3Client[] = [];
  const target: Target = {
    ...base,
    s3Client() {
      const client = s3ClientFor(target);
      clients.push(client);
      return client;
    },
    async listUploads(prefix) {
      const client = target.s3Client();
      const answer = await client.send(new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: prefix }));
      return (answer.Uploads ?? []).map((u) => ({ key: u.Key ?? "", uploadId: u.UploadId ?? "" }));
    },
    async getObject(key) {
      try {
        const answer = await target.s3Client().send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
        return answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if ((error as { name?: string }).name === "NoSuchKey") return undefined;
        throw error;
      }
    },
    async restart() {
      for (const client of clients.splice(0)) client.destroy();
      target.endpoint = (await base.restart()).endpoint;
    },
    async close() {
      for (const client of clients.splice(0)) client.destroy();
      await base.release();
    },
  };
  return target;
}

/** The s3rver fixture, started for this target (its own port and directory). */
export async function s3rverTarget(options: S3FixtureOptions = {}): Promise<Target> {
  // The target owns the data directory, so that a restart (a new fixture on it) keeps the data.
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), "s3edge-s3-")));
  let fixture: S3Fixture = await startS3Fixture({ ...options, directory });
  return makeTarget({
    name: "s3rver",
    label: "s3rver fixture",
    endpoint: fixture.endpoint,
    bucket: fixture.bucket,
    region: fixture.region,
    credentials: fixture.credentials,
    capabilities: {
      checksums: false,
      completeETag: true,
      expiredMessage: true,
      missingKeyStatus: 404,
      minPartSize: true,
      listPartsGoneCode: "NoSuchUpload",
      completeGoneCode: "NoSuchUpload",
    },
    async restart() {
      // Down (connections refused, open ones dropped), then up again on the same data (a new port).
      await fixture.close();
      fixture = await startS3Fixture({ ...options, directory });
      return { endpoint: fixture.endpoint };
    },
    async release() {
      await fixture.close();
      if (options.directory === undefined) await rm(directory, { recursive: true, force: true });
    },
  });
}

/**
 * The run-wide Ceph RGW (started on first use; see test/support/rgw/). With `bucket`, a bucket of
 * this suite's own, set up like the default one (CORS exposing ETag, public read) unless `setup` says.
 */
export async function rgwTarget(
  options: { bucket?: string; exposeETag?: boolean; publicRead?: boolean } = {},
): Promise<Target> {
  const rgw = await connectRgw();
  const bucket = options.bucket ?? rgw.bucket;
  if (options.bucket !== undefined) {
    const setup = {
      ...(options.exposeETag !== undefined && { exposeETag: options.exposeETag }),
      ...(options.publicRead !== undefined && { publicRead: options.publicRead }),
    };
    await createTestBucket(rgw, bucket, setup);
  }
  return makeTarget({
    name: "rgw",
    label: `Ceph RGW ${rgw.version}`,
    endpoint: rgw.endpoint,
    bucket,
    region: rgw.region,
    credentials: rgw.credentials,
    capabilities: {
      checksums: false,
      completeETag: false,
      expiredMessage: false,
      missingKeyStatus: 403,
      minPartSize: true,
      listPartsGoneCode: "NoSuchKey",
      completeGoneCode: "InternalError",
    },
    restart: async () => ({ endpoint: (await restartRgwGateway()).endpoint }),
    release: async () => undefined,
  });
}

/** Starts (or connects to) the named target. */
export function startTarget(name: TargetName): Promise<Target> {
  return name === "rgw" ? rgwTarget() : s3rverTarget();
}
