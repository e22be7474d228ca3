/**
 * One PUT of a presigned URL, with stall detection and S3's answer turned into
 * an outcome (ETag, checksum echoed or not) or a typed, classified error.
 */
import { S3Error, TimeoutError, isS3EdgeError } from "../core/errors.js";
import { isRetryableStatus, parseRetryAfter, parseS3Error } from "../core/retry.js";
import { sizeOf } from "./part-body.js";
import type { PartBody, PutResponse, Transport } from "./types.js";

/** Options of {@link putPart}. */
export interface PutPartOptions {
  transport: Transport;
  url: string;
  headers: Record<string, string>;
  body: PartBody;
  signal: AbortSignal;
  /** No progress for this long aborts the PUT (transports without progress: plus 1 s per 8 KB); 0 disables. */
  stallTimeoutMs: number;
  onProgress(loaded: number): void;
  /** Called with the answer's `Date` header (S3's clock), error answers included. */
  onDate?(date: string | null): void;
  /** Called once the request was handed to the transport. */
  onSend?(): void;
  /** For messages: "part 3" or "the object". */
  what: string;
}

/** What S3's 2xx answer said. */
export interface PutOutcome {
  /** The `ETag` header, or `null` when absent or not readable (bucket CORS without `ExposeHeaders: ETag`). */
  etag: string | null;
  /** True when every `x-amz-checksum-*` header sent came back with the same value (S3 verified it). */
  checksumEchoed: boolean;
}

/** True where a browser guards S3's answers with CORS (what an unreadable ETag then means). */
export const inBrowser = (): boolean => typeof XMLHttpRequest !== "undefined";

/** True when S3 said in words that a presigned URL expired (AWS: "Request has expired"): sign it again and retry. */
export function isExpiredUrl(error: unknown): boolean {
  return error instanceof S3Error && error.status === 403 && error.retryable;
}

function echoed(headers: Record<string, string>, response: PutResponse): boolean {
  return Object.entries(headers).every(
    ([name, value]) => !name.toLowerCase().startsWith("x-amz-checksum-") || response.header(name) === value,
  );
}

/** PUT `body`; resolves with S3's 2xx answer, rejects with a typed error. */
export async function putPart(options: PutPartOptions): Promise<PutOutcome> {
  const { transport, signal, what } = options;
  // Paused or cancelled while the URL or the bytes were on their way: nothing to send. (Handing a
  // transport an aborted signal is not safe: an XHR aborted before send() never settles, and the
  // stall timer cannot abort a controller that is already aborted.)
  if (signal.aborted) throw signal.reason;
  const stalled = new TimeoutError(`Upload of ${what} stalled: no progress for ${options.stallTimeoutMs} ms`, {
    stalled: true,
  });
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const limit = transport.reportsProgress ? options.stallTimeoutMs : options.stallTimeoutMs + sizeOf(options.body) / 8;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    if (options.stallTimeoutMs > 0) timer = setTimeout(() => controller.abort(stalled), limit);
  };
  arm();
  let response: PutResponse;
  try {
    const sending = transport.put({
      url: options.url,
      headers: options.headers,
      body: options.body,
      signal: controller.signal,
      onProgress(loaded) {
        arm();
        options.onProgress(loaded);
      },
    });
    options.onSend?.();
    response = await sending;
  } catch (error) {
    if (controller.signal.reason === stalled) throw stalled;
    if (signal.aborted) throw signal.reason;
    if (!isS3EdgeError(error, "NetworkError")) throw error;
    throw (await import("./failures.js")).putFailed(options.url, what, error);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }

  options.onDate?.(response.header("date"));
  const { status } = response;
  if (status >= 200 && status < 300)
    return { etag: response.etag || null, checksumEchoed: echoed(options.headers, response) };
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
