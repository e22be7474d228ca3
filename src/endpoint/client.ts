/**
 * Client of the signing endpoint of `s3edge/server`: one JSON POST per
 * operation (see `core/protocol.ts`), answers checked for shape, every failure
 * mapped to a typed error that names the operation and the (redacted) endpoint
 * URL. Retries are the caller's (the uploader's `retrying.ts`), so that all
 * retries of an upload share one policy. Used by the uploader and by
 * delivery's `presignWith`; it sits between `core/` and both.
 *
 * Plain `fetch` with a timer, not ky: the uploader needs nothing else from an
 * HTTP library, and upload-only applications then do not ship one.
 */
import {
  AbortError,
  EndpointError,
  NetworkError,
  TimeoutError,
  redactUrl,
  type ServerErrorCode,
} from "../core/errors.js";
import { PROTOCOL_VERSION, type Operation, type ProtocolRequest, type ProtocolResponses } from "../core/protocol.js";
import { isRetryableStatus, parseRetryAfter } from "../core/retry.js";
import { resolveEndpointUrl } from "./location.js";
import { isObject, isProtocolAnswer } from "./shapes.js";

/** Body of operation `O` without the envelope fields. */
export type OperationBody<O extends Operation> = Omit<Extract<ProtocolRequest, { op: O }>, "v" | "op">;

/** Calls one operation of the signing endpoint. */
export type EndpointCall = <O extends Operation>(
  op: O,
  body: OperationBody<O>,
  signal?: AbortSignal,
) => Promise<ProtocolResponses[O]>;

/** `credentials` of the endpoint's `fetch` (the values of the Fetch standard's `RequestCredentials`). */
export type EndpointCredentials = "omit" | "same-origin" | "include";

/** Headers for the signing endpoint, or a function called before each request (a fresh token). */
export type EndpointHeaders = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

/** How to reach the signing endpoint (shared by `createUploader` and `presignWith`). */
export interface EndpointOptions {
  /**
   * URL of the signing endpoint mounted with `s3edge/server`. A path (`"/api/s3edge"`) resolves
   * against the page's location at the first request; in Node it must be absolute.
   */
  endpoint: string;
  /** Headers sent to the endpoint (auth); a function is called before each request. */
  headers?: EndpointHeaders;
  /** `credentials` of the endpoint's fetch (`"include"` to send cookies cross-origin). Default `"same-origin"`. */
  credentials?: EndpointCredentials;
  /** The `fetch` used for the endpoint. Default: the global one. */
  fetch?: typeof fetch;
  /** Timeout of one endpoint call in ms; `0` means no timeout. Default 30 000. */
  endpointTimeoutMs?: number;
}

/** @internal What the uploader observes of each answer. */
export interface EndpointHooks {
  /** The answer's `Date` header (or `null`), as soon as the answer arrives: the server's clock. */
  onDate?(date: string | null): void;
}

/**
 * The error of an error answer: `body` is the answer's JSON (`{ error: { code, message } }`),
 * `where` the redacted endpoint URL. Also the error of one file refused in a `createMany` answer.
 */
export function answeredError(
  op: string,
  where: string,
  status: number,
  body: Record<string, unknown> | undefined,
  retryAfterMs?: number,
): EndpointError {
  const error = body && isObject(body["error"]) ? body["error"] : undefined;
  const serverCode = error && typeof error["code"] === "string" ? (error["code"] as ServerErrorCode) : undefined;
  const message = error && typeof error["message"] === "string" ? error["message"] : undefined;
  const said = serverCode
    ? `${serverCode}: ${message ?? "(no message)"} (HTTP ${status} from ${where})`
    : `${where} answered HTTP ${status}`;
  return new EndpointError(op, said, {
    status,
    retryable: isRetryableStatus(status),
    ...(serverCode && { serverCode }),
    ...(retryAfterMs !== undefined && { retryAfterMs }),
  });
}

/** Default of {@link EndpointOptions.endpointTimeoutMs}. */
export const DEFAULT_ENDPOINT_TIMEOUT_MS = 30_000;

/**
 * Create the function that calls the signing endpoint. Options are taken as
 * they are (the factories check them); a relative endpoint is resolved at each
 * request, so creating a client never throws for one.
 */
export function createEndpoint(options: EndpointOptions, hooks: EndpointHooks = {}): EndpointCall {
  const timeout = options.endpointTimeoutMs ?? DEFAULT_ENDPOINT_TIMEOUT_MS;

  return async (op, body, signal) => {
    const url = resolveEndpointUrl(options.endpoint);
    const where = redactUrl(url);
    const headers = typeof options.headers === "function" ? await options.headers() : options.headers;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer =
      timeout > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeout)
        : undefined;
    let response: Response;
    let text: string;
    try {
      response = await (options.fetch ?? fetch)(url.href, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", ...headers },
        body: JSON.stringify({ v: PROTOCOL_VERSION, op, ...body }),
        credentials: options.credentials ?? "same-origin",
        signal: controller.signal,
      });
      hooks.onDate?.(response.headers.get("date"));
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? new AbortError();
      if (timedOut)
        throw new TimeoutError(`Signing endpoint ${op}: no answer from ${where} within ${timeout} ms`, {
          cause: error,
        });
      const { endpointHint } = await import("./cross-origin.js");
      throw new NetworkError(`Signing endpoint ${op}: ${where} could not be reached.${endpointHint(url)}`, {
        cause: error,
      });
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
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      throw answeredError(op, where, status, isObject(json) ? json : undefined, retryAfterMs);
    }
    if (!isProtocolAnswer(op, json)) {
      const type = response.headers.get("content-type") ?? "no content type";
      throw new EndpointError(
        op,
        `${where} answered ${status} (${type}) with something that is not the s3edge protocol; is it an s3edge/server endpoint?`,
        {
          status,
        },
      );
    }
    return json;
  };
}
