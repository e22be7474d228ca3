/**
 * One upload's use of the retry loop (`retrying.ts`): the uploader's policy,
 * `retry` events with the part they concern, the upload's `offline` flag, and
 * what tells a network that went away from one that never worked (whether the
 * endpoint or S3 ever answered this upload).
 */
import { isS3EdgeError } from "../core/errors.js";
import type { UploadContext } from "./context.js";
import { retrying } from "./retrying.js";
import type { UploadEvents } from "./types.js";

/** What the attempts report to their upload. */
export interface AttemptHooks {
  /** The upload's `offline` flag. */
  offline(): boolean;
  setOffline(offline: boolean): void;
  retry(event: UploadEvents["retry"]): void;
}

/** The attempts of one upload. */
export interface Attempts {
  /** Run `fn` with the retry policy until `signal` aborts; `beforeRetry` runs before each wait. */
  run<T>(fn: () => Promise<T>, signal: AbortSignal, partNumber?: number, beforeRetry?: () => void): Promise<T>;
  /** Forget that the network worked (`upload.retry()` starts over). */
  reset(): void;
}

/** The {@link Attempts} of one upload of `ctx`. */
export function createAttempts(ctx: UploadContext, hooks: AttemptHooks): Attempts {
  /** Whether the endpoint or S3 ever answered (then a run of network errors may be an outage). */
  let reached = false;
  return {
    reset: () => {
      reached = false;
    },
    run: (fn, signal, partNumber, beforeRetry) =>
      retrying(
        () =>
          fn().then(
            (value) => {
              reached = true;
              return value;
            },
            (error: unknown) => {
              // An HTTP answer, even an error, proves the network and the host work.
              if (isS3EdgeError(error) && error.status !== undefined) reached = true;
              throw error;
            },
          ),
        {
          retry: ctx.retry,
          signal,
          offline: ctx.offline,
          // Wait out network errors only for a network that worked and is not said to be up.
          mayWait: () => reached && ctx.onLine() !== true,
          offlineTimeoutMs: ctx.offlineTimeoutMs,
          onRetry: ({ attempt, delayMs, offline, error }) => {
            beforeRetry?.();
            if (offline && !hooks.offline()) hooks.setOffline(true);
            hooks.retry({
              attempt,
              offline,
              error,
              ...(delayMs !== undefined && { delayMs }),
              ...(partNumber !== undefined && { partNumber }),
            });
          },
        },
      ).then((value) => {
        if (hooks.offline()) hooks.setOffline(false);
        return value;
      }),
  };
}
