/**
 * S3 object keys: validation, percent-encoding for URL paths, and safe file
 * names. Pure and isomorphic (no I/O, no Node built-ins).
 *
 * s3edge is stricter than S3 itself: it refuses keys that a URL parser or a
 * file system would rewrite (`.`/`..` segments, `//`, a leading `/`, control
 * characters), so that a key always maps to exactly one URL path and back.
 */
import { encodeRfc3986 } from "./encode.js";
import { InvalidInputError, redactUrl } from "./errors.js";

/** Largest key S3 accepts, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** Longest file name {@link sanitizeFilename} produces, in UTF-8 bytes. */
export const MAX_FILENAME_BYTES = 200;

/** Longest extension (dot included) {@link sanitizeFilename} keeps when it truncates, in UTF-8 bytes. */
const MAX_EXTENSION_BYTES = 32;

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/** `scheme://` at the start: someone passed a URL where a key belongs. */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const encoder = /* @__PURE__ */ new TextEncoder();

/**
 * Number of bytes of the UTF-8 encoding of `text` (lone surrogates count as the
 * three bytes of U+FFFD, as `TextEncoder` would write them).
 */
export function utf8ByteLength(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Why `key` is invalid for s3edge, or `undefined` when it is valid.
 *
 * Invalid: empty; a URL (`https://...`: the message says a URL was given where a
 * key is expected); more than {@link MAX_KEY_BYTES} UTF-8 bytes; a leading `/`; an
 * empty segment (`a//b`, or a trailing `/`); a segment `.` or `..`; control
 * characters (U+0000-U+001F, U+007F); lone surrogates (no UTF-8 encoding).
 */
export function keyProblem(key: string): string | undefined {
  if (typeof key !== "string") return "key must be a string";
  if (key.length === 0) return "key is empty";
  if (URL_LIKE.test(key)) {
    return `a URL (${redactUrl(key)}) was given where an object key is expected: pass the key, e.g. "avatars/1.png", not its CDN or S3 URL (edge.keyOf(url) gives the key of a URL)`;
  }
  if (LONE_SURROGATE.test(key)) return "key contains a lone surrogate (not valid UTF-8)";
  if (CONTROL_CHARS.test(key)) return "key contains a control character";
  const bytes = utf8ByteLength(key);
  if (bytes > MAX_KEY_BYTES) return `key is ${bytes} UTF-8 bytes, more than ${MAX_KEY_BYTES}`;
  if (key.startsWith("/")) return "key starts with '/'";
  for (const segment of key.split("/")) {
    if (segment === "") return "key has an empty segment ('//' or a trailing '/')";
    if (segment === "." || segment === "..") return `key has a '${segment}' segment`;
  }
  return undefined;
}

/**
 * Throw an {@link InvalidInputError} with code `InvalidKey` (and the reason from
 * {@link keyProblem}) when `key` is not a valid s3edge key.
 */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new InvalidInputError(`Invalid key: ${problem}`, "InvalidKey");
}

/**
 * Percent-encode a key for a URL path: each `/`-separated segment is
 * RFC 3986-encoded as UTF-8 (unreserved `A-Z a-z 0-9 - . _ ~` kept, everything
 * else `%XX` with upper-case hex), and `/` is kept. No Unicode normalization:
 * NFC and NFD forms of the same text give different keys, as in S3.
 *
 * @throws InvalidInputError (`InvalidKey`) when the key holds a lone surrogate,
 * which has no UTF-8 encoding.
 */
export function encodeKey(key: string): string {
  if (LONE_SURROGATE.test(key)) {
    throw new InvalidInputError("Invalid key: key contains a lone surrogate (not valid UTF-8)", "InvalidKey");
  }
  return key.split("/").map(encodeRfc3986).join("/");
}

/**
 * Inverse of {@link encodeKey}: decode the percent-escapes of a URL path (or
 * path suffix) back to the key. Accepts lower-case hex too.
 *
 * @throws InvalidInputError (`InvalidKey`) on a malformed escape or bytes that
 * are not UTF-8.
 */
export function decodeKey(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw new InvalidInputError("Invalid key: malformed percent-encoding", "InvalidKey");
  }
}

/** Characters a file name segment may not keep: controls (C0, DEL, C1), path and URL specials, bidi overrides. */
const UNSAFE_FILENAME_CHARS = /[\u0000-\u001f\u007f-\u009f/\\?#%*:|"<>\u202a-\u202e\u2066-\u2069]/g;

/** Cut `text` to at most `maxBytes` UTF-8 bytes without splitting a code point. */
function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = "";
  for (const char of text) {
    const size = utf8ByteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += char;
  }
  return out;
}

/**
 * A safe file-name segment from a user-supplied file name (e.g. `File.name`),
 * fit to be one segment of a key.
 *
 * Keeps the basename only (after the last `/` or `\`); drops lone surrogates;
 * turns runs of whitespace (tabs and newlines included) into one space and
 * trims; replaces the other control characters (C0, DEL, C1), bidi overrides
 * and `/ \ ? # % * : | " < >` by `-`; removes
 * leading dots (no hidden files, no `.`/`..`); truncates to
 * {@link MAX_FILENAME_BYTES} UTF-8 bytes keeping a short extension; never returns
 * an empty string (`"file"`). No Unicode normalization.
 */
export function sanitizeFilename(name: string): string {
  const base = String(name).split(/[/\\]/).pop() ?? "";
  let clean = base
    // Built here (not at module level) so that bundles without sanitizeFilename (the worker) drop it.
    .replace(new RegExp(LONE_SURROGATE.source, "g"), "")
    .replace(/\s+/g, " ")
    .replace(UNSAFE_FILENAME_CHARS, "-")
    .replace(/^[.\s]+/, "")
    .trim();
  if (utf8ByteLength(clean) > MAX_FILENAME_BYTES) {
    const dot = clean.lastIndexOf(".");
    const extension = dot > 0 ? clean.slice(dot) : "";
    const keep = extension !== "" && utf8ByteLength(extension) <= MAX_EXTENSION_BYTES ? extension : "";
    const stem = keep === "" ? clean : clean.slice(0, dot);
    clean = truncateUtf8(stem, MAX_FILENAME_BYTES - utf8ByteLength(keep)).trimEnd() + keep;
  }
  return clean === "" ? "file" : clean;
}
