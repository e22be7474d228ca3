/**
 * The endpoint's default logging, used when `handleS3Edge` has no `onError`:
 * one `console.error` line per 5xx answer, so that a misconfiguration (missing
 * credentials, a missing secret, an S3 client with the SDK's default checksums)
 * or an exception in a hook is never silent. The line holds the operation, the
 * code, the status, the message and the cause's name and message, with URLs
 * redacted and anything shaped like a token, a signature or a key removed.
 */
import { redactUrl } from "../core/errors.js";
import type { SignerError } from "./errors.js";

/** Longest cause message kept in a log line. */
const MAX_CAUSE_CHARS = 300;

/**
 * `text` with every URL reduced to its origin and path ({@link redactUrl}),
 * SigV4 query values and runs of 32+ token-like characters (tokens, secrets,
 * signatures, access keys) replaced by `<redacted>`.
 */
export function redactText(text: string): string {
  return text
    .replace(/\bhttps?:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url))
    .replace(/(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"']*/gi, "$1<redacted>")
    .replace(/[A-Za-z0-9+/_=-]{32,}/g, "<redacted>");
}

function causeText(cause: unknown): string {
  if (cause === undefined) return "";
  const name = cause instanceof Error ? cause.name : typeof cause;
  const raw = cause instanceof Error ? cause.message : typeof cause === "string" ? cause : "";
  const message = redactText(raw).slice(0, MAX_CAUSE_CHARS);
  return `; cause: ${name}${message === "" ? "" : `: ${message}`}`;
}

/** The log line of an answered error. */
export function logLine(error: SignerError, op: string): string {
  return `s3edge: ${op} answered ${error.status} ${error.code}: ${redactText(error.message)}${causeText(error.cause)}`;
}

/** The default `onError`: a redacted `console.error` line for every 5xx (4xx are the client's business). */
export function logServerErrors(error: SignerError, op: string): void {
  if (error.status >= 500) console.error(logLine(error, op));
}
