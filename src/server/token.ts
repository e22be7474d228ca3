/**
 * Multipart upload tokens: `base64url(JSON payload) "." base64url(HMAC-SHA256)`.
 *
 * A token binds an upload (key, uploadId) to the user who created it, its size,
 * part size, checksum algorithm, content type and upload target (bucket), until `e`. The server keeps no
 * state: any instance holding the secret verifies any token. Web Crypto only
 * (`crypto.subtle`), so this runs in Node, Deno, Bun and Workers alike.
 */
import { ConfigError } from "../core/errors.js";
import type { ChecksumAlgorithm } from "../core/protocol.js";
import { SignerError } from "./errors.js";

/** What a token asserts. Short names keep tokens short. */
export interface TokenPayload {
  /** Key of the object. */
  k: string;
  /** S3 multipart upload id. */
  u: string;
  /** Id of the user who created the upload. */
  s: string;
  /** Expiry, epoch milliseconds. */
  e: number;
  /** Object size in bytes, `null` when unknown. */
  z: number | null;
  /** Part size in bytes. */
  p: number;
  /** Checksum algorithm of the parts, when the upload has one. */
  c?: ChecksumAlgorithm;
  /** Content type. */
  t: string;
  /**
   * Request-scoped key: the key was derived from the create's `requestId` for this user, so every
   * other multipart upload of exactly this key is a retry of the same create (an orphan to abort).
   */
  r?: true;
  /**
   * Id of the upload target (bucket) the upload lives in, when the signer has several: later
   * calls work on that target, whatever the request says. Absent: the signer's first target.
   */
  g?: string;
}

/** Smallest accepted HMAC key, in bytes. */
export const MIN_SECRET_BYTES = 32;

/** Domain separation: a MAC made for something else with the same secret never verifies here. */
const MAC_CONTEXT = "s3edge-token-v1.";

const encoder = new TextEncoder();

/** Base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decode base64url; `undefined` unless `text` is the canonical encoding of its bytes. */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  let binary: string;
  try {
    binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // Refuse non-canonical spellings (e.g. different unused low bits in the last character).
  return base64url(bytes) === text ? bytes : undefined;
}

/** Bytes of the secret, refusing short ones (a {@link ConfigError} naming `tokenSecret`). */
export function secretBytes(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === "string" ? encoder.encode(secret) : secret;
  if (!(bytes instanceof Uint8Array) || bytes.length < MIN_SECRET_BYTES) {
    throw new ConfigError(
      "tokenSecret",
      `tokenSecret must be at least ${MIN_SECRET_BYTES} bytes (e.g. 32 random bytes, base64-encoded in an environment variable)`,
    );
  }
  return bytes;
}

/** Signs and verifies tokens with one HMAC key. */
export interface TokenCodec {
  issue(payload: TokenPayload): Promise<string>;
  /** The payload of a valid token. Throws `InvalidToken` (403) or `TokenExpired` (403). */
  verify(token: unknown, now: number, allowExpired?: boolean): Promise<TokenPayload>;
  /**
   * The request key of a create: a UUID-formatted HMAC of the user's id and the client's
   * `requestId` (HMAC-SHA256 over "s3edge-request-key-v1." + user id + "\n" + requestId). The same user and requestId always give the same
   * value; no other user or requestId can give it, and nobody without the secret can compute it.
   */
  requestKey(userId: string, requestId: string): Promise<string>;
}

/** Domain separation of request keys from token MACs. */
const REQUEST_KEY_CONTEXT = "s3edge-request-key-v1.";

/** Format the first 16 bytes of a MAC as an RFC 9562 UUID (version 8: custom, variant 10xx). */
export function uuidFromBytes(mac: Uint8Array): string {
  const b = Array.from(mac.subarray(0, 16));
  if (b.length !== 16) throw new RangeError("need 16 bytes");
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x80;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function invalid(): SignerError {
  return new SignerError("InvalidToken", "invalid upload token");
}

function isPayload(value: unknown): value is TokenPayload {
  if (typeof value !== "object" || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.k === "string" &&
    typeof p.u === "string" &&
    typeof p.s === "string" &&
    typeof p.t === "string" &&
    typeof p.e === "number" &&
    Number.isFinite(p.e) &&
    (p.z === null || (typeof p.z === "number" && Number.isSafeInteger(p.z) && p.z >= 0)) &&
    typeof p.p === "number" &&
    Number.isSafeInteger(p.p) &&
    p.p > 0 &&
    (p.c === undefined || p.c === "CRC32") &&
    (p.r === undefined || p.r === true) &&
    (p.g === undefined || typeof p.g === "string")
  );
}

/** A {@link TokenCodec} over `secret` (at least {@link MIN_SECRET_BYTES} bytes). */
export function createTokenCodec(secret: string | Uint8Array): TokenCodec {
  const raw = secretBytes(secret).slice();
  let key: Promise<CryptoKey> | undefined;
  const getKey = (): Promise<CryptoKey> =>
    (key ??= globalThis.crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]));

  return {
    async issue(payload) {
      const body = base64url(encoder.encode(JSON.stringify(payload)));
      const mac = await globalThis.crypto.subtle.sign("HMAC", await getKey(), encoder.encode(MAC_CONTEXT + body));
      return `${body}.${base64url(new Uint8Array(mac))}`;
    },

    async verify(token, now, allowExpired = false) {
      if (typeof token !== "string" || token.length > 8192) throw invalid();
      const dot = token.indexOf(".");
      if (dot <= 0 || dot !== token.lastIndexOf(".")) throw invalid();
      const body = token.slice(0, dot);
      const mac = fromBase64url(token.slice(dot + 1));
      if (mac === undefined || mac.length !== 32) throw invalid();
      // crypto.subtle.verify compares in constant time.
      const ok = await globalThis.crypto.subtle.verify("HMAC", await getKey(), mac, encoder.encode(MAC_CONTEXT + body));
      if (!ok) throw invalid();
      const json = fromBase64url(body);
      if (json === undefined) throw invalid();
      let payload: unknown;
      try {
        payload = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(json));
      } catch {
        throw invalid();
      }
      if (!isPayload(payload)) throw invalid();
      if (!allowExpired && now >= payload.e)
        throw new SignerError("TokenExpired", "upload token has expired: create the upload again");
      return payload;
    },

    async requestKey(userId, requestId) {
      const data = encoder.encode(`${REQUEST_KEY_CONTEXT}${userId}\n${requestId}`);
      return uuidFromBytes(new Uint8Array(await globalThis.crypto.subtle.sign("HMAC", await getKey(), data)));
    },
  };
}
