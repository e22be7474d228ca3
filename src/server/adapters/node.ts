/**
 * `toNodeHandler`: run a Web handler (such as {@link handleS3Edge}'s) as a
 * `node:http` request listener or an Express / Connect middleware.
 *
 * The Web `Request` gets a lazily read body: nothing is read from the socket
 * until the handler reads the body, which `handleS3Edge` does only after
 * `authorize` accepted the caller. So an unauthenticated client announcing
 * 50 MB and stalling is answered 401 at once and costs no memory (only what
 * the kernel and Node's stream buffer hold, bounded by TCP backpressure). When
 * the answer leaves part of the body unread, the connection is closed after
 * the answer: the rest is discarded for a short while (so that the client
 * reads the answer instead of a reset), then the socket is destroyed.
 *
 * When a body parser (e.g. `express.json()`) already consumed the stream, the
 * body is taken from `req.body`. Uses only Node globals at runtime (no `node:`
 * import), so the module graph of `s3edge/server` still loads in Web runtimes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { ConfigError } from "../../core/errors.js";
import { MiB } from "../../core/sizes.js";
import { requestWithRefusedMethod } from "../method.js";

/** A Node request listener that also works as an Express / Connect middleware. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** What Express and body parsers add to the request. */
interface ParsedRequest extends IncomingMessage {
  body?: unknown;
  /** body-parser's mark of a body it has read. */
  _body?: boolean;
  originalUrl?: string;
}

/** After an answer that left the body unread: bytes discarded at most before the socket is destroyed. */
const LINGER_BYTES = MiB;
/** Same, time. */
const LINGER_MS = 2000;

/** The request stream as a Web stream that reads one chunk per pull (nothing before the first read). */
function lazyBody(req: IncomingMessage): { stream: ReadableStream<Uint8Array>; detach(): void } {
  let detach = (): void => undefined;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const onData = (chunk: Buffer): void => {
          req.pause();
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        };
        const onEnd = (): void => {
          detach();
          controller.close();
        };
        const onError = (error: unknown): void => {
          detach();
          controller.error(error);
        };
        const onClose = (): void => {
          if (!req.readableEnded) onError(new Error("request closed before its body was read"));
        };
        detach = () => {
          req.off("data", onData);
          req.off("end", onEnd);
          req.off("error", onError);
          req.off("close", onClose);
        };
        req.on("data", onData);
        req.on("end", onEnd);
        req.on("error", onError);
        req.on("close", onClose);
        req.pause();
      },
      pull() {
        req.resume();
      },
      cancel() {
        detach();
        req.pause();
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, detach: () => detach() };
}

/**
 * Close a connection whose request body was not read. The answer says
 * `Connection: close` (so that no client reuses the connection); what still
 * arrives is discarded for a moment (up to {@link LINGER_BYTES} /
 * {@link LINGER_MS}) so that the client reads the answer rather than a reset,
 * then the socket is destroyed. Node ends a `Connection: close` socket with
 * `destroySoon()` (end, then destroy as soon as the answer is out, while the
 * body may still arrive): for this socket it only ends, and the linger timer
 * (started when the answer is out, whatever Node calls) destroys it.
 */
function closeUnread(req: IncomingMessage, res: ServerResponse): void {
  const { socket } = req;
  let discarded = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  req.removeAllListeners("data");
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.byteLength;
    if (discarded > LINGER_BYTES) stop();
  });
  req.on("error", () => undefined);
  req.resume();
  socket.once("close", () => clearTimeout(timer));
  socket.destroySoon = () => socket.end();
  res.once("finish", () => {
    timer = setTimeout(stop, LINGER_MS);
    timer.unref?.();
  });
  res.setHeader("connection", "close");
}

/** The body a body parser left on the request, re-encoded, or `undefined` when none did. */
function parsedBody(req: ParsedRequest): Uint8Array<ArrayBuffer> | string | undefined {
  const consumed = req._body === true || req.readableEnded;
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

/** The Web request for `req`, and whether its body still lies unread in the socket. */
function toRequest(req: ParsedRequest): { request: Request; lazy: ReturnType<typeof lazyBody> | undefined } {
  const url = requestUrl(req);
  const method = req.method ?? "GET";
  const headers = toHeaders(req);
  if (method === "GET" || method === "HEAD") return { request: new Request(url, { method, headers }), lazy: undefined };
  // The request's own Content-Type is kept: a form a parser turned into an
  // object must still be refused as "not JSON" (CSRF protection).
  const parsed = parsedBody(req);
  const lazy = parsed === undefined ? lazyBody(req) : undefined;
  try {
    const body = parsed ?? lazy?.stream;
    const init: RequestInit & { duplex: "half" } = { method, headers, body: body ?? null, duplex: "half" };
    return { request: new Request(url, init), lazy };
  } catch {
    // A method `Request` refuses (TRACE, CONNECT, TRACK): the handler answers 405 for it.
    lazy?.detach();
    return { request: requestWithRefusedMethod(url, method, headers), lazy: undefined };
  }
}

async function run(
  handler: (request: Request) => Promise<Response>,
  req: ParsedRequest,
  res: ServerResponse,
): Promise<void> {
  const { request, lazy } = toRequest(req);
  let response: Response;
  try {
    response = await handler(request);
  } finally {
    lazy?.detach();
  }
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  const body = Buffer.from(await response.arrayBuffer());
  if (!req.complete && req.readable) {
    // The client is still sending a body nobody will read: close after the answer.
    closeUnread(req, res);
  } else if (!req.readableEnded) {
    req.resume(); // a body received but not read: drop it
  }
  res.end(body);
}

/**
 * Adapt a Web handler to `node:http` / Express:
 * `http.createServer(toNodeHandler(handler))` or
 * `app.post("/api/upload", toNodeHandler(handler))` (with or without `express.json()`).
 * An unexpected failure goes to `next(error)` when there is a `next`, else it
 * answers 500.
 */
export function toNodeHandler(handler: (request: Request) => Promise<Response>): NodeHandler {
  if (typeof handler !== "function") {
    throw new ConfigError("handler", "toNodeHandler needs a Web handler: toNodeHandler(handleS3Edge(signer))");
  }
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
