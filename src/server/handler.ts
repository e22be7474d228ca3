/**
 * `handleS3Edge`: the signing endpoint as a Web `Request -> Response` function,
 * for any runtime with the Fetch API (Node 20+, Deno, Bun, Workers, Next.js
 * route handlers, Hono). One POST URL; the operation is named in the body.
 *
 * Order of checks: method (405), then the application's `authorize` (401), then
 * the body (413 / 408 / 400, read only now), then the operation's own checks.
 * Answers are never cached (`Cache-Control: no-store`): they hold signed URLs
 * and tokens. Every error answered goes to `onError`; without one, every 5xx is
 * logged with `console.error` (redacted).
 */
import { ConfigError } from "../core/errors.js";
import { DEFAULT_BODY_TIMEOUT_MS, readProtocolRequest } from "./body.js";
import { createCors } from "./cors.js";
import type { CorsOptions } from "./cors.js";
import { SignerError, toSignerError } from "./errors.js";
import { logServerErrors } from "./log.js";
import { ITEM_ERROR, type FailedFile } from "./op-create-many.js";
import { sentMethod } from "./method.js";
import type { ErrorHook, Signer } from "./types.js";

/** Options of {@link handleS3Edge}. */
export interface HandlerOptions {
  /** CORS, when the pages calling the endpoint are on another origin. Same-origin apps need none. */
  cors?: CorsOptions;
  /**
   * Called with every error the endpoint answers, 4xx included (messages are safe to log;
   * `error.cause` holds the raw error: S3 responses, your hooks' exceptions). Default: every
   * 5xx is logged with `console.error`, redacted (code, operation, message, the cause's name
   * and message with URLs and anything token-like removed).
   */
  onError?: ErrorHook;
  /** Time allowed to receive a request's body once `authorize` has accepted it, in ms (408 after). Default 10,000. */
  bodyTimeoutMs?: number;
}

/** Each file a `createMany` refused goes to `onError`, as the refusal of a lone `create` does. */
function reportFiles(answer: { results: FailedFile[] }, report: ErrorHook): void {
  for (const result of answer.results) {
    const error = result[ITEM_ERROR];
    if (error === undefined) continue;
    try {
      report(error, "create");
    } catch {
      // A failing logger must not change the answer.
    }
  }
}

/** A Web-standard request handler. */
export type WebHandler = (request: Request) => Promise<Response>;

function json(status: number, body: unknown, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      ...headers,
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}

function checkSigner(signer: unknown): asserts signer is Signer {
  const s = signer as Partial<Record<keyof Signer, unknown>> | null;
  if (typeof s !== "object" || s === null || typeof s.authorize !== "function" || typeof s.run !== "function") {
    throw new ConfigError(
      "signer",
      "handleS3Edge needs the signer createSigner returned: handleS3Edge(createSigner({ ... }))",
    );
  }
}

function checkOptions(options: HandlerOptions): { onError: ErrorHook | undefined; bodyTimeoutMs: number } {
  if (typeof options !== "object" || options === null)
    throw new ConfigError("options", "handleS3Edge options must be an object: { cors?, onError?, bodyTimeoutMs? }");
  const { onError, bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS } = options;
  if (onError !== undefined && typeof onError !== "function")
    throw new ConfigError("onError", "onError must be a function (error, op) => void");
  if (!Number.isSafeInteger(bodyTimeoutMs) || bodyTimeoutMs < 1 || bodyTimeoutMs > 600_000) {
    throw new ConfigError(
      "bodyTimeoutMs",
      `bodyTimeoutMs must be an integer number of milliseconds from 1 to 600000, got ${String(bodyTimeoutMs)}`,
    );
  }
  return { onError, bodyTimeoutMs };
}

/**
 * The signing endpoint as a Web handler. Mount it on one POST route:
 * Next.js `export const POST = handler`, Hono `(c) => handler(c.req.raw)`,
 * Node/Express through {@link toNodeHandler}. Throws a `ConfigError` for a
 * missing signer or a bad option.
 */
export function handleS3Edge(signer: Signer, options: HandlerOptions = {}): WebHandler {
  checkSigner(signer);
  const { onError, bodyTimeoutMs } = checkOptions(options);
  const cors = options.cors === undefined ? undefined : createCors(options.cors);
  // The signer's own onError is the deprecated place for the hook.
  const report: ErrorHook = onError ?? signer.onError ?? logServerErrors;
  const allow = cors === undefined ? "POST" : "POST, OPTIONS";

  return async (request) => {
    const method = sentMethod(request);
    if (cors !== undefined && method === "OPTIONS") return cors.preflight(request);
    const corsHeaders = cors === undefined ? {} : cors.headers(request.headers.get("origin"));
    let op = "request";
    try {
      if (method !== "POST")
        throw new SignerError("MethodNotAllowed", `method ${method.slice(0, 16)} is not allowed: use POST`);
      const user = await signer.authorize(request);
      const envelope = await readProtocolRequest(request, { timeoutMs: bodyTimeoutMs });
      op = envelope.op;
      const result = await signer.run(envelope.op, envelope.body, { user, request });
      if (envelope.op === "createMany") reportFiles(result as { results: FailedFile[] }, report);
      return json(200, result, corsHeaders);
    } catch (thrown) {
      const error = toSignerError(thrown);
      try {
        report(error, op);
      } catch {
        // A failing logger must not change the answer.
      }
      const headers = error.status === 405 ? { ...corsHeaders, allow } : corsHeaders;
      return json(error.status, { error: { code: error.code, message: error.message } }, headers);
    }
  };
}
