/**
 * The signer's state, shared by its operations. `createCore` keeps the options
 * checked at construction; `core.runtime()` finishes the set-up at the first
 * request (the checks deferred for absent environment options, loading the
 * optional AWS packages, building the S3 client, refusing a client whose
 * presigned PUTs cannot work) and hands the operations a {@link SignerRuntime}.
 */
import type { S3Client } from "@aws-sdk/client-s3";

import { ConfigError } from "../core/errors.js";
import { assertValidKey } from "../core/keys.js";
import { cdnObjectUrl, s3ObjectUrl } from "../core/urls.js";
import type { OriginSpec } from "../core/urls.js";
import { SignerError } from "./errors.js";
import type { ResolvedLimits } from "./limits.js";
import { ORIGIN_PROBE_KEY, resolveOptions } from "./options.js";
import type { ResolvedOptions } from "./options.js";
import { initialConfig, originFromConfig, originFromPresignedUrl } from "./origin.js";
import { assertPresignableClient, presignGetObject } from "./presign.js";
import type { PresignTiming } from "./presign.js";
import { importModule, loadSignerSdk } from "./sdk.js";
import type { Aws, ModuleLoader } from "./sdk.js";
import { createTokenCodec } from "./token.js";
import type { TokenCodec, TokenPayload } from "./token.js";
import type { ObjectUrls, SignerContext, SignerOptions } from "./types.js";

/** Everything an operation needs, once the signer is ready. */
export interface SignerRuntime {
  readonly aws: Aws;
  readonly bucket: string;
  readonly options: ResolvedOptions;
  readonly limits: ResolvedLimits;
  readonly codec: TokenCodec;
  /** Lifetime of multipart tokens, ms. */
  readonly tokenExpiresInMs: number;
  now(): number;
  /** Signing date and lifetime of URLs signed now (`expiresInMs` defaults to `urlExpiresInMs`); `expiresAt` is when S3 starts refusing them. */
  timing(expiresInMs?: number): PresignTiming & { expiresAt: number };
  /** CDN and S3 URLs of a key (learns the origin from a presigned URL when the configuration does not tell it). */
  urls(key: string): Promise<ObjectUrls>;
  /**
   * Check a token against the request's key, uploadId and user. `allowExpired` (abort only):
   * an authentic token past its expiry still proves the upload is this user's to clean up.
   */
  verify(ref: { key: string; uploadId: string; token: string }, ctx: SignerContext, allowExpired?: boolean): Promise<TokenPayload>;
}

/** The signer's state between construction and its first request. */
export interface SignerCore {
  readonly options: ResolvedOptions;
  /** Finish the set-up (once; a failure is retried at the next call) and answer the runtime. */
  runtime(): Promise<SignerRuntime>;
  /** The S3 client when it exists already (passed in, or built by {@link SignerCore.runtime}). */
  builtClient(): S3Client | undefined;
  /** The package loader (also used by `upload` for lib-storage). */
  readonly load: ModuleLoader;
  /** The bucket, or the deferred ConfigError when it was absent at creation. */
  bucket(): string;
  /** CDN and S3 URLs of a key, synchronously; a ConfigError when the origin cannot be known without a request. */
  objectUrls(key: string): ObjectUrls;
}

/** Check the options (a {@link ConfigError} at once for anything wrong but absent environment options) and build the core. */
export function createCore(input: SignerOptions, load: ModuleLoader = importModule): SignerCore {
  const options = resolveOptions(input);
  const passed = "client" in options.s3 ? options.s3.client : undefined;
  const config = "config" in options.s3 ? options.s3.config : passed && initialConfig(passed);
  let origin: OriginSpec | undefined = options.origin;
  let client: S3Client | undefined = passed;
  let pending: Promise<SignerRuntime> | undefined;

  const bucket = (): string => {
    if (!options.bucket.ok) throw options.bucket.error;
    return options.bucket.value;
  };
  const knownOrigin = (): OriginSpec | undefined => (origin ??= config && originFromConfig(config, bucket()));
  const urlsWith = (spec: OriginSpec, key: string): ObjectUrls => {
    const s3Url = s3ObjectUrl(spec, key);
    return options.cdn === undefined ? { s3Url } : { cdnUrl: cdnObjectUrl(options.cdn, key), s3Url };
  };

  const build = async (): Promise<SignerRuntime> => {
    const name = bucket();
    if (!options.tokenSecret.ok) throw options.tokenSecret.error;
    const sdk = await loadSignerSdk(load);
    client ??= new sdk.s3.S3Client({
      ...("config" in options.s3 ? options.s3.config : {}),
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    await assertPresignableClient(client);
    return createRuntime(options, { sdk, client }, name, createTokenCodec(options.tokenSecret.value), {
      known: knownOrigin,
      learn: (spec) => (origin = spec),
      urlsWith,
    });
  };

  return {
    options,
    load,
    bucket,
    builtClient: () => client,
    runtime() {
      pending ??= build().catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
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
  };
}

interface OriginAccess {
  known(): OriginSpec | undefined;
  learn(spec: OriginSpec): void;
  urlsWith(spec: OriginSpec, key: string): ObjectUrls;
}

function createRuntime(options: ResolvedOptions, aws: Aws, bucket: string, codec: TokenCodec, origin: OriginAccess): SignerRuntime {
  const { now } = options;
  const timing = (expiresInMs = options.urlExpiresInMs): PresignTiming & { expiresAt: number } => {
    const at = now();
    const seconds = Math.floor(expiresInMs / 1000);
    return { signingDate: new Date(at), expiresIn: seconds, expiresAt: Math.floor(at / 1000) * 1000 + seconds * 1000 };
  };
  return {
    aws,
    bucket,
    options,
    limits: options.limits,
    codec,
    tokenExpiresInMs: options.tokenExpiresInMs,
    now,
    timing,
    async urls(key) {
      let spec = origin.known();
      if (spec === undefined) {
        const url = await presignGetObject(aws, bucket, ORIGIN_PROBE_KEY, timing());
        spec = originFromPresignedUrl(url, ORIGIN_PROBE_KEY);
        if (spec === undefined) throw new ConfigError("origin", "cannot derive the S3 origin from the client's presigned URLs: pass `origin`");
        origin.learn(spec);
      }
      return origin.urlsWith(spec, key);
    },
    async verify(ref, ctx, allowExpired) {
      const payload = await codec.verify(ref.token, now(), allowExpired);
      if (payload.k !== ref.key || payload.u !== ref.uploadId) {
        throw new SignerError("InvalidToken", "upload token does not match this key and uploadId");
      }
      if (payload.s !== ctx.user.id) {
        throw new SignerError("NotAuthorized", "this upload belongs to another user", { status: 403 });
      }
      return payload;
    },
  };
}
