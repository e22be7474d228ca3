/**
 * The signer's state, shared by its operations. `createCore` keeps the options
 * checked at construction; `core.runtime()` finishes the set-up at the first
 * request (the checks deferred for absent environment options, loading the
 * optional AWS packages, building the S3 client, refusing a client whose
 * presigned PUTs cannot work) and hands the operations a {@link SignerRuntime}.
 */
import type { S3Client } from "@aws-sdk/client-s3";

import type { TargetInfo, TargetProbe } from "../core/protocol.js";
import { SignerError } from "./errors.js";
import type { ResolvedLimits } from "./limits.js";
import { resolveOptions } from "./options.js";
import type { ResolvedOptions } from "./options.js";
import type { PresignTiming } from "./presign.js";
import { importModule, loadSignerSdk } from "./sdk.js";
import type { Aws, ModuleLoader, SignerSdk } from "./sdk.js";
import { createSite } from "./site.js";
import type { SiteCore, SiteRuntime } from "./site.js";
import { createTokenCodec } from "./token.js";
import type { TokenCodec, TokenPayload } from "./token.js";
import type { ObjectUrls, SignerContext, SignerOptions } from "./types.js";

/** Everything an operation needs, once the signer is ready; bound to one upload target. */
export interface SignerRuntime {
  /** The client of the server's own S3 calls for this target. */
  readonly aws: Aws;
  /** The client that presigns uploads (PUTs) to this target: the accelerate one with `accelerate`. */
  readonly signing: Aws;
  readonly bucket: string;
  /** This target, as answers describe it: only for a signer configured with `targets`. */
  readonly target: TargetInfo | undefined;
  /** The ids of every target, in configured order (the first is the default). */
  readonly targetIds: readonly string[];
  readonly options: ResolvedOptions;
  readonly limits: ResolvedLimits;
  readonly codec: TokenCodec;
  /** Lifetime of multipart tokens, ms. */
  readonly tokenExpiresInMs: number;
  now(): number;
  /** Signing date and lifetime of URLs signed now (`expiresInMs` defaults to `urlExpiresInMs`); `expiresAt` is when S3 starts refusing them. */
  timing(expiresInMs?: number): PresignTiming & { expiresAt: number };
  /** CDN and S3 URLs of a key in this target (learns the origin from a presigned URL when the configuration does not tell it). */
  urls(key: string): Promise<ObjectUrls>;
  /**
   * Check a token against the request's key, uploadId and user. `allowExpired` (abort only):
   * an authentic token past its expiry still proves the upload is this user's to clean up.
   */
  verify(
    ref: { key: string; uploadId: string; token: string },
    ctx: SignerContext,
    allowExpired?: boolean,
  ): Promise<TokenPayload>;
  /** The runtime of target `id` (`undefined`: the default target), or `undefined` when the signer has no such target. */
  at(id: string | undefined): Promise<SignerRuntime | undefined>;
  /** What clients time to pick the nearest target: only for a signer configured with several `targets`. */
  probes(): Promise<TargetProbe[] | undefined>;
}

/** The signer's state between construction and its first request. */
export interface SignerCore {
  readonly options: ResolvedOptions;
  /** Finish the set-up (once; a failure is retried at the next call) and answer the default target's runtime. */
  runtime(): Promise<SignerRuntime>;
  /** The default target's S3 client when it exists already (passed in, or built by {@link SignerCore.runtime}). */
  builtClient(): S3Client | undefined;
  /** The package loader (also used by `upload` for lib-storage). */
  readonly load: ModuleLoader;
  /** The default target's bucket, or the deferred ConfigError when it was absent at creation. */
  bucket(): string;
  /** CDN and S3 URLs of a key in the default target, synchronously; a ConfigError when the origin cannot be known without a request. */
  objectUrls(key: string): ObjectUrls;
}

/** Check the options (a {@link ConfigError} at once for anything wrong but absent environment options) and build the core. */
export function createCore(input: SignerOptions, load: ModuleLoader = importModule): SignerCore {
  const options = resolveOptions(input);
  const sites = options.sites.map(createSite);
  const primary = sites[0] as SiteCore; // resolveOptions answers at least one
  let pending: Promise<SignerRuntime> | undefined;

  const build = async (): Promise<SignerRuntime> => {
    primary.bucket();
    if (!options.tokenSecret.ok) throw options.tokenSecret.error;
    const sdk = await loadSignerSdk(load);
    const shared = { options, sdk, sites, codec: createTokenCodec(options.tokenSecret.value) };
    return bind(shared, await primary.runtime(sdk));
  };

  return {
    options,
    load,
    bucket: () => primary.bucket(),
    builtClient: () => primary.builtClient(),
    runtime() {
      pending ??= build().catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
    objectUrls: (key) => primary.objectUrls(key),
  };
}

/** What every target's runtime shares. */
interface Shared {
  readonly options: ResolvedOptions;
  readonly sdk: SignerSdk;
  readonly sites: readonly SiteCore[];
  readonly codec: TokenCodec;
}

/** The runtime of one target. */
function bind(shared: Shared, site: SiteRuntime): SignerRuntime {
  const { options, sdk, sites, codec } = shared;
  const { now } = options;
  const timing = (expiresInMs = options.urlExpiresInMs): PresignTiming & { expiresAt: number } => {
    const at = now();
    const seconds = Math.floor(expiresInMs / 1000);
    return { signingDate: new Date(at), expiresIn: seconds, expiresAt: Math.floor(at / 1000) * 1000 + seconds * 1000 };
  };
  const targetIds = sites.map((s) => s.resolved.id);
  return {
    aws: site.aws,
    signing: site.signing,
    bucket: site.bucket,
    target: options.multi ? site.info : undefined,
    targetIds,
    options,
    limits: options.limits,
    codec,
    tokenExpiresInMs: options.tokenExpiresInMs,
    now,
    timing,
    urls: (key) => site.urls(key, timing()),
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
    async at(id) {
      const found = id === undefined ? sites[0] : sites.find((s) => s.resolved.id === id);
      if (found === undefined) return undefined;
      return found.resolved.id === site.id ? this : bind(shared, await found.runtime(sdk));
    },
    async probes() {
      if (!options.multi || sites.length < 2) return undefined;
      return Promise.all(sites.map(async (s) => (await s.runtime(sdk)).probe(timing())));
    },
  };
}
