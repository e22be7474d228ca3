/**
 * The retry loop shared by part PUTs and endpoint calls: exponential backoff
 * with full jitter, `Retry-After` honoured, no retry of errors that cannot
 * succeed, no retry budget spent while the device is offline, and no waiting
 * on a network that never worked (a misconfiguration fails fast).
 */
import { AbortError, isS3EdgeError, toS3EdgeError as wrap, type S3EdgeError } from "../core/errors.js";
import { backoffDelay, sleep, type RetryOptions } from "../core/retry.js";

/** What a `retry` listener learns before each wait. */
export interface RetryInfo {
  attempt: number;
  /** The wait in ms; absent while waiting for an `online` event. */
  delayMs?: number;
  /** True when the wait is for the network (no retry spent). */
  offline: boolean;
  error: S3EdgeError;
}

/** Options of {@link retrying}. */
export interface RetryingOptions {
  retry: RetryOptions;
  signal: AbortSignal;
  /** Called before each wait. */
  onRetry?: (info: RetryInfo) => void;
  /** Resolves when the network is back; `undefined` when the device is not known to be offline. */
  offline?: () => Promise<void> | undefined;
  /**
   * Whether repeated network errors may be a network that went away (then it is
   * waited for), rather than a misconfiguration or a host that is down (then the
   * upload fails once the retries are spent). Default: never wait.
   */
  mayWait?: () => boolean;
  /**
   * After the retries are spent on network errors that {@link mayWait}, keep
   * probing every `maxDelayMs` without spending retries for up to this long
   * (the network may come back; Node has no "online" event). 0 disables. Default 0.
   */
  offlineTimeoutMs?: number;
  now?: () => number;
  random?: () => number;
}

/** Turn anything thrown into an {@link S3EdgeError}: a DOM `AbortError` is an abort, anything unknown an `InternalError`. */
export function toS3EdgeError(error: unknown): S3EdgeError {
  const abort =
    !isS3EdgeError(error) &&
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "AbortError";
  return abort ? new AbortError(undefined, { cause: error }) : wrap(error);
}

/** `promise`, or the signal's reason as soon as `signal` aborts (no timer left behind). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason ?? new AbortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason ?? new AbortError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Run `attempt` until it succeeds, the error is not retryable, the retries are
 * spent or `signal` aborts. `attempt` receives the attempt number (0 first).
 */
export async function retrying<T>(attempt: (n: number) => Promise<T>, options: RetryingOptions): Promise<T> {
  const now = options.now ?? Date.now;
  let waitingSince: number | undefined;
  for (let n = 0, spent = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (thrown) {
      if (options.signal.aborted) throw options.signal.reason ?? new AbortError();
      const error = toS3EdgeError(thrown);
      if (!error.retryable) throw error;
      const network = error.code === "NetworkError";
      const offline = network ? options.offline?.() : undefined;
      if (offline) {
        // Offline is not the request's fault: wait for the network, keep the budget.
        options.onRetry?.({ attempt: n + 1, offline: true, error });
        await untilAborted(offline, options.signal);
        continue;
      }
      if (spent >= options.retry.retries && network && options.offlineTimeoutMs && (options.mayWait?.() ?? false)) {
        // A network that worked fails now: it may be down for a while. Probe it at the longest
        // backoff, without spending retries, until it answers or the offline timeout passes.
        waitingSince ??= now();
        if (now() - waitingSince < options.offlineTimeoutMs) {
          options.onRetry?.({ attempt: n + 1, delayMs: options.retry.maxDelayMs, offline: true, error });
          await sleep(options.retry.maxDelayMs, options.signal);
          continue;
        }
      }
      if (!network) waitingSince = undefined;
      if (spent >= options.retry.retries) throw error;
      const delayMs = Math.max(error.retryAfterMs ?? 0, backoffDelay(spent, options.retry, options.random));
      spent++;
      options.onRetry?.({ attempt: spent, delayMs, offline: false, error });
      await sleep(delayMs, options.signal);
    }
  }
}
