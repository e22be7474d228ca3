/**
 * Client of the signing endpoint: one JSON POST per operation (see
 * `core/protocol.ts`), answers checked for shape, every failure mapped to a
 * typed error that names the operation. Retries are the caller's (see
 * `retrying.ts`), so that all retries of an upload share one policy.
 *
 * Plain `fetch` with a timer, not ky: the uploader needs nothing else from an
 * HTTP library, and upload-only applications then do not ship one (ky comes
 * with delivery, whose `fetch` uses it).
 */
import {
  AbortError,
  EndpointError,
  NetworkError,
  TimeoutError,
  redactUrl,
  type ServerErrorCode,
} from "../core/errors.js";
import {
  PROTOCOL_VERSION,
  type Operation,
  type ProtocolRequest,
  type ProtocolResponses,
} from "../core/protocol.js";
import { isRetryableStatus, parseRetryAfter } from "../core/retry.js";

/** Body of operation `O` without the envelope fields. */
export type OperationBody<O extends Operation> = Omit<Extract<ProtocolRequest, { op: O }>, "v" | "op">;

/** Calls one operation of the signing endpoint. */
export type EndpointCall = <O extends Operation>(
  op: O,
  body: OperationBody<O>,
  signal?: AbortSignal,
) => Promise<ProtocolResponses[O]>;

/** How to reach the signing endpoint. */
export interface EndpointOptions {
  url: string;
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  credentials?: RequestCredentials;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;
const has = (value: Json, field: string, type: string): boolean => typeof value[field] === type;

/** Minimal shape checks: enough to turn a wrong endpoint into a clear error instead of a crash later. */
const SHAPES: Record<Operation, (body: Json) => boolean> = {
  create: (b) =>
    has(b, "key", "string") &&
    (b["mode"] === "single"
      ? has(b, "url", "string") && isObject(b["headers"])
      : b["mode"] === "multipart" && has(b, "uploadId", "string") && has(b, "token", "string") && has(b, "partSize", "number")),
  sign: (b) => isObject(b["urls"]) && has(b, "expiresAt", "number"),
  list: (b) => Array.isArray(b["parts"]),
  complete: (b) => has(b, "key", "string") && has(b, "etag", "string"),
  abort: () => true,
  url: (b) => has(b, "url", "string"),
};

/** Create the function that calls the signing endpoint at `options.url`. */
export function createEndpoint(options: EndpointOptions): EndpointCall {
  const timeout = options.timeoutMs ?? 30_000;
  const where = redactUrl(new URL(options.url, globalThis.location?.href));

  return async (op, body, signal) => {
    const headers = typeof options.headers === "function" ? await options.headers() : options.headers;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeout);
    let response: Response;
    let text: string;
    try {
      response = await (options.fetch ?? fetch)(options.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", ...headers },
        body: JSON.stringify({ v: PROTOCOL_VERSION, op, ...body }),
        credentials: options.credentials ?? "same-origin",
        signal: controller.signal,
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? new AbortError();
      if (timedOut) throw new TimeoutError(`Signing endpoint ${op}: no answer from ${where} within ${timeout} ms`, { cause: error });
      throw new NetworkError(`Signing endpoint ${op}: ${where} could not be reached`, { cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }


    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const { status } = response;
    if (!response.ok) {
      const error = isObject(json) && isObject(json["error"]) ? json["error"] : undefined;
      const serverCode = error && typeof error["code"] === "string" ? (error["code"] as ServerErrorCode) : undefined;
      const message = error && typeof error["message"] === "string" ? error["message"] : `answered HTTP ${status}`;
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      throw new EndpointError(op, serverCode ? `${serverCode}: ${message}` : message, {
        status,
        retryable: isRetryableStatus(status),
        ...(serverCode && { serverCode }),
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      });
    }
    if (!isObject(json) || !SHAPES[op](json)) {
      const type = response.headers.get("content-type") ?? "no content type";
      throw new EndpointError(
        op,
        `${where} answered ${status} (${type}) with something that is not the s3edge protocol; is it an s3edge/server endpoint?`,
        { status },
      );
    }
    return json as unknown as ProtocolResponses[typeof op];
  };
}
