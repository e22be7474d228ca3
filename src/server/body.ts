/**
 * Reading a protocol request: JSON content type, a body read with a byte cap
 * (never trusting Content-Length), UTF-8, a JSON object, protocol version and a
 * known operation. Everything else is a 400 `BadRequest`.
 */
import { PROTOCOL_VERSION } from "../core/protocol.js";
import type { Operation } from "../core/protocol.js";
import { SignerError } from "./errors.js";
import { isRecord } from "./validate.js";

/** Largest request body of every operation but `complete`, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/**
 * Largest `complete` body: 10,000 parts with ETags and checksums take up to
 * about 1 MB of JSON, which {@link MAX_BODY_BYTES} cannot hold.
 */
export const MAX_COMPLETE_BODY_BYTES = 2 * 1024 * 1024;

const OPERATIONS: ReadonlySet<string> = new Set<Operation>(["create", "sign", "list", "complete", "abort", "url"]);

function bad(message: string): SignerError {
  return new SignerError("BadRequest", message);
}

/** Read at most `cap` bytes of the body; refuses a longer one without reading it all. */
export async function readCapped(request: Request, cap: number): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (error) {
      throw new SignerError("BadRequest", "could not read the request body", { cause: error });
    }
    if (result.done) break;
    total += result.value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      throw bad(`request body is larger than ${cap} bytes`);
    }
    chunks.push(result.value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** A parsed protocol request: its operation and the whole body. */
export interface ProtocolEnvelope {
  op: Operation;
  body: Record<string, unknown>;
}

/** Read and check the envelope of a protocol request. */
export async function readProtocolRequest(request: Request): Promise<ProtocolEnvelope> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) throw bad("Content-Type must be application/json");
  if (request.bodyUsed) throw bad("the request body was already read (authorize must not read it)");
  const bytes = await readCapped(request, MAX_COMPLETE_BODY_BYTES);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw bad("request body is not valid UTF-8");
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw bad("request body is not valid JSON");
  }
  if (!isRecord(body)) throw bad("request body must be a JSON object");
  if (body.v !== PROTOCOL_VERSION) throw bad(`unsupported protocol version (this server speaks v${PROTOCOL_VERSION})`);
  const { op } = body;
  if (typeof op !== "string" || !OPERATIONS.has(op)) throw bad("unknown operation");
  if (op !== "complete" && bytes.byteLength > MAX_BODY_BYTES) throw bad(`request body is larger than ${MAX_BODY_BYTES} bytes`);
  return { op: op as Operation, body };
}
