/**
 * node:http plumbing for the S3 fixture's front server: reading bodies, writing S3-style answers,
 * and handing a (buffered) request to s3rver's Koa handler.
 */
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { PassThrough } from "node:stream";

import { errorDocument, type S3ErrorSpec } from "./xml.js";

/** Byte counter shared between body readers and the request log. */
export interface ByteCount {
  bytes: number;
}

/** Reads the whole request body, counting bytes; rejects if the client goes away first. */
export function readBody(req: IncomingMessage, count: ByteCount): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onClose = (): void => {
      if (!req.complete) reject(new Error("request body aborted"));
    };
    req.on("data", (chunk: Buffer) => {
      count.bytes += chunk.length;
      chunks.push(chunk);
    });
    req.once("end", () => {
      req.off("close", onClose);
      resolve(Buffer.concat(chunks));
    });
    req.once("error", reject);
    req.once("close", onClose);
  });
}

/** Reads and discards the body (so the client finishes sending before it gets an answer). */
export async function drainBody(req: IncomingMessage, count: ByteCount): Promise<boolean> {
  try {
    await readBody(req, count);
    return true;
  } catch {
    return false;
  }
}

/** A request id in S3's style. */
export function requestId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}

/** Writes an answer of the fixture's own (XML body or none) with S3's usual headers. */
export function sendAnswer(
  res: ServerResponse,
  status: number,
  body: string | undefined,
  headers: Record<string, string>,
  id: string = requestId(),
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = body === undefined ? undefined : Buffer.from(body, "utf8");
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("x-amz-request-id", id);
  res.setHeader("x-amz-id-2", id);
  res.setHeader("Server", "AmazonS3");
  if (payload) res.setHeader("Content-Type", "application/xml");
  res.setHeader("Content-Length", String(payload?.length ?? 0));
  res.end(payload);
}

/** Writes an S3 XML error answer. */
export function sendError(res: ServerResponse, error: S3ErrorSpec, headers: Record<string, string>): void {
  const id = requestId();
  sendAnswer(res, error.status, errorDocument(error, id), headers, id);
}

/**
 * Hands a request whose body was already read to a `node:http` handler (s3rver's Koa app):
 * a PassThrough carrying the same method, URL, headers (or `headers`) and socket, replaying `body`.
 */
export function replay(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  headers: IncomingHttpHeaders = req.headers,
): void {
  const stream = new PassThrough();
  const fake = Object.assign(stream, {
    method: req.method,
    url: req.url,
    headers: { ...headers },
    rawHeaders: req.rawHeaders,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    socket: req.socket,
    connection: req.socket,
    complete: true,
    aborted: false,
  });
  stream.end(body);
  handler(fake as unknown as IncomingMessage, res);
}
