/**
 * One PUT of a presigned URL, with stall detection and S3's answer turned into
 * an ETag or a typed, classified error.
 */
import { S3EdgeError, S3Error, TimeoutError } from "../core/errors.js";
import { isRetryableStatus, parseRetryAfter, parseS3Error } from "../core/retry.js";
import { sizeOf } from "./part-body.js";
import type { PartBody, Transport } from "./types.js";

/** Options of {@link putPart}. */
export interface PutPartOptions {
  transport: Transport;
  url: string;
  headers: Record<string, string>;
  body: PartBody;
  signal: AbortSignal;
  /** No progress for this long aborts the PUT (transports without progress: plus 1 s per 8 KB). */
  stallTimeoutMs: number;
  onProgress(loaded: number): void;
  /** For messages: "part 3" or "object". */
  what: string;
}

/** Code of the error raised when S3 accepted the bytes but the browser may not read `ETag`. */
const CORS_HINT =
  'add "ETag" to ExposeHeaders (AllowedHeaders "*", AllowedMethods PUT) in the bucket\'s CORS configuration; see the README section "Bucket CORS"';

/** True when S3 refused a presigned URL because it expired: sign it again and retry. */
export function isExpiredUrl(error: unknown): boolean {
  return error instanceof S3Error && error.status === 403 && error.retryable;
}


/** PUT `body`; resolves to the part's ETag. */
export async function putPart(options: PutPartOptions): Promise<string> {
  const { transport, signal, what } = options;
  const stalled = new TimeoutError(`Upload of ${what} stalled: no progress for ${options.stallTimeoutMs} ms`, {
    stalled: true,
  });
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) onAbort();
  const limit = transport.reportsProgress
    ? options.stallTimeoutMs
    : options.stallTimeoutMs + sizeOf(options.body) / 8;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(stalled), limit);
  };
  arm();
  let response;
  try {
    response = await transport.put({
      url: options.url,
      headers: options.headers,
      body: options.body,
      signal: controller.signal,
      onProgress(loaded) {
        arm();
        options.onProgress(loaded);
      },
    });
  } catch (error) {
    if (controller.signal.reason === stalled) throw stalled;
    if (signal.aborted) throw signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }

  const { status } = response;
  if (status >= 200 && status < 300) {
    if (response.etag) return response.etag;
    const browser = typeof XMLHttpRequest !== "undefined";
    throw browser
      ? new S3EdgeError(
          "CorsETagMissing",
          `S3 stored ${what} but the browser cannot read its ETag header, so the upload cannot be completed: ${CORS_HINT}`,
          { status },
        )
      : new S3Error(`S3 answered ${status} for ${what} without an ETag header`, { status });
  }
  const { code, message = "" } = parseS3Error(response.body);
  const expired = status === 403 && /expired/i.test(message);
  const retryAfterMs = parseRetryAfter(response.header("retry-after"));
  throw new S3Error(`S3 refused ${what}: ${status}${code ? ` ${code}` : ""}${message ? ` (${message})` : ""}`, {
    status,
    retryable: expired || isRetryableStatus(status, code),
    ...(code && { s3Code: code }),
    ...(retryAfterMs !== undefined && { retryAfterMs }),
  });
}
