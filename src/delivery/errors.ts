/**
 * The error `edge.fetch` rejects with when no configured host gave a good answer.
 */
import { S3EdgeError } from "../core/errors.js";
import type { EdgeSource, FailureReason } from "./types.js";

/** One host's failure within a request. Never holds a signed URL. */
export interface HostFailure {
  source: EdgeSource;
  /** `host[:port]`; empty when the URL itself could not be obtained (reason "url"). */
  host: string;
  /** The URL tried, redacted (no query string). */
  url: string;
  /**
   * "url": the origin's URL could not be obtained (presigner or origin function failed).
   * "missing": an S3 origin other than the last answered 403/404 (a replica behind on replication).
   */
  reason: FailureReason | "url" | "missing";
  status?: number;
}

/** Every candidate host failed (code `AllHostsFailed`); `failures` lists them in order. */
export class FallbackError extends S3EdgeError {
  /** The key requested. */
  readonly key: string;
  /** Per-host failures, in the order they happened. */
  readonly failures: readonly HostFailure[];

  constructor(key: string, failures: HostFailure[], cause?: unknown) {
    const last = failures[failures.length - 1];
    super(
      "AllHostsFailed",
      `All hosts failed for key ${JSON.stringify(key)}: ${
        failures
          .map((f) => `${f.source} ${f.host || "(no URL)"} ${f.reason}${f.status ? ` ${f.status}` : ""}`)
          .join(", ") || "nothing to try"
      }`,
      { retryable: true, cause, ...(last?.status !== undefined && { status: last.status }) },
    );
    this.name = "FallbackError";
    this.key = key;
    this.failures = failures;
  }
}
