/**
 * Typed errors. Every error s3edge throws is an {@link S3EdgeError} with a stable
 * `code` that applications can switch on; subclasses exist for the cases an
 * application handles differently.
 *
 * Switch on `error.code` (and on `error.serverCode` of an `EndpointError`, the
 * code the signing endpoint answered). `instanceof` works within one copy of
 * the library; {@link isS3EdgeError} also recognises errors of another copy
 * (the ESM and CJS builds side by side, or two versions in one bundle), as
 * ky's `isKyError` does: each error carries a brand shared through `Symbol.for`.
 *
 * No message ever contains a signed URL, a token or a secret: URLs are passed
 * through {@link redactUrl} before they reach a message.
 */

/** Stable codes of errors raised on the client side (uploader, delivery). */
export type ClientErrorCode =
  | "InvalidInput"
  | "InvalidKey"
  | "InvalidConfig"
  | "EndpointError"
  | "S3Error"
  | "NetworkError"
  | "Timeout"
  | "Stalled"
  | "Aborted"
  | "CorsETagMissing"
  | "SourceChanged"
  | "AllHostsFailed"
  | "InternalError";

/** Stable codes the signing endpoint answers with (`{ error: { code, message } }`). */
export type ServerErrorCode =
  | "BadRequest"
  | "InvalidKey"
  | "TooLarge"
  | "TooSmall"
  | "ContentTypeNotAllowed"
  | "InvalidPartNumber"
  | "TooManyParts"
  | "InvalidToken"
  | "TokenExpired"
  | "NotAuthorized"
  | "UploadNotFound"
  | "InvalidPartOrder"
  | "InvalidPart"
  | "MethodNotAllowed"
  | "InternalError";

/** Every stable error code of s3edge. */
export type ErrorCode = ClientErrorCode | ServerErrorCode;

/** Options shared by all s3edge error constructors. */
export interface S3EdgeErrorOptions {
  /** HTTP status involved, when there was one. */
  status?: number;
  /** The underlying error. */
  cause?: unknown;
  /** Whether retrying the same operation may succeed. */
  retryable?: boolean;
  /** How long the server asked us to wait before retrying (`Retry-After`), in ms. */
  retryAfterMs?: number;
}

/** Brand shared by every copy of the library (ESM, CJS, two versions): see {@link isS3EdgeError}. */
const BRAND = Symbol.for("s3edge.error");

/** Base class of every error thrown by s3edge. */
export class S3EdgeError extends Error {
  /** Stable, documented code: safe to switch on. */
  readonly code: ErrorCode;
  /** HTTP status involved, if any. */
  readonly status: number | undefined;
  /** Whether the failed operation may succeed when retried. */
  readonly retryable: boolean;
  /** Server-requested delay before a retry, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: S3EdgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "S3EdgeError";
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    // Non-enumerable: not part of the public type, not in JSON or console output.
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** The signing endpoint answered an error, or something that is not its protocol. */
export class EndpointError extends S3EdgeError {
  /** The wire operation that failed (`create`, `sign`, `list`, `complete`, `abort`). */
  readonly operation: string;
  /** The server's own error code, when it answered one. */
  readonly serverCode: ServerErrorCode | undefined;

  constructor(operation: string, message: string, options: S3EdgeErrorOptions & { serverCode?: ServerErrorCode } = {}) {
    super("EndpointError", `Signing endpoint ${operation}: ${message}`, options);
    this.name = "EndpointError";
    this.operation = operation;
    this.serverCode = options.serverCode;
  }
}

/** S3 answered an error status (its XML `Code` is in `s3Code`). */
export class S3Error extends S3EdgeError {
  /** S3's error code, e.g. `SlowDown`, `AccessDenied`, `SignatureDoesNotMatch`. */
  readonly s3Code: string | undefined;

