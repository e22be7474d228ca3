/**
 * `createUploader`'s options, checked once: every misconfiguration is a
 * {@link ConfigError} naming the option and what it must be, raised when the
 * uploader is created. Nothing here depends on the runtime environment (a
 * relative endpoint is resolved at the first request), so an uploader can be
 * created at module scope while a page is prerendered.
 *
 * Table-driven: one row per option (the test, then what the option must be),
 * one message builder, so that the checks cost few bytes in the bundle.
 */
import { ConfigError } from "../core/errors.js";
import { S3_LIMITS } from "../core/parts.js";
import { DEFAULT_RETRY, type RetryOptions } from "../core/retry.js";
import { checkEndpointUrl } from "../endpoint/location.js";
import type { UploaderOptions } from "./types.js";

type Test = (value: unknown) => boolean;

/** Largest delay `setTimeout` honours (larger ones fire at once). */
const MAX_TIMER_MS = 2_147_483_647;

/** Throw the ConfigError for `option`: "createUploader: `option` must be <must>, got <value>". */
function fail(option: string, must: string, ...got: [unknown?]): never {
  throw new ConfigError(
    option,
    `createUploader: \`${option}\` must be ${must}${got.length ? `, got ${String(got[0])}` : ""}`,
  );
}

const isFunction: Test = (v) => typeof v === "function";
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
/** An object whose `names` are all functions. */
const withMethods =
  (...names: string[]): Test =>
  (v) =>
    isObject(v) && names.every((name) => isFunction(v[name]));
const oneOf =
  (...values: unknown[]): Test =>
  (v) =>
    values.includes(v);
const wholeFrom =
  (min: number, max = Number.MAX_SAFE_INTEGER): Test =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
const isMs: Test = (v) => typeof v === "number" && v >= 0 && v <= MAX_TIMER_MS;
const MS = `a number of milliseconds from 0 to ${MAX_TIMER_MS}`;
const { minPartSize, maxPartSize } = S3_LIMITS;

/** Options checked when present: [option, test, what it must be]. */
const CHECKS: ReadonlyArray<readonly [keyof UploaderOptions, Test, string]> = [
  ["headers", (v) => isObject(v) || isFunction(v), "an object of header names to values, or a function returning one"],
  ["credentials", oneOf("omit", "same-origin", "include"), '"omit", "same-origin" or "include"'],
  ["concurrency", wholeFrom(1), "a whole number >= 1 (parts in flight across all files)"],
  [
    "partSize",
    wholeFrom(minPartSize, maxPartSize),
    `a whole number of bytes from ${minPartSize} (5 MiB) to ${maxPartSize} (5 GiB), S3's limits`,
  ],
  ["checksum", oneOf("CRC32"), '"CRC32" or absent'],
  [
    "transport",
    (v) =>
      oneOf("auto", "fetch", "xhr")(v) ||
      (withMethods("put")(v) && typeof (v as { reportsProgress?: unknown }).reportsProgress === "boolean"),
    '"auto", "fetch", "xhr" or an object `{ reportsProgress: boolean, put(request) }`',
  ],
  [
    "store",
    (v) => v === false || withMethods("get", "set", "remove", "list")(v),
    "`false` or an object `{ get, set, remove, list }` (e.g. memoryStore())",
  ],
  ["fetch", isFunction, "a fetch function"],
  ["autoStart", oneOf(true, false), "true or false"],
  ["now", isFunction, "a function returning epoch milliseconds"],
  ["stallTimeoutMs", isMs, MS],
  ["offlineTimeoutMs", isMs, MS],
  ["endpointTimeoutMs", isMs, MS],
];

/** `retry`'s fields: [field, test, what it must be]. */
const RETRY_CHECKS: ReadonlyArray<readonly [keyof RetryOptions, Test, string]> = [
  ["retries", wholeFrom(0), "a whole number >= 0 (retries after the first attempt)"],
  ["baseDelayMs", isMs, MS],
  ["maxDelayMs", isMs, MS],
];

/** The options after checking, with defaults applied. */
export interface CheckedOptions {
  concurrency: number;
  partSize: number | undefined;
  retry: RetryOptions;
  stallTimeoutMs: number;
  offlineTimeoutMs: number;
  endpointTimeoutMs: number;
}

function retryOptions(value: unknown): RetryOptions {
  if (value === undefined) return { ...DEFAULT_RETRY };
  if (!isObject(value)) return fail("retry", "an object `{ retries, baseDelayMs, maxDelayMs }`");
  for (const [field, test, must] of RETRY_CHECKS) {
    if (value[field] !== undefined && !test(value[field])) fail(`retry.${field}`, must, value[field]);
  }
  const { retries = DEFAULT_RETRY.retries, baseDelayMs = DEFAULT_RETRY.baseDelayMs } = value as Partial<RetryOptions>;
  const { maxDelayMs = Math.max(DEFAULT_RETRY.maxDelayMs, baseDelayMs) } = value as Partial<RetryOptions>;
  if (maxDelayMs < baseDelayMs) fail("retry.maxDelayMs", `>= \`retry.baseDelayMs\` (${baseDelayMs})`, maxDelayMs);
  return { retries, baseDelayMs, maxDelayMs };
}

/** Check every option of {@link UploaderOptions}; throws a {@link ConfigError} naming the first bad one. */
export function checkOptions(options: UploaderOptions): CheckedOptions {
  if (!isObject(options))
    return fail("endpoint", 'set: pass options `{ endpoint: "/api/s3edge" }` (the URL of your s3edge/server endpoint)');
  checkEndpointUrl(options.endpoint, "createUploader");
  for (const [option, test, must] of CHECKS) {
    if (options[option] !== undefined && !test(options[option])) fail(option, must, options[option]);
  }
  const {
    concurrency = 4,
    partSize,
    stallTimeoutMs = 30_000,
    offlineTimeoutMs = 300_000,
    endpointTimeoutMs = 30_000,
  } = options;
  return {
    concurrency,
    partSize,
    retry: retryOptions(options.retry),
    stallTimeoutMs,
    offlineTimeoutMs,
    endpointTimeoutMs,
  };
}
