/**
 * `handleS3Edge`: the signing endpoint as a Web `Request -> Response` function,
 * for any runtime with the Fetch API (Node 20+, Deno, Bun, Workers, Next.js
 * route handlers, Hono). One POST URL; the operation is named in the body.
 *
 * Order of checks: method (405), then the application's `authorize` (401),
 * then the body (400), then the operation's own checks. Answers are never
 * cached (`Cache-Control: no-store`): they hold signed URLs and tokens.
 */
import type { Operation } from "../core/protocol.js";
import { readProtocolRequest } from "./body.js";
import { createCors } from "./cors.js";
import type { CorsOptions } from "./cors.js";
import { SignerError, toSignerError } from "./errors.js";
import { signerInternals } from "./signer.js";
import type { Signer, SignerContext } from "./types.js";

/** Options of {@link handleS3Edge}. */
export interface HandlerOptions {
  /** CORS, when the pages calling the endpoint are on another origin. Same-origin apps need none. */
  cors?: CorsOptions;
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

function dispatch(signer: Signer, op: Operation, body: Record<string, unknown>, ctx: SignerContext): Promise<unknown> {
  // The signer validates every field itself: the casts only name the operation's shape.
  switch (op) {
    case "create":
      return signer.create(body as unknown as Parameters<Signer["create"]>[0], ctx);
    case "sign":
      return signer.sign(body as unknown as Parameters<Signer["sign"]>[0], ctx);
    case "list":
      return signer.list(body as unknown as Parameters<Signer["list"]>[0], ctx);
    case "complete":
      return signer.complete(body as unknown as Parameters<Signer["complete"]>[0], ctx);
    case "abort":
      return signer.abort(body as unknown as Parameters<Signer["abort"]>[0], ctx);
    case "url":
      return signer.url(body as unknown as Parameters<Signer["url"]>[0], ctx);
  }
}

/**
 * The signing endpoint as a Web handler. Mount it on one POST route:
 * Next.js `export const POST = handler`, Hono `(c) => handler(c.req.raw)`,
 * Node/Express through {@link toNodeHandler}.
 */
export function handleS3Edge(signer: Signer, options: HandlerOptions = {}): WebHandler {
  const cors = options.cors === undefined ? undefined : createCors(options.cors);
  const onError = signerInternals(signer)?.onError;
  const allow = cors === undefined ? "POST" : "POST, OPTIONS";

  return async (request) => {
    if (cors !== undefined && request.method === "OPTIONS") return cors.preflight(request);
    const corsHeaders = cors === undefined ? {} : cors.headers(request.headers.get("origin"));
    let op = "request";
    try {
      if (request.method !== "POST") throw new SignerError("MethodNotAllowed", `method ${request.method.slice(0, 16)} is not allowed: use POST`);
      const user = await signer.authorize(request);
      const envelope = await readProtocolRequest(request);
      op = envelope.op;
      const result = await dispatch(signer, envelope.op, envelope.body, { user, request });
      return json(200, result, corsHeaders);
    } catch (thrown) {
      const error = toSignerError(thrown);
      try {
        onError?.(error, op);
      } catch {
        // A failing logger must not change the answer.
      }
      const headers = error.status === 405 ? { ...corsHeaders, allow } : corsHeaders;
      return json(error.status, { error: { code: error.code, message: error.message } }, headers);
    }
  };
}
