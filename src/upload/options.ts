/**
 * `createUploader`'s options, checked once: every misconfiguration is a
 * {@link ConfigError} naming the option and what to do, raised when the
 * uploader is created. Nothing here depends on the runtime environment (a
 * relative endpoint is resolved at the first request), so an uploader can be
 * created at module scope while a page is prerendered.
 */
import { ConfigError } from "../core/errors.js";
import { S3_LIMITS } from "../core/parts.js";
import { DEFAULT_RETRY, type RetryOptions } from "../core/retry.js";
import { checkEndpointUrl } from "../endpoint/location.js";
import type { UploaderOptions } from "./types.js";

/** Largest delay `setTimeout` honours (larger ones fire at once). */
const MAX_TIMER_MS = 2_147_483_647;

const fail = (option: string, message: string): never => {
  throw new ConfigError(option, `createUploader: ${message}`);
};

/** A duration option: a number of ms in [min, MAX_TIMER_MS]. */
function duration(option: string, value: unknown, fallback: number, zero: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    fail(option, `\`${option}\` must be a number of milliseconds from 0 (${zero}) to ${MAX_TIMER_MS}, got ${String(value)}`);
  }
  return value as number;
}

function retryOptions(value: unknown): RetryOptions {
  if (value === undefined) return { ...DEFAULT_RETRY };
  if (typeof value !== "object" || value === null) return fail("retry", "`retry` must be an object `{ retries, baseDelayMs, maxDelayMs }`");
  const r = value as Partial<Record<keyof RetryOptions, unknown>>;
  const retries = r.retries ?? DEFAULT_RETRY.retries;
  if (typeof retries !== "number" || !Number.isInteger(retries) || retries < 0) {
    fail("retry.retries", `\`retry.retries\` must be a whole number >= 0 (retries after the first attempt), got ${String(retries)}`);
  }
  const baseDelayMs = duration("retry.baseDelayMs", r.baseDelayMs, DEFAULT_RETRY.baseDelayMs, "retry at once");
  const maxDelayMs = duration("retry.maxDelayMs", r.maxDelayMs, Math.max(DEFAULT_RETRY.maxDelayMs, baseDelayMs), "retry at once");
  if (maxDelayMs < baseDelayMs) fail("retry.maxDelayMs", `\`retry.maxDelayMs\` (${maxDelayMs}) must be >= \`retry.baseDelayMs\` (${baseDelayMs})`);
  return { retries: retries as number, baseDelayMs, maxDelayMs };
}

const isFunction = (value: unknown): boolean => typeof value === "function";
/** True when `value` is an object whose `names` are all functions. */
const hasMethods = (value: unknown, ...names: string[]): boolean =>
  typeof value === "object" && value !== null && names.every((name) => isFunction((value as Record<string, unknown>)[name]));

/** The options after checking, with defaults applied. */
export interface CheckedOptions {
  concurrency: number;
  partSize: number | undefined;
  retry: RetryOptions;
  stallTimeoutMs: number;
  offlineTimeoutMs: number;
  endpointTimeoutMs: number;
}

/** Check every option of {@link UploaderOptions}; throws a {@link ConfigError} naming the first bad one. */
export function checkOptions(options: UploaderOptions): CheckedOptions {
  if (typeof options !== "object" || options === null) {
    return fail("endpoint", 'pass options, at least `{ endpoint: "/api/s3edge" }` (the URL of your s3edge/server endpoint)');
  }
  checkEndpointUrl(options.endpoint, "createUploader");
  const { headers, credentials, concurrency = 4, partSize, checksum, transport, store, autoStart, now } = options;
  if (headers !== undefined && typeof headers !== "object" && !isFunction(headers)) {
    fail("headers", "`headers` must be an object of header names to values, or a function returning one");
  }
  if (credentials !== undefined && !["omit", "same-origin", "include"].includes(credentials)) {
    fail("credentials", `\`credentials\` must be "omit", "same-origin" or "include", got ${String(credentials)}`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    fail("concurrency", `\`concurrency\` must be a whole number >= 1 (parts in flight across all files), got ${String(concurrency)}`);
  }
  const { minPartSize, maxPartSize } = S3_LIMITS;
  if (partSize !== undefined && (!Number.isSafeInteger(partSize) || partSize < minPartSize || partSize > maxPartSize)) {
    fail("partSize", `\`partSize\` must be a whole number of bytes from ${minPartSize} (5 MiB) to ${maxPartSize} (5 GiB), S3's limits, got ${String(partSize)}`);
  }
  if (checksum !== undefined && checksum !== "CRC32") fail("checksum", `\`checksum\` must be "CRC32" or absent, got ${String(checksum)}`);
  const named = transport === undefined || transport === "auto" || transport === "fetch" || transport === "xhr";
  if (!named && !(hasMethods(transport, "put") && typeof transport.reportsProgress === "boolean")) {
    fail("transport", '`transport` must be "auto", "fetch", "xhr" or an object `{ reportsProgress: boolean, put(request) }`');
  }
  if (store !== undefined && store !== false && !hasMethods(store, "get", "set", "remove", "list")) {
    fail("store", "`store` must be `false` or an object `{ get, set, remove, list }` (e.g. memoryStore(), webStorageStore(), fileStore())");
  }
  if (options.fetch !== undefined && !isFunction(options.fetch)) fail("fetch", "`fetch` must be a fetch function");
  if (autoStart !== undefined && typeof autoStart !== "boolean") fail("autoStart", "`autoStart` must be true or false");
  if (now !== undefined && !isFunction(now)) fail("now", "`now` must be a function returning epoch milliseconds");
  return {
    concurrency,
    partSize,
    retry: retryOptions(options.retry),
    stallTimeoutMs: duration("stallTimeoutMs", options.stallTimeoutMs, 30_000, "no stall detection"),
    offlineTimeoutMs: duration("offlineTimeoutMs", options.offlineTimeoutMs, 300_000, "fail as soon as the retries are spent"),
    endpointTimeoutMs: duration("endpointTimeoutMs", options.endpointTimeoutMs, 30_000, "no timeout"),
  };
}
