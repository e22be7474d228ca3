/**
 * The signer's options, checked once at `createSigner`: every misconfiguration
 * throws a {@link ConfigError} naming the option and what to do. Two options
 * usually come from the environment (`bucket`, `tokenSecret`): when they are
 * absent (undefined or empty, as in a `next build` without secrets) the check
 * waits for the first request, which answers 500 and logs the ConfigError; a
 * value that is present but wrong still throws at once.
 */
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";

import { ConfigError, isS3EdgeError } from "../core/errors.js";
import { bucketProblem, cdnObjectUrl, s3ObjectUrl } from "../core/urls.js";
import { resolveLimits } from "./limits.js";
import type { ResolvedLimits } from "./limits.js";
import { resolveSites } from "./targets.js";
import type { ResolvedSite } from "./targets.js";
import { MIN_SECRET_BYTES } from "./token.js";
import type { ErrorHook, SignerOptions } from "./types.js";

/** Longest lifetime of a SigV4 presigned URL: 7 days, in ms. */
export const MAX_URL_LIFETIME_MS = 604_800_000;
/** Longest token lifetime: 366 days, in ms. */
const MAX_TOKEN_LIFETIME_MS = 366 * 86_400_000;
/** The probe key used to learn the S3 origin from a presigned URL. */
export const ORIGIN_PROBE_KEY = "s3edge-origin-probe";

/** A value checked at the first request when it was absent at creation. */
export type Deferred<T> = { ok: true; value: T } | { ok: false; error: ConfigError };

/** The client passed in, or the configuration to build one from. */
export type S3Source = { client: S3Client } | { config: S3ClientConfig };

/** {@link SignerOptions} checked, with every default applied. */
export interface ResolvedOptions {
  /** The upload targets (one, id `default`, for a single `bucket`); the first is the default. */
  readonly sites: readonly ResolvedSite[];
  /** Whether the signer was configured with `targets` (answers then say which target). */
  readonly multi: boolean;
  readonly chooseTarget: SignerOptions["chooseTarget"];
  readonly tokenSecret: Deferred<Uint8Array>;
  readonly authorize: SignerOptions["authorize"];
  readonly keyPolicy: SignerOptions["keyPolicy"];
  readonly limits: ResolvedLimits;
  /** Whole seconds, in ms. */
  readonly urlExpiresInMs: number;
  readonly tokenExpiresInMs: number;
  readonly read: SignerOptions["read"];
  readonly onError: ErrorHook | undefined;
  readonly now: () => number;
}

/** True for an S3Client (or anything that sends commands like one). */
export function isS3Client(value: unknown): value is S3Client {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { send?: unknown }).send === "function" &&
    typeof (value as { config?: unknown }).config === "object"
  );
}

function optionalFunction<T>(value: T, name: string): T {
  if (value !== undefined && typeof value !== "function")
    throw new ConfigError(name, `${name} must be a function when given`);
  return value;
}

/**
 * A lifetime in ms from the new `*Ms` option or its deprecated seconds alias
 * (both given is a ConfigError). `wholeSeconds` drops a remainder (SigV4
 * counts URL lifetimes in seconds).
 */
export function lifetimeMs(
  ms: number | undefined,
  seconds: number | undefined,
  names: { ms: string; seconds: string },
  bounds: { fallback: number; max: number; wholeSeconds: boolean },
): number {
  if (ms !== undefined && seconds !== undefined) {
    throw new ConfigError(
      names.ms,
      `${names.ms} and ${names.seconds} are both set: keep ${names.ms} (milliseconds) and remove ${names.seconds} (deprecated, seconds)`,
    );
  }
  const value = ms ?? (seconds === undefined ? bounds.fallback : seconds * 1000);
  const name = ms !== undefined || seconds === undefined ? names.ms : names.seconds;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1000 || value > bounds.max) {
    const range =
      name === names.ms
        ? `an integer number of milliseconds from 1000 to ${bounds.max}`
        : `an integer number of seconds from 1 to ${bounds.max / 1000}`;
    throw new ConfigError(name, `${name} must be ${range}, got ${String(name === names.ms ? ms : seconds)}`);
  }
  return bounds.wholeSeconds ? Math.floor(value / 1000) * 1000 : value;
}

