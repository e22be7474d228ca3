/**
 * The retry loop shared by part PUTs and endpoint calls: exponential backoff
 * with full jitter, `Retry-After` honoured, no retry of errors that cannot
 * succeed, and no retry budget spent while the device is offline.
 */
import { AbortError, S3EdgeError } from "../core/errors.js";
import { backoffDelay, sleep, type RetryOptions } from "../core/retry.js";

/** Options of {@link retrying}. */
export interface RetryingOptions {
  retry: RetryOptions;
  signal: AbortSignal;
  /** Called before each wait. */
  onRetry?: (info: { attempt: number; delayMs: number; error: S3EdgeError }) => void;
  /** Resolves when the network is back; `undefined` when the device is online. */
  offline?: () => Promise<void> | undefined;
  /**
   * After the retries are spent on network errors, keep probing every
   * `maxDelayMs` without spending retries for up to this long (the network may
   * come back; Node has no "online" event). 0 disables. Default 0.
   */
  offlineTimeoutMs?: number;
  now?: () => number;
  random?: () => number;
}

/** Turn anything thrown into an {@link S3EdgeError} (unknown errors are not retryable). */
export function toS3EdgeError(error: unknown): S3EdgeError {
  if (error instanceof S3EdgeError) return error;
  if (error instanceof Error && error.name === "AbortError") return new AbortError(undefined, { cause: error });
  return new S3EdgeError("InvalidInput", error instanceof Error ? error.message : String(error), { cause: error });
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
        options.onRetry?.({ attempt: n + 1, delayMs: -1, error });
        await untilAborted(offline, options.signal);
        continue;
      }
      if (spent >= options.retry.retries && network && options.offlineTimeoutMs) {
        // Repeated network errors: the network may be down. Probe it at the longest backoff,
        // without spending retries, until it answers or the offline timeout passes.
        waitingSince ??= now();
        if (now() - waitingSince < options.offlineTimeoutMs) {
          options.onRetry?.({ attempt: n + 1, delayMs: -1, error });
          await sleep(options.retry.maxDelayMs, options.signal);
          continue;
        }
      }
      if (!network) waitingSince = undefined;
      if (spent >= options.retry.retries) throw error;
      const delayMs = Math.max(error.retryAfterMs ?? 0, backoffDelay(spent, options.retry, options.random));
      spent++;
      options.onRetry?.({ attempt: spent, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}
