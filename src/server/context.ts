/**
 * The signer's resolved state, shared by its operations: options checked once
 * at construction (a misconfiguration throws there, not on the first upload),
 * the S3 client, the token codec, the clock, object URLs and token checks.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { InvalidInputError } from "../core/errors.js";
import { assertValidKey } from "../core/keys.js";
import { bucketProblem, cdnObjectUrl, s3ObjectUrl } from "../core/urls.js";
import type { OriginSpec } from "../core/urls.js";
import { SignerError } from "./errors.js";
import { resolveLimits } from "./limits.js";
import type { ResolvedLimits } from "./limits.js";
import { initialConfig, originFromConfig, originFromPresignedUrl } from "./origin.js";
import { assertPresignableClient, presignGetObject } from "./presign.js";
import type { PresignTiming } from "./presign.js";
import { createTokenCodec } from "./token.js";
import type { TokenCodec, TokenPayload } from "./token.js";
import type { SignerContext, SignerOptions } from "./types.js";

/** Longest lifetime of a SigV4 presigned URL: 7 days. */
const MAX_URL_SECONDS = 604_800;
const ORIGIN_PROBE_KEY = "s3edge-origin-probe";

/** Everything an operation needs. */
export interface SignerCore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly options: SignerOptions;
  readonly limits: ResolvedLimits;
  readonly codec: TokenCodec;
  readonly urlExpiresIn: number;
  readonly tokenExpiresIn: number;
  now(): number;
  /** Signing date and lifetime of URLs signed now; `expiresAt` is when S3 starts refusing them. */
  timing(expiresIn?: number): PresignTiming & { expiresAt: number };
  /** Resolves once the client is known to produce browser-safe presigned URLs. */
  ready(): Promise<void>;
  /** CDN and S3 URLs of a key, once the origin is known. */
  urls(key: string): Promise<{ cdnUrl?: string; s3Url: string }>;
  /** Same, synchronously; throws when the origin cannot be known without a network-free async step. */
  urlsSync(key: string): { cdnUrl?: string; s3Url: string };
  /** Verify a token against the request's key, uploadId and user. */
  /**
   * Check a token against the request's key, uploadId and user. `allowExpired` (abort only):
   * an authentic token past its expiry still proves the upload is this user's to clean up.
   */
  verify(ref: { key: string; uploadId: string; token: string }, ctx: SignerContext, allowExpired?: boolean): Promise<TokenPayload>;
}

function isS3Client(value: unknown): value is S3Client {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { send?: unknown }).send === "function" &&
    typeof (value as { config?: unknown }).config === "object"
  );
}

function seconds(value: number | undefined, fallback: number, max: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new TypeError(`s3edge: ${name} must be an integer number of seconds from 1 to ${max}`);
  }
  return n;
}

/** Check the options and build the shared state (throws TypeError / InvalidInputError on misconfiguration). */
export function createCore(options: SignerOptions): SignerCore {
  if (typeof options !== "object" || options === null) throw new TypeError("s3edge: createSigner needs options");
  if (typeof options.authorize !== "function") {
    throw new TypeError("s3edge: authorize is required (the application's authentication decides who may upload)");
  }
  const problem = bucketProblem(options.bucket);
  if (problem !== undefined) throw new TypeError(`s3edge: invalid bucket: ${problem}`);
  const codec = createTokenCodec(options.tokenSecret);
  const limits = resolveLimits(options.limits);
  const urlExpiresIn = seconds(options.urlExpiresIn, 900, MAX_URL_SECONDS, "urlExpiresIn");
  const tokenExpiresIn = seconds(options.tokenExpiresIn, 86_400, 366 * 86_400, "tokenExpiresIn");
  if (options.cdn !== undefined) cdnObjectUrl(options.cdn, ORIGIN_PROBE_KEY); // validates the base URL
  if (options.origin !== undefined) s3ObjectUrl(options.origin, ORIGIN_PROBE_KEY);

  const client = isS3Client(options.s3)
    ? options.s3
    : new S3Client({
        ...options.s3,
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
  const bucket = options.bucket;
  const now = options.now ?? Date.now;
  const config = isS3Client(options.s3) ? initialConfig(options.s3) : options.s3;
  let origin: OriginSpec | undefined = options.origin ?? (config && originFromConfig(config, bucket));
  let readyPromise: Promise<void> | undefined;

  const timing = (expiresIn = urlExpiresIn): PresignTiming & { expiresAt: number } => {
    const at = now();
    return { signingDate: new Date(at), expiresIn, expiresAt: Math.floor(at / 1000) * 1000 + expiresIn * 1000 };
  };

  const urlsWith = (spec: OriginSpec, key: string): { cdnUrl?: string; s3Url: string } => {
    const s3Url = s3ObjectUrl(spec, key);
    return options.cdn === undefined ? { s3Url } : { cdnUrl: cdnObjectUrl(options.cdn, key), s3Url };
  };

  return {
    client,
    bucket,
    options,
    limits,
    codec,
    urlExpiresIn,
    tokenExpiresIn,
    now,
    timing,
    ready() {
      readyPromise ??= assertPresignableClient(client).catch((error: unknown) => {
        readyPromise = undefined;
        throw error;
      });
      return readyPromise;
    },
    async urls(key) {
      if (origin === undefined) {
        const url = await presignGetObject(client, bucket, ORIGIN_PROBE_KEY, timing());
        origin = originFromPresignedUrl(url, ORIGIN_PROBE_KEY);
        if (origin === undefined) throw new TypeError("s3edge: cannot derive the S3 origin from the client: pass `origin`");
      }
      return urlsWith(origin, key);
    },
    urlsSync(key) {
      assertValidKey(key);
      if (origin === undefined) {
        throw new InvalidInputError(
          "s3edge: the S3 origin is not known yet (the client's region or endpoint is not a plain value): pass `origin`",
        );
      }
      return urlsWith(origin, key);
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
