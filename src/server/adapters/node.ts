/**
 * `toNodeHandler`: run a Web handler (such as {@link handleS3Edge}'s) as a
 * `node:http` request listener or an Express / Connect middleware.
 *
 * The body is read from the request stream with a cap, or taken from
 * `req.body` when a body parser (e.g. `express.json()`) already consumed the
 * stream. Uses only Node globals at runtime (no `node:` import), so the
 * module graph of `s3edge/server` still loads in Web runtimes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { MAX_COMPLETE_BODY_BYTES } from "../body.js";

/** A Node request listener that also works as an Express / Connect middleware. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** What Express and body parsers add to the request. */
interface ParsedRequest extends IncomingMessage {
  body?: unknown;
  /** body-parser's mark of a body it has read. */
  _body?: boolean;
  originalUrl?: string;
}

/** Read the request stream, keeping at most `cap + 1` bytes (enough for the handler to refuse it). */
function readStream(req: IncomingMessage, cap: number): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    req.on("data", (chunk: Buffer) => {
      if (kept > cap) return; // keep draining, stop buffering
      chunks.push(chunk);
      kept += chunk.byteLength;
    });
    req.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on("error", reject);
    // A client that goes away mid-body never sends "end": do not wait forever.
    req.on("close", () => {
      if (!req.readableEnded) reject(new Error("request closed before its body was read"));
    });
  });
}

/** The body a body parser left on the request, re-encoded, or `undefined` when none did. */
function parsedBody(req: ParsedRequest): Uint8Array<ArrayBuffer> | string | undefined {
  const consumed = req._body === true || req.readableEnded || req.complete;
  if (req.body === undefined || !consumed) return undefined;
  if (req.body instanceof Uint8Array) return new Uint8Array(req.body);
  if (typeof req.body === "string") return req.body;
  return JSON.stringify(req.body);
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, v);
      } catch {
        // An invalid header value is dropped rather than failing the request.
      }
    }
  }
  return headers;
}

function requestUrl(req: ParsedRequest): string {
  const tls = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const path = req.originalUrl ?? req.url ?? "/";
  try {
    return new URL(path, `${tls ? "https" : "http"}://${req.headers.host ?? "localhost"}`).href;
  } catch {
    return new URL(path.startsWith("/") ? path : "/", "http://localhost").href;
  }
}

async function run(handler: (request: Request) => Promise<Response>, req: ParsedRequest, res: ServerResponse): Promise<void> {
  const method = req.method ?? "GET";
  const headers = toHeaders(req);
  let body: Uint8Array<ArrayBuffer> | string | undefined;
  if (method !== "GET" && method !== "HEAD") {
    // The request's own Content-Type is kept: a form a parser turned into an
    // object must still be refused as "not JSON" (CSRF protection).
    body = parsedBody(req) ?? (await readStream(req, MAX_COMPLETE_BODY_BYTES));
  }
  const request = new Request(requestUrl(req), { method, headers, ...(body === undefined ? {} : { body }) });
  const response = await handler(request);
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  res.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * Adapt a Web handler to `node:http` / Express:
 * `http.createServer(toNodeHandler(handler))` or
 * `app.post("/api/upload", toNodeHandler(handler))` (with or without `express.json()`).
 * An unexpected failure goes to `next(error)` when there is a `next`, else it
 * answers 500.
 */
export function toNodeHandler(handler: (request: Request) => Promise<Response>): NodeHandler {
  return (req, res, next) => {
    run(handler, req, res).catch((error: unknown) => {
      if (next !== undefined) {
        next(error);
        return;
      }
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader("content-type", "application/json; charset=utf-8");
      }
      res.end(JSON.stringify({ error: { code: "InternalError", message: "internal error" } }));
    });
  };
}
