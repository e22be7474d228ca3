/**
 * Errors of the paths a working upload never takes, built here and loaded only
 * when one happens, so that pages do not ship their (long, helpful) messages
 * up front: an input no source accepts, a PUT that failed below HTTP, a part
 * whose ETag the bucket's CORS hides.
 */
import { CorsETagMissingError, InvalidInputError, NetworkError, redactUrl } from "../core/errors.js";
import { crossOriginHint } from "../endpoint/cross-origin.js";

/** How to name `input` in a message: `undefined`, `null`, `a number`, `an Object`... */
function describe(input: unknown): string {
  if (input === undefined || input === null) return String(input);
  if (typeof input === "string") return "a file path (paths work only in Node)";
  const kind =
    typeof input === "object"
      ? ((input as { constructor?: { name?: unknown } }).constructor?.name ?? "object")
      : typeof input;
  const name = typeof kind === "string" && kind ? kind : "object";
  return `${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}`;
}

/** The error for an input no source accepts. */
export function unsupportedInput(input: unknown): InvalidInputError {
  return new InvalidInputError(
    `Cannot upload ${describe(input)}: pass a File, Blob, Uint8Array, ArrayBuffer, ReadableStream or AsyncIterable<Uint8Array>`,
  );
}

/** The error for a PUT of `what` to `url` that failed before an answer (with a CORS hint in a browser on another origin). */
export function putFailed(url: string, what: string, cause: unknown): NetworkError {
  const hint = crossOriginHint(
    url,
    'unless the host is down, the bucket\'s CORS configuration does not allow it (AllowedOrigins with this origin, AllowedMethods PUT, AllowedHeaders "*"; see the README section "Bucket CORS").',
  );
  return new NetworkError(`PUT of ${what} to ${redactUrl(url)} failed before an answer.${hint}`, { cause });
}

/** The error for a part S3 stored but whose ETag the browser may not read. */
export function corsETagMissing(what: string, status: number): CorsETagMissingError {
  return new CorsETagMissingError(
    `S3 stored ${what} but the browser cannot read its ETag header, so the upload cannot be completed: add "ETag" to ExposeHeaders (AllowedHeaders "*", AllowedMethods PUT) in the bucket's CORS configuration; see the README section "Bucket CORS"`,
    { status },
  );
}
