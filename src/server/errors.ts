/**
 * Errors of the signing endpoint: {@link SignerError} carries a stable
 * {@link ServerErrorCode} and the HTTP status the endpoint answers with.
 *
 * Messages are written for the client and the logs alike, so they never hold a
 * URL, a token, a secret or an S3 message verbatim; the raw cause (which may)
 * travels only in `cause`, for the application's `onError` hook.
 */
import { S3EdgeError, isS3EdgeError } from "../core/errors.js";
import type { ServerErrorCode } from "../core/errors.js";

/** HTTP status of each server error code (a few codes have a second, documented status). */
export const SERVER_ERROR_STATUS: Readonly<Record<ServerErrorCode, number>> = Object.freeze({
  BadRequest: 400,
  InvalidKey: 400,
  TooLarge: 413,
  TooSmall: 400,
  ContentTypeNotAllowed: 415,
  InvalidPartNumber: 400,
  TooManyParts: 400,
  InvalidToken: 403,
  TokenExpired: 403,
  NotAuthorized: 401,
  UploadNotFound: 404,
  InvalidPartOrder: 400,
  InvalidPart: 400,
  MethodNotAllowed: 405,
  InternalError: 500,
});

/** True when `code` is one of the endpoint's codes. */
export function isServerErrorCode(code: string): code is ServerErrorCode {
  return Object.hasOwn(SERVER_ERROR_STATUS, code);
}

/** Options of a {@link SignerError}. */
export interface SignerErrorOptions {
  /** HTTP status; defaults to the code's entry in {@link SERVER_ERROR_STATUS}. */
  status?: number;
  /** The underlying error (may hold details that must not reach the client). */
  cause?: unknown;
}

/**
 * An error the signing endpoint answers as `{ error: { code, message } }` with
 * `status`. Throw one from `limits.check`, `keyPolicy` or `read` to refuse with
 * your own message (e.g. `new SignerError("TooLarge", "quota exceeded")`).
 */
export class SignerError extends S3EdgeError {
  /** Stable code, sent to the client. */
  declare readonly code: ServerErrorCode;
  /** HTTP status the endpoint answers with. */
  declare readonly status: number;

  constructor(code: ServerErrorCode, message: string, options: SignerErrorOptions = {}) {
    const status = options.status ?? SERVER_ERROR_STATUS[code];
    super(code, message, options.cause === undefined ? { status } : { status, cause: options.cause });
    this.name = "SignerError";
  }
}

/** True when `error` is a {@link SignerError} (also one from another copy of the library: its brand and name). */
export function isSignerError(error: unknown): error is SignerError {
  return error instanceof SignerError || (isS3EdgeError(error) && error.name === "SignerError");
}

/** The generic answer to an unexpected exception: details go to `onError` only. */
export function internalError(cause: unknown): SignerError {
  return new SignerError("InternalError", "internal error", { cause });
}

/** The name and HTTP status of an AWS SDK service error, when `error` is one. */
export function s3ErrorName(error: unknown): { name: string; status: number | undefined } | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown }; $fault?: unknown };
  if (e.$metadata === undefined && e.$fault === undefined) return undefined;
  const name = typeof e.Code === "string" ? e.Code : typeof e.name === "string" ? e.name : "UnknownError";
  const status = typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined;
  return { name, status };
}

/** The system error code of a failed connection (`ECONNREFUSED`, `ENOTFOUND`...), when it has a safe one. */
function networkCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^[A-Z][A-Z0-9_]{1,31}$/.test(code) ? code : undefined;
}

/**
 * Map an error thrown by an S3 call to a {@link SignerError}: the mapped S3
 * codes become their protocol code; any other S3 answer is a 502
 * `InternalError` ("S3 answered <Code>"); an S3 call that got no answer at all
 * (connection refused, DNS failure, timeout) is a 502 "S3 could not be
 * reached"; anything else 500 `InternalError`.
 */
export function fromS3Error(error: unknown, mapping: Readonly<Record<string, () => SignerError>> = {}): SignerError {
  if (error instanceof SignerError) return error;
  const s3 = s3ErrorName(error);
  if (s3 === undefined) return internalError(error);
  if (s3.status === undefined) {
    const code = networkCode(error);
    return new SignerError("InternalError", `S3 could not be reached${code === undefined ? "" : ` (${code})`}`, {
      status: 502,
      cause: error,
    });
  }
  const mapped = mapping[s3.name];
  if (mapped !== undefined) {
    const result = mapped();
    return new SignerError(result.code, result.message, { status: result.status, cause: error });
  }
  const safeName = /^[A-Za-z0-9.]{1,64}$/.test(s3.name) ? s3.name : "an error";
  return new SignerError("InternalError", `S3 answered ${safeName} (HTTP ${s3.status})`, { status: 502, cause: error });
}

/**
 * Any thrown value as a {@link SignerError}: itself when it is one, an S3
 * service error as 502, anything else as 500 "internal error".
 */
export function toSignerError(error: unknown): SignerError {
  if (error instanceof SignerError) return error;
  if (isSignerError(error) && isServerErrorCode(error.code)) {
    // A SignerError of another copy of the library (a hook importing the CJS build, say).
    return new SignerError(error.code, error.message, {
      status: error.status ?? SERVER_ERROR_STATUS[error.code],
      cause: error,
    });
  }
  if (s3ErrorName(error) !== undefined) return fromS3Error(error);
  return internalError(error);
}
