/**
 * Retry building blocks: exponential backoff with full jitter, `Retry-After`
 * parsing, classification of HTTP/S3 answers, S3 XML error parsing and an
 * abortable sleep. Pure and isomorphic (timers only in {@link sleep}).
 */
import { AbortError } from "./errors.js";

/** How often and how long to retry. */
export interface RetryOptions {
  /** Retries after the first attempt (0 = no retry). */
  retries: number;
  /** Backoff ceiling of the first retry, in ms; doubles with each attempt. */
  baseDelayMs: number;
  /** Largest backoff ceiling, in ms. */
  maxDelayMs: number;
}

/** Default retry policy: 5 retries, 300 ms base, 20 s cap. */
export const DEFAULT_RETRY: RetryOptions = Object.freeze({ retries: 5, baseDelayMs: 300, maxDelayMs: 20_000 });

/** Longest wait {@link parseRetryAfter} returns: one hour. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Delay before retry number `attempt` (0 for the first retry), "full jitter"
 * from the AWS Architecture Blog: `random() * min(maxDelayMs, baseDelayMs * 2 ** attempt)`.
 * `random` defaults to `Math.random` and must return a number in [0, 1).
 */
export function backoffDelay(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, Number.isFinite(attempt) ? Math.floor(attempt) : 0);
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
  const r = Math.min(1, Math.max(0, random()));
  return Math.max(0, r * ceiling);
}

/** Starts like an HTTP-date (IMF-fixdate, RFC 850 or asctime): a day name. */
const HTTP_DATE_START = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s/i;

/**
 * Milliseconds to wait according to a `Retry-After` header: delay-seconds
 * (`"120"`) or an HTTP-date, relative to `now` (epoch ms, default `Date.now()`).
 * `undefined` when absent or invalid; never negative; at most
 * {@link MAX_RETRY_AFTER_MS}.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(MAX_RETRY_AFTER_MS, Number(text) * 1000);
  if (!HTTP_DATE_START.test(text)) return undefined;
  // asctime has no zone but means GMT, as every HTTP-date does.
  const at = Date.parse(/\b(GMT|UTC)\b|[+-]\d{4}$/i.test(text) ? text : `${text} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}

/**
 * S3 (and AWS) error codes that mean "try again": throttling, timeouts,
 * transient server errors, conflicting operation in progress.
 */
export const RETRYABLE_S3_CODES: ReadonlySet<string> = new Set([
  "SlowDown",
  "RequestTimeout",
  "InternalError",
  "ServiceUnavailable",
  "OperationAborted",
  "Throttling",
  "ThrottlingException",
  "RequestThrottled",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "TooManyRequestsException",
]);

/**
 * S3 codes never retried whatever the status: the same request cannot succeed
 * (`RequestTimeTooSkewed`: the signer's clock is wrong; `NotImplemented`).
 */
const NEVER_RETRYABLE_S3_CODES: ReadonlySet<string> = new Set(["RequestTimeTooSkewed", "NotImplemented"]);

/**
 * Whether an HTTP answer may succeed when the same request is retried.
 *
 * The S3 code decides first: a retryable code (`SlowDown`, `RequestTimeout` even
 * on 400, `InternalError`, `ServiceUnavailable`, `OperationAborted`, throttling
 * codes) is retryable; `RequestTimeTooSkewed` and `NotImplemented` are not. Then
 * the status: 408, 429 and 5xx except 501 are retryable; everything else
 * (2xx-4xx, including 400/401/403/404, and 0) is not.
 */
export function isRetryableStatus(status: number, s3Code?: string): boolean {
  if (s3Code !== undefined) {
    if (RETRYABLE_S3_CODES.has(s3Code)) return true;
    if (NEVER_RETRYABLE_S3_CODES.has(s3Code)) return false;
  }
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501;
}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === "#") {
      const point =
        entity[1] === "x" || entity[1] === "X" ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return point <= 0x10ffff ? String.fromCodePoint(point) : whole;
    }
    return XML_ENTITIES[entity] ?? whole;
  });
}

function xmlElement(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  if (match === null || match[1] === undefined) return undefined;
  const text = decodeXmlText(match[1]).trim();
  return text === "" ? undefined : text;
}

/**
 * Parse an S3 XML error body (`<Error><Code>…</Code><Message>…</Message>…`) into
 * its code, message and request id, each present only when found. A tiny regex
 * parser (no DOMParser): anything that is not such a body gives `{}`. Other
 * elements (e.g. the `StringToSign` of a signature error) are never read.
 */
export function parseS3Error(xml: string): { code?: string; message?: string; requestId?: string } {
  const result: { code?: string; message?: string; requestId?: string } = {};
  if (typeof xml !== "string" || !xml.includes("<Error")) return result;
  const code = xmlElement(xml, "Code");
  const message = xmlElement(xml, "Message");
  const requestId = xmlElement(xml, "RequestId");
  if (code !== undefined) result.code = code;
  if (message !== undefined) result.message = message;
  if (requestId !== undefined) result.requestId = requestId;
  return result;
}

/** Longest delay `setTimeout` honours (larger values fire at once). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A promise that resolves after `ms` milliseconds, or rejects with the signal's
 * reason (an {@link AbortError} if it has none) as soon as `signal` aborts; the
 * timer is cleared on abort and the listener removed on resolve.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const reason = (): unknown => signal?.reason ?? new AbortError();
    if (signal?.aborted) {
      reject(reason());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(reason());
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Number.isNaN(ms) ? 0 : Math.min(MAX_TIMER_MS, Math.max(0, ms)),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
