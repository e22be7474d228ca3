/**
 * The signer's upload targets, checked once at `createSigner`: one target (id `default`) for a
 * single `bucket`, or the application's `targets` (buckets in several regions). Also the checks
 * S3 Transfer Acceleration needs (`accelerate`): AWS only, virtual-hosted only, no dots in the
 * bucket name. Every problem is a {@link ConfigError} naming the option.
 */
import type { S3ClientConfig } from "@aws-sdk/client-s3";

import { ConfigError } from "../core/errors.js";
import { TARGET_ID } from "../core/protocol.js";
import { cdnObjectUrl, s3ObjectUrl } from "../core/urls.js";
import type { OriginSpec } from "../core/urls.js";
import { ORIGIN_PROBE_KEY, checkUrl, resolveBucket, resolveS3 } from "./options.js";
import type { Deferred, S3Source } from "./options.js";
import { initialConfig } from "./origin.js";
import type { SignerOptions, UploadTargetOptions } from "./types.js";

/** One upload target, checked. */
export interface ResolvedSite {
  readonly id: string;
  /** The option path of this target in messages (`bucket`, or `targets[1]`). */
  readonly option: string;
  readonly bucket: Deferred<string>;
  readonly s3: S3Source;
  readonly origin: OriginSpec | undefined;
  readonly cdn: string | undefined;
  readonly accelerate: boolean;
  readonly probeUrl: string | undefined;
}

/** The id of the one target of a signer configured with a single `bucket`. */
export const DEFAULT_TARGET = "default";

/** The configuration behind an S3 source (a passed client's is its `initConfig`), when it can be read. */
export function configOf(s3: S3Source): S3ClientConfig | undefined {
  return "config" in s3 ? s3.config : initialConfig(s3.client);
}

/**
 * Why Transfer Acceleration cannot work for this bucket and client configuration, or
 * `undefined`. S3 serves acceleration only on AWS, only virtual-hosted
 * (`<bucket>.s3-accelerate.amazonaws.com`), so never for a bucket name with dots.
 */
export function accelerateProblem(bucket: string | undefined, config: S3ClientConfig | undefined): string | undefined {
  if (bucket?.includes(".")) {
    return `Transfer Acceleration does not support bucket names with dots ("${bucket}"): the accelerate endpoint is virtual-hosted only and the TLS certificate does not cover dotted names; use a bucket without dots or drop accelerate`;
  }
  if (config === undefined) {
    return "Transfer Acceleration needs the S3 client's configuration: pass `s3` as a configuration object (or a client built by the AWS SDK) so that s3edge can build its accelerate presigner";
  }
  if (config.endpoint !== undefined) {
    return "Transfer Acceleration is an AWS S3 feature: it cannot be combined with a custom `endpoint` (R2, MinIO, a test server); remove accelerate, or the endpoint";
  }
  if (config.forcePathStyle === true) {
    return "Transfer Acceleration is virtual-hosted only: remove `forcePathStyle: true` from the S3 configuration, or drop accelerate";
  }
  return undefined;
}

function checkAccelerate(option: string, bucket: Deferred<string>, s3: S3Source): void {
  const problem = accelerateProblem(bucket.ok ? bucket.value : undefined, configOf(s3));
  if (problem !== undefined) throw new ConfigError(option, problem);
}

/** The S3 source of a target: its own `s3`, else the signer's with the target's region / endpoint. */
function targetS3(t: UploadTargetOptions, base: S3Source, option: string): S3Source {
  if (t.s3 !== undefined) return resolveS3(t.s3, `${option}.s3`);
  if (t.region === undefined && t.endpoint === undefined) return base;
  if (t.region !== undefined && typeof t.region !== "string")
    throw new ConfigError(`${option}.region`, `${option}.region must be an AWS region name such as "eu-west-1"`);
  if (t.endpoint !== undefined)
    checkUrl(`${option}.endpoint`, () =>
      s3ObjectUrl({ endpoint: t.endpoint as string, bucket: "probe" }, ORIGIN_PROBE_KEY),
    );
  const config = configOf(base);
  if (config === undefined) {
    throw new ConfigError(
      `${option}.s3`,
      `${option}: the signer's s3 client does not expose its configuration: give this target its own \`s3\``,
    );
  }
  return {
    config: {
      ...config,
      ...(t.region !== undefined && { region: t.region }),
      ...(t.endpoint !== undefined && { endpoint: t.endpoint }),
    },
  };
}

function resolveTarget(t: unknown, i: number, base: S3Source, options: SignerOptions, seen: Set<string>): ResolvedSite {
  const option = `targets[${i}]`;
  if (typeof t !== "object" || t === null)
    throw new ConfigError(option, `${option} must be an object { id, bucket, region | endpoint | s3 }`);
  const target = t as UploadTargetOptions;
  if (typeof target.id !== "string" || !TARGET_ID.test(target.id)) {
    throw new ConfigError(
      `${option}.id`,
      `${option}.id must be 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-' (it is bound into upload tokens)`,
    );
  }
  if (seen.has(target.id))
    throw new ConfigError(`${option}.id`, `${option}.id "${target.id}" is used by another target: ids must be unique`);
  seen.add(target.id);
  const { origin, probeUrl } = target;
  const cdn = target.cdn ?? options.cdn;
  if (target.cdn !== undefined) checkUrl(`${option}.cdn`, () => cdnObjectUrl(target.cdn as string, ORIGIN_PROBE_KEY));
  if (origin !== undefined) checkUrl(`${option}.origin`, () => s3ObjectUrl(origin, ORIGIN_PROBE_KEY));
  if (probeUrl !== undefined) checkUrl(`${option}.probeUrl`, () => cdnObjectUrl(probeUrl, ORIGIN_PROBE_KEY));
  const bucket = resolveBucket(target.bucket, `${option}.bucket`);
  const s3 = targetS3(target, base, option);
  const accelerate = (target.accelerate ?? options.accelerate) === true;
  if (accelerate) checkAccelerate(target.accelerate === true ? `${option}.accelerate` : "accelerate", bucket, s3);
  return { id: target.id, option, bucket, s3, origin, cdn, accelerate, probeUrl };
}

/** Check `bucket` / `targets` (and `accelerate` against them); the first site is the default. */
export function resolveSites(options: SignerOptions): ResolvedSite[] {
  const base = resolveS3(options.s3);
  const accelerate = options.accelerate;
  if (accelerate !== undefined && typeof accelerate !== "boolean")
    throw new ConfigError("accelerate", "accelerate must be true or false");
  const { targets } = options;
  if (targets === undefined) {
    const bucket = resolveBucket(options.bucket);
    if (accelerate === true) checkAccelerate("accelerate", bucket, base);
    return [
      {
        id: DEFAULT_TARGET,
        option: "bucket",
        bucket,
        s3: base,
        origin: options.origin,
        cdn: options.cdn,
        accelerate: accelerate === true,
        probeUrl: undefined,
      },
    ];
  }
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new ConfigError("targets", "targets must be a non-empty array of { id, bucket, region | endpoint | s3 }");
  }
  if (options.bucket !== undefined && options.bucket !== "") {
    throw new ConfigError(
      "bucket",
      "bucket and targets are both set: with targets, each target names its bucket (remove bucket)",
    );
  }
  if (options.origin !== undefined) {
    throw new ConfigError("origin", "origin and targets are both set: with targets, give each target its own origin");
  }
  const seen = new Set<string>();
  return targets.map((t, i) => resolveTarget(t, i, base, options, seen));
}