  constructor(message: string, options: S3EdgeErrorOptions & { s3Code?: string } = {}) {
    super("S3Error", message, options);
    this.name = "S3Error";
    this.s3Code = options.s3Code;
  }
}

/** A request failed below HTTP: refused, reset, DNS failure, offline. Always retryable. */
export class NetworkError extends S3EdgeError {
  constructor(message: string, options: S3EdgeErrorOptions = {}) {
    super("NetworkError", message, { retryable: true, ...options });
    this.name = "NetworkError";
  }
}

/** A request took longer than its timeout, or a transfer stalled. Retryable. */
export class TimeoutError extends S3EdgeError {
  constructor(message: string, options: S3EdgeErrorOptions & { stalled?: boolean } = {}) {
    super(options.stalled ? "Stalled" : "Timeout", message, { retryable: true, ...options });
    this.name = "TimeoutError";
  }
}

/** The operation was cancelled by the application (`cancel()` or an `AbortSignal`). */
export class AbortError extends S3EdgeError {
  constructor(message = "The operation was aborted", options: S3EdgeErrorOptions = {}) {
    super("Aborted", message, options);
    this.name = "AbortError";
  }
}

/** The application passed something s3edge cannot work with. */
export class InvalidInputError extends S3EdgeError {
  constructor(message: string, code: "InvalidInput" | "InvalidKey" = "InvalidInput") {
    super(code, message);
    this.name = "InvalidInputError";
  }
}

/**
 * s3edge was configured wrongly: a factory (`createUploader`, `createEdge`,
 * `createSigner`, `autoFallback`...) got an option it cannot use, or an option
 * checked at first use (e.g. a secret read from the environment) is missing.
 * `option` names it; the message says what to do.
 */
export class ConfigError extends S3EdgeError {
  /** The option at fault, e.g. `"endpoint"` or `"tokenSecret"`. */
  readonly option: string;

  constructor(option: string, message: string, options: Pick<S3EdgeErrorOptions, "cause"> = {}) {
    super("InvalidConfig", message, options);
    this.name = "ConfigError";
    this.option = option;
  }
}

/** The file changed while it was uploaded (size or modification time); the upload is aborted, not stored half old, half new. */
export class SourceChangedError extends S3EdgeError {
  constructor(message: string) {
    super("SourceChanged", message);
    this.name = "SourceChangedError";
  }
}

/**
 * S3 stored a part but the browser could not read its `ETag`: the bucket's
 * CORS configuration must expose it (`"ExposeHeaders": ["ETag"]`).
 */
export class CorsETagMissingError extends S3EdgeError {
  constructor(
    message = 'S3 accepted the part but its ETag is not readable: add "ExposeHeaders": ["ETag"] to the bucket\'s CORS configuration',
    options: S3EdgeErrorOptions = {},
  ) {
    super("CorsETagMissing", message, options);
    this.name = "CorsETagMissingError";
  }
}

/**
 * Something went wrong inside s3edge (or in code it called) that is neither the
 * caller's input nor a network or S3 failure: likely a bug. `cause` holds what was thrown.
 */
export class InternalError extends S3EdgeError {
  constructor(message: string, options: S3EdgeErrorOptions = {}) {
    super("InternalError", message, options);
    this.name = "InternalError";
  }
}

/** Wrap anything thrown into an S3EdgeError: s3edge errors pass through, anything else becomes an {@link InternalError}. */
export function toS3EdgeError(error: unknown): S3EdgeError {
  if (isS3EdgeError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`Unexpected error: ${message}`, { cause: error });
}

/**
 * Remove everything after the path of a URL (query with its signature, fragment,
 * user info), so that a URL can be named in a message or a log.
 */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? "?<redacted>" : ""}`;
  } catch {
    return "<invalid url>";
  }
}

/**
 * True when `error` is an s3edge error, optionally with the given code. Holds
 * across copies of the library (an error thrown by the CJS build and checked by
 * the ESM build): it checks the shared brand, `name` and `code`, not only `instanceof`.
 */
export function isS3EdgeError(error: unknown, code?: ErrorCode): error is S3EdgeError {
  if (!(error instanceof S3EdgeError)) {
    if (typeof error !== "object" || error === null) return false;
    const e = error as { name?: unknown; code?: unknown };
    if ((error as Record<symbol, unknown>)[BRAND] !== true || typeof e.name !== "string" || typeof e.code !== "string")
      return false;
  }
  return code === undefined || (error as S3EdgeError).code === code;
}
