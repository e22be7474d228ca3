/**
 * Reading a protocol request, after `authorize`: JSON content type, an
 * announced `Content-Length` over the limit refused before reading (413), a
 * body read with a byte cap (never trusting Content-Length) within a time limit
 * (408), each operation's size limit applied BEFORE parsing (only `complete`
 * may pass 64 KiB, and only when its first 64 KiB name the operation: nothing
 * else is read past 64 KiB), a nesting depth bound (the protocol nests 3 levels; a
 * deeply nested body is refused without parsing it), UTF-8, a JSON object,
 * protocol version and a known operation. Everything else is a 400 `BadRequest`.
 */
import { PROTOCOL_VERSION } from "../core/protocol.js";
import type { Operation } from "../core/protocol.js";
import { KiB, MiB } from "../core/sizes.js";
import { SignerError } from "./errors.js";
import { isRecord } from "./validate.js";

/** Largest request body of every operation but `complete`, in bytes. */
export const MAX_BODY_BYTES = 64 * KiB;
/**
 * Largest `complete` body: 10,000 parts with ETags and checksums take up to
 * about 1 MB of JSON, which {@link MAX_BODY_BYTES} cannot hold.
 */
export const MAX_COMPLETE_BODY_BYTES = 2 * MiB;
/** Deepest nesting of arrays and objects accepted (the protocol uses 3). */
export const MAX_JSON_DEPTH = 8;
/** Time allowed to receive the body once reading starts, by default. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

const OPERATIONS: ReadonlySet<string> = new Set<Operation>([
  "create",
  "createMany",
  "sign",
  "list",
  "complete",
  "abort",
  "url",
]);

function isOperation(op: unknown): op is Operation {
  return typeof op === "string" && OPERATIONS.has(op);
}
const COMPLETE_OP = /"op"\s*:\s*"complete"/;

function bad(message: string, status?: number): SignerError {
  return new SignerError("BadRequest", message, status === undefined ? {} : { status });
}

function tooLarge(cap: number): SignerError {
  return bad(`request body is larger than ${cap} bytes`, 413);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Past a first, smaller cap: whether the bytes read so far allow reading on. */
export interface SoftCap {
  bytes: number;
  allows(prefix: Uint8Array): boolean;
}

/**
 * Read at most `cap` bytes of the body within `timeoutMs`; refuses a longer or
 * slower one without reading it all. With `soft`, a body that passes
 * `soft.bytes` is read on only when `soft.allows` what came so far.
 */
export async function readCapped(
  request: Request,
  cap: number,
  timeoutMs = DEFAULT_BODY_TIMEOUT_MS,
  soft?: SoftCap,
): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const refuse = async (error: SignerError): Promise<never> => {
    await reader.cancel().catch(() => undefined);
    throw error;
  };
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array> | "timeout";
      try {
        result = await Promise.race([reader.read(), timedOut]);
      } catch (error) {
        throw new SignerError("BadRequest", "could not read the request body", { cause: error });
      }
      if (result === "timeout") await refuse(bad(`request body not received within ${timeoutMs} ms`, 408));
      else if (result.done) break;
      else {
        const before = total;
        total += result.value.byteLength;
        if (total > cap) await refuse(tooLarge(cap));
        chunks.push(result.value);
        if (soft !== undefined && before <= soft.bytes && total > soft.bytes && !soft.allows(concat(chunks, total))) {
          await refuse(tooLarge(soft.bytes));
        }
      }
    }
  } finally {
    clearTimeout(timer);
  }
  return concat(chunks, total);
}

/**
 * Whether the JSON text nests arrays and objects deeper than `max`: one pass over
 * the characters, strings skipped, long before `JSON.parse` would spend its time.
 */
export function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** A parsed protocol request: its operation and the whole body. */
export interface ProtocolEnvelope {
  op: Operation;
  body: Record<string, unknown>;
}

/** How the body is read. */
export interface ReadOptions {
  /** Time allowed to receive the body, ms. */
  timeoutMs?: number;
}

function announcedLength(request: Request): number | undefined {
  const header = request.headers.get("content-length");
  if (header === null || !/^\d{1,16}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/** Read and check the envelope of a protocol request. */
export async function readProtocolRequest(request: Request, options: ReadOptions = {}): Promise<ProtocolEnvelope> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) throw bad("Content-Type must be application/json");
  if (request.bodyUsed) throw bad("the request body was already read (authorize must not read it)");
  const announced = announcedLength(request);
  if (announced !== undefined && announced > MAX_COMPLETE_BODY_BYTES) {
    await request.body?.cancel().catch(() => undefined);
    throw tooLarge(MAX_COMPLETE_BODY_BYTES);
  }
  // Only `complete` may pass 64 KiB, and it must say so within its first 64 KiB: nothing else is
  // read past that.
  const bytes = await readCapped(request, MAX_COMPLETE_BODY_BYTES, options.timeoutMs, {
    bytes: MAX_BODY_BYTES,
    allows: (prefix) => COMPLETE_OP.test(new TextDecoder().decode(prefix.subarray(0, MAX_BODY_BYTES))),
  });
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw bad("request body is not valid UTF-8");
  }
  // Every operation's limit applies before parsing: only `complete` may be larger than 64 KiB.
  if (bytes.byteLength > MAX_BODY_BYTES && !COMPLETE_OP.test(text)) throw tooLarge(MAX_BODY_BYTES);
  if (nestedDeeperThan(text, MAX_JSON_DEPTH)) throw bad(`request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw bad("request body is not valid JSON");
  }
  if (!isRecord(body)) throw bad("request body must be a JSON object");
  if (body.v !== PROTOCOL_VERSION) throw bad(`unsupported protocol version (this server speaks v${PROTOCOL_VERSION})`);
  const { op } = body;
  if (!isOperation(op)) throw bad("unknown operation");
  if (op !== "complete" && bytes.byteLength > MAX_BODY_BYTES) throw tooLarge(MAX_BODY_BYTES);
  return { op, body };
}