/** The S3 client passed in, or the configuration to build one from (a ConfigError naming `option` otherwise). */
export function resolveS3(s3: unknown, option = "s3"): S3Source {
  if (isS3Client(s3)) return { client: s3 };
  if (typeof s3 === "object" && s3 !== null) return { config: s3 as S3ClientConfig };
  throw new ConfigError(option, 's3 is required: an S3Client, or its configuration such as { region: "eu-west-1" }');
}

/** A value the signer reads from the environment and may get empty. */
export function absent(value: unknown): boolean {
  return value === undefined || value === null || value === "" || (value instanceof Uint8Array && value.length === 0);
}

/** A bucket name, checked now when present, at the first request when absent (a ConfigError naming `option`). */
export function resolveBucket(bucket: unknown, option = "bucket"): Deferred<string> {
  if (absent(bucket)) {
    return {
      ok: false,
      error: new ConfigError(
        option,
        `${option} is missing: createSigner got no bucket name (an environment variable that was not set?); set it to the name of your S3 bucket`,
      ),
    };
  }
  const problem = bucketProblem(bucket as string);
  if (problem !== undefined)
    throw new ConfigError(
      option,
      `${option} ${JSON.stringify(String(bucket)).slice(0, 80)} is not a valid S3 bucket name: ${problem}`,
    );
  return { ok: true, value: bucket as string };
}

function resolveSecret(secret: unknown): Deferred<Uint8Array> {
  if (absent(secret)) {
    return {
      ok: false,
      error: new ConfigError(
        "tokenSecret",
        `tokenSecret is missing: set it from your secret store (e.g. an S3EDGE_SECRET environment variable holding at least ${MIN_SECRET_BYTES} random bytes, such as the output of \`openssl rand -base64 32\`)`,
      ),
    };
  }
  const bytes = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  if (!(bytes instanceof Uint8Array))
    throw new ConfigError("tokenSecret", "tokenSecret must be a string or a Uint8Array");
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new ConfigError(
      "tokenSecret",
      `tokenSecret is ${bytes.length} bytes: it must be at least ${MIN_SECRET_BYTES} (e.g. \`openssl rand -base64 32\`, kept in your secret store)`,
    );
  }
  return { ok: true, value: bytes.slice() };
}

/** Run a URL builder on a probe key so that a bad `cdn` / `origin` throws a ConfigError at creation. */
export function checkUrl(option: string, build: () => string): void {
  try {
    build();
  } catch (error) {
    const reason = isS3EdgeError(error) || error instanceof Error ? error.message : String(error);
    throw new ConfigError(option, `${option} is not usable: ${reason}`, { cause: error });
  }
}

/** Check every option (throws {@link ConfigError}); `bucket` and `tokenSecret` may be deferred. */
export function resolveOptions(options: SignerOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError("options", "createSigner needs an options object: { s3, bucket, tokenSecret, authorize }");
  }
  if (typeof options.authorize !== "function") {
    throw new ConfigError(
      "authorize",
      "authorize is required: a function (request) => user | null, your application's authentication decides who may upload",
    );
  }
  const { cdn, origin } = options;
  if (cdn !== undefined) checkUrl("cdn", () => cdnObjectUrl(cdn, ORIGIN_PROBE_KEY));
  if (origin !== undefined) checkUrl("origin", () => s3ObjectUrl(origin, ORIGIN_PROBE_KEY));
  return {
    sites: resolveSites(options),
    multi: options.targets !== undefined,
    chooseTarget: optionalFunction(options.chooseTarget, "chooseTarget"),
    tokenSecret: resolveSecret(options.tokenSecret),
    authorize: options.authorize,
    keyPolicy: optionalFunction(options.keyPolicy, "keyPolicy"),
    limits: resolveLimits(options.limits),
    urlExpiresInMs: lifetimeMs(
      options.urlExpiresInMs,
      options.urlExpiresIn,
      { ms: "urlExpiresInMs", seconds: "urlExpiresIn" },
      { fallback: 900_000, max: MAX_URL_LIFETIME_MS, wholeSeconds: true },
    ),
    tokenExpiresInMs: lifetimeMs(
      options.tokenExpiresInMs,
      options.tokenExpiresIn,
      { ms: "tokenExpiresInMs", seconds: "tokenExpiresIn" },
      { fallback: 86_400_000, max: MAX_TOKEN_LIFETIME_MS, wholeSeconds: false },
    ),
    read: optionalFunction(options.read, "read"),
    onError: optionalFunction(options.onError, "onError"),
    now: optionalFunction(options.now, "now") ?? Date.now,
  };
}
