/**
 * One upload target at run time: its S3 client (built at first use, like the signer's), the
 * presigner of its upload URLs (a second client on the Transfer Acceleration endpoint with
 * `accelerate`), how its object URLs are built, and what clients are told about it.
 */
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";

import { ConfigError } from "../core/errors.js";
import { assertValidKey } from "../core/keys.js";
import type { TargetInfo, TargetProbe } from "../core/protocol.js";
import { cdnObjectUrl, originBase, s3ObjectUrl } from "../core/urls.js";
import type { OriginSpec } from "../core/urls.js";
import { ORIGIN_PROBE_KEY } from "./options.js";
import { endpointString, originFromConfig, originFromPresignedUrl } from "./origin.js";
import { assertPresignableClient, presignGetObject } from "./presign.js";
import type { PresignTiming } from "./presign.js";
import type { Aws, SignerSdk } from "./sdk.js";
import { accelerateProblem, configOf } from "./targets.js";
import type { ResolvedSite } from "./targets.js";
import type { ObjectUrls } from "./types.js";

/** A target ready for operations. */
export interface SiteRuntime {
  readonly id: string;
  /** The client of the server's own calls (create, complete, list, abort, head). */
  readonly aws: Aws;
  /** The client that presigns the browser's PUTs (the accelerate one with `accelerate`). */
  readonly signing: Aws;
  readonly bucket: string;
  readonly info: TargetInfo;
  /** CDN and S3 URLs of a key (learns the origin from a presigned URL when the configuration does not tell it). */
  urls(key: string, timing: PresignTiming): Promise<ObjectUrls>;
  /** What clients time to tell which target is nearest. */
  probe(timing: PresignTiming): Promise<TargetProbe>;
}

/** A target between construction and its first use. */
export interface SiteCore {
  readonly resolved: ResolvedSite;
  bucket(): string;
  builtClient(): S3Client | undefined;
  /** CDN and S3 URLs of a key, synchronously; a ConfigError when the origin is not known without a request. */
  objectUrls(key: string): ObjectUrls;
  /** Build the target's clients (once; a failure is retried at the next call). */
  runtime(sdk: SignerSdk): Promise<SiteRuntime>;
}

const CLIENT_DEFAULTS = {
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
} as const;

/**
 * What the accelerate presigner takes of a client configuration: where and as whom it signs. A
 * built client's `initConfig` also holds what the SDK resolved into it (a retry strategy...),
 * which a second client must not reuse.
 */
function signingConfig(config: S3ClientConfig): S3ClientConfig {
  const picked: S3ClientConfig = {};
  for (const name of [
    "region",
    "credentials",
    "useDualstackEndpoint",
    "useFipsEndpoint",
    "signingEscapePath",
    "systemClockOffset",
  ] as const) {
    if (config[name] !== undefined) Object.assign(picked, { [name]: config[name] });
  }
  return picked;
}

/** The site's core: nothing is built until {@link SiteCore.runtime}. */
export function createSite(site: ResolvedSite): SiteCore {
  const passed = "client" in site.s3 ? site.s3.client : undefined;
  const config = configOf(site.s3);
  let origin: OriginSpec | undefined = site.origin;
  let client: S3Client | undefined = passed;
  let pending: Promise<SiteRuntime> | undefined;

  const bucket = (): string => {
    if (!site.bucket.ok) throw site.bucket.error;
    return site.bucket.value;
  };
  const knownOrigin = (): OriginSpec | undefined => (origin ??= config && originFromConfig(config, bucket()));
  const urlsWith = (spec: OriginSpec, key: string): ObjectUrls => {
    const s3Url = s3ObjectUrl(spec, key);
    return site.cdn === undefined ? { s3Url } : { cdnUrl: cdnObjectUrl(site.cdn, key), s3Url };
  };

  const build = async (sdk: SignerSdk): Promise<SiteRuntime> => {
    const name = bucket();
    client ??= new sdk.s3.S3Client({ ...("config" in site.s3 ? site.s3.config : {}), ...CLIENT_DEFAULTS });
    await assertPresignableClient(client);
    const aws: Aws = { sdk, client };
    let signing = aws;
    if (site.accelerate) {
      const problem = accelerateProblem(name, config);
      if (problem !== undefined || config === undefined)
        throw new ConfigError(
          site.option === "bucket" ? "accelerate" : `${site.option}.accelerate`,
          problem ?? "accelerate needs the S3 configuration",
        );
      signing = {
        sdk,
        client: new sdk.s3.S3Client({ ...signingConfig(config), ...CLIENT_DEFAULTS, useAccelerateEndpoint: true }),
      };
    }
    const region =
      typeof config?.region === "string" ? config.region : await client.config.region().catch(() => undefined);
    const endpoint = config?.endpoint === undefined ? undefined : endpointString(config.endpoint);
    const info: TargetInfo = {
      id: site.id,
      bucket: name,
      ...(typeof region === "string" && region !== "" && { region }),
      ...(endpoint !== undefined && { endpoint }),
      ...(site.accelerate && { accelerate: true as const }),
    };
    const urls = async (key: string, timing: PresignTiming): Promise<ObjectUrls> => {
      let spec = knownOrigin();
      if (spec === undefined) {
        const url = await presignGetObject(aws, name, ORIGIN_PROBE_KEY, timing);
        spec = originFromPresignedUrl(url, ORIGIN_PROBE_KEY);
        if (spec === undefined)
          throw new ConfigError(
            "origin",
            "cannot derive the S3 origin from the client's presigned URLs: pass `origin`",
          );
        origin = spec;
      }
      return urlsWith(spec, key);
    };
    const probe = async (timing: PresignTiming): Promise<TargetProbe> => {
      if (site.probeUrl !== undefined) return { id: site.id, url: site.probeUrl };
      if (site.accelerate && typeof region === "string") {
        const dualstack = config?.useDualstackEndpoint === true;
        return { id: site.id, url: originBase({ bucket: name, region, accelerate: true, dualstack }) };
      }
      const { s3Url } = await urls(ORIGIN_PROBE_KEY, timing);
      return { id: site.id, url: s3Url.slice(0, -(ORIGIN_PROBE_KEY.length + 1)) };
    };
    return { id: site.id, aws, signing, bucket: name, info, urls, probe };
  };

  return {
    resolved: site,
    bucket,
    builtClient: () => client,
    objectUrls(key) {
      assertValidKey(key);
      const spec = knownOrigin();
      if (spec === undefined) {
        throw new ConfigError(
          "origin",
          "the S3 origin is not known yet (the client's region or endpoint is not a plain value): pass `origin`, or use the URLs the operations answer",
        );
      }
      return urlsWith(spec, key);
    },
    runtime(sdk) {
      pending ??= build(sdk).catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
  };
}
