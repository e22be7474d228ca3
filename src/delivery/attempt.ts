/**
 * One request to one host, through ky (no retries: falling back to the next host
 * is the retry), classified as a good answer or a failure of the host.
 */
import ky, { TimeoutError as KyTimeoutError } from "ky";
import type { FailureReason } from "./types.js";

/** A good answer (`response`), a failure of the host (`reason`), or neither: aborted by us or the caller. */
export interface Outcome {
  response?: Response;
  reason?: FailureReason;
  status?: number;
}

/** How an edge requests and judges one host. */
export interface AttemptOptions {
  timeoutMs: number;
  follow: boolean;
  isFallback: (status: number) => boolean;
  /** Whether a URL is on a configured host (a followed redirect must end on one). */
  configured: (url: string) => boolean;
  fetch: typeof fetch | undefined;
}

/** Largest timeout ky accepts. */
const MAX_TIMEOUT = 2_147_483_647;

/** Request `url`; never throws. `signal` aborts it (loser of a hedge, or the caller). */
export async function attempt(
  url: string,
  init: RequestInit,
  o: AttemptOptions,
  signal: AbortSignal,
): Promise<Outcome> {
  let response: Response;
  try {
    response = await ky(url, {
      ...init,
      signal,
      timeout: o.timeoutMs > MAX_TIMEOUT ? false : o.timeoutMs,
      retry: 0,
      throwHttpErrors: false,
      redirect: o.follow ? "follow" : "manual",
      ...(o.fetch && { fetch: o.fetch }),
    });
  } catch (error) {
    if (signal.aborted) return {};
    return { reason: error instanceof KyTimeoutError ? "timeout" : "network" };
  }
  const { status } = response;
  const reason: FailureReason | undefined =
    // A browser hides a manual redirect as an "opaqueredirect" with status 0.
    response.type === "opaqueredirect" ||
    (!o.follow && status >= 300 && status < 400 && status !== 304) ||
    (response.redirected && !o.configured(response.url))
      ? "redirect"
      : o.isFallback(status)
        ? "status"
        : undefined;
  if (reason === undefined) return { response };
  // Free the connection: nobody reads a failed answer.
  response.body?.cancel().catch(() => undefined);
  return status ? { reason, status } : { reason };
}
