/**
 * `edge.fetch`'s walk over the hosts (`walk.ts`: breaker, hedging, `fallback`
 * events) with its errors: a {@link FallbackError} listing every host's failure
 * (URLs redacted) when all failed, an `AbortError` when the caller aborted.
 */
import { AbortError, redactUrl } from "../core/errors.js";
import { FallbackError } from "./errors.js";
import { walk, type Candidate, type RaceContext } from "./walk.js";

export { systemClock, type Candidate, type Clock, type RaceContext } from "./walk.js";

/**
 * Fetch `key` from the first candidate that answers well (see `walk`); rejects
 * with a `FallbackError` when every host failed, an `AbortError` when `signal` aborts.
 */
export function race(ctx: RaceContext, key: string, candidates: Candidate[], signal?: AbortSignal): Promise<Response> {
  return walk(
    {
      ...ctx,
      fail: (k, failures, cause) =>
        new FallbackError(
          k,
          failures.map((f) => ({ ...f, url: f.url && redactUrl(f.url) })),
          cause,
        ),
      aborted: (cause) => new AbortError("edge.fetch was aborted", { cause }),
    },
    key,
    candidates,
    signal,
  );
}
