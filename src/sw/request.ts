/**
 * One request to one host from the worker: the `Request` to send for the page's
 * request, and the attempt judged as a good answer or a failure of the host
 * (the `Outcome` that `delivery/walk.ts` walks the candidates with).
 *
 * Modes. A plain `<img>`, a CSS image or a `<video>` without `crossorigin` is a
 * `no-cors` request: its answer is opaque (status 0), so only network errors and
 * timeouts can be seen. With `cors` (the CDN and the bucket send CORS headers)
 * it is made in `cors` mode instead, and a CORS answer may answer a `no-cors`
 * request. Chromium drops the `Range` header of a `no-cors` request that a
 * worker builds (it is a privileged header), so a ranged `no-cors` request is
 * sent as the page made it to its own URL, and in `cors` mode to any other URL.
 */
import type { Outcome } from "../delivery/attempt.js";

/** How the worker requests and judges hosts. */
export interface AttemptOptions {
  timeoutMs: number;
  isFallback: (status: number) => boolean;
  cors: boolean;
}

/** Headers that carry over to another host: what shapes the bytes, nothing that authenticates. */
const CARRIED = ["range", "accept"];

/**
 * The request to send to `url` for the page's `request`. Undefined `signal`
 * means the request cannot take one without losing its `Range` (see the module
 * documentation): it is then sent unabortable.
 */
export function requestFor(request: Request, url: string, cors: boolean): { request: Request; abortable: boolean } {
  const same = url === request.url;
  const ranged = request.headers.has("range");
  const mode =
    request.mode === "no-cors" && !cors && (same || !ranged)
      ? "no-cors"
      : request.mode === "no-cors" || !same
        ? "cors"
        : request.mode;
  if (same && mode === request.mode) return { request, abortable: !(ranged && mode === "no-cors") };
  const headers = new Headers();
  for (const name of CARRIED) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return {
    request: new Request(url, {
      headers,
      mode,
      // A CDN that sends `Access-Control-Allow-Origin: *` refuses credentialed CORS; S3 needs no cookies.
      credentials: "same-origin",
      cache: request.cache === "only-if-cached" ? "default" : request.cache,
      referrerPolicy: request.referrerPolicy,
    }),
    abortable: true,
  };
}

/** Why an attempt was stopped by our own timer (and not by the caller or a hedge). */
const TIMEOUT = "s3edge:timeout";

/**
 * Request `url` for the page's `request` and judge the answer; never throws.
 * The last resort (`last`, S3) has no timeout and its answer is the answer,
 * whatever its status. `signal` aborts the attempt (hedge loser, page gone).
 */
export async function attempt(
  request: Request,
  url: string,
  o: AttemptOptions,
  signal: AbortSignal,
  last: boolean,
): Promise<Outcome> {
  const { request: outgoing, abortable } = requestFor(request, url, o.cors);
  const controller = new AbortController();
  const stop = (reason: unknown): void => controller.abort(reason);
  if (signal.aborted) return {};
  signal.addEventListener("abort", () => stop(signal.reason), { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
  });
  if (!last) timer = setTimeout(() => stop(TIMEOUT), o.timeoutMs);
  let response: Response;
  try {
    // An unabortable request is left to finish on its own when we stop waiting.
    const sent = abortable ? fetch(outgoing, { signal: controller.signal }) : fetch(outgoing);
    response = await Promise.race([sent, stopped]);
  } catch {
    if (signal.aborted) return {};
    return { reason: controller.signal.reason === TIMEOUT ? "timeout" : "network" };
  } finally {
    clearTimeout(timer);
  }
  // Opaque answers show no status: reaching the host is all that can be judged.
  if (last || response.type === "opaque" || !o.isFallback(response.status)) return { response };
  response.body?.cancel().catch(() => undefined);
  return { reason: "status", status: response.status };
}
