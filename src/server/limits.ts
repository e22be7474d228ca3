/**
 * The signer's upload limits: defaults, validation of the application's
 * settings (at construction), and the checks of `create` (size, content type)
 * and of part planning.
 */
import { contentTypeMatches } from "../core/content-type.js";
import { ConfigError } from "../core/errors.js";
import { DEFAULT_PART_SIZE, S3_LIMITS, choosePartSize, partCount, partSizeToFit } from "../core/parts.js";
import { GiB } from "../core/sizes.js";
import { SignerError } from "./errors.js";
import type { CreateInput, SignerContext, SignerLimits } from "./types.js";
import { mediaType } from "./validate.js";

/** {@link SignerLimits} with every default applied. */
export interface ResolvedLimits {
  maxSize: number;
  minSize: number;
  /** Lower-case patterns. */
  contentTypes: readonly string[];
  maxParts: number;
  multipartThreshold: number;
  partSize: number;
  allowUnknownSize: boolean;
  check: ((input: CreateInput, ctx: SignerContext) => void | Promise<void>) | undefined;
}

function integerIn(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(
      `limits.${name}`,
      `limits.${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return n;
}

/** Apply defaults and refuse settings S3 cannot honour (a {@link ConfigError} at construction). */
export function resolveLimits(limits: SignerLimits = {}): ResolvedLimits {
  if (typeof limits !== "object" || limits === null)
    throw new ConfigError("limits", "limits must be an object when given");
  if (limits.contentTypes !== undefined && !Array.isArray(limits.contentTypes)) {
    throw new ConfigError(
      "limits.contentTypes",
      'limits.contentTypes must be an array of patterns such as ["image/png", "image/*"]',
    );
  }
  if (limits.check !== undefined && typeof limits.check !== "function")
    throw new ConfigError("limits.check", "limits.check must be a function when given");
  const maxSize = integerIn(limits.maxSize, 5 * GiB, 0, S3_LIMITS.maxObjectSize, "maxSize");
  const minSize = integerIn(limits.minSize, 0, 0, maxSize, "minSize");
  const maxParts = integerIn(limits.maxParts, S3_LIMITS.maxParts, 1, S3_LIMITS.maxParts, "maxParts");
  const multipartThreshold = integerIn(
    limits.multipartThreshold,
    DEFAULT_PART_SIZE,
    0,
    S3_LIMITS.maxSinglePutSize,
    "multipartThreshold",
  );
  const partSize = integerIn(
    limits.partSize,
    DEFAULT_PART_SIZE,
    S3_LIMITS.minPartSize,
    S3_LIMITS.maxPartSize,
    "partSize",
  );
  const contentTypes = (limits.contentTypes ?? ["*/*"]).map((pattern) => {
    if (
      typeof pattern !== "string" ||
      !/^([a-z0-9!#$&^_.+-]+|\*)\/([a-z0-9!#$&^_.+-]+|\*)$/i.test(pattern) ||
      (pattern.startsWith("*/") && pattern !== "*/*")
    ) {
      throw new ConfigError(
        "limits.contentTypes",
        `limits.contentTypes: invalid pattern ${JSON.stringify(pattern)} (use "image/png", "image/*" or "*/*")`,
      );
    }
    return pattern.toLowerCase();
  });
  return {
    maxSize,
    minSize,
    contentTypes,
    maxParts,
    multipartThreshold,
    partSize,
    allowUnknownSize: limits.allowUnknownSize ?? true,
    check: limits.check,
  };
}

/**
 * Whether `type` (a lower-case `type/subtype`) matches one of the patterns.
 * `image/*` does not match `image/svg+xml`: SVG can carry script, so it must be
 * listed by name (`*\/*` admits everything, SVG included).
 */
export function contentTypeAllowed(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => contentTypeMatches(p, type));
}

/** The built-in checks of `create`: content type, size bounds, unknown size allowed. */
export function checkCreate(input: CreateInput, limits: ResolvedLimits): void {
  const type = mediaType(input.contentType) ?? "";
  if (!contentTypeAllowed(limits.contentTypes, type)) {
    throw new SignerError("ContentTypeNotAllowed", `content type ${type} is not allowed`);
  }
  if (input.size === null) {
    if (!limits.allowUnknownSize)
      throw new SignerError("BadRequest", "size is required: uploads of unknown length are not allowed");
    return;
  }
  if (input.size > limits.maxSize) {
    throw new SignerError("TooLarge", `file is larger than the limit of ${limits.maxSize} bytes`);
  }
  if (input.size < limits.minSize) {
    throw new SignerError("TooSmall", `file is smaller than the minimum of ${limits.minSize} bytes`);
  }
}

/**
 * Part size of a multipart upload: the client's preference (else the
 * configured one) clamped to S3's bounds, raised so that a known size fits in
 * `maxParts` parts. For an unknown size it is also capped at `maxSize` (but not
 * under S3's 5 MiB minimum): no part is ever planned larger than the object may be.
 */
export function planPartSize(size: number | null, preferred: number | undefined, limits: ResolvedLimits): number {
  let wanted = Math.min(S3_LIMITS.maxPartSize, Math.max(S3_LIMITS.minPartSize, preferred ?? limits.partSize));
  if (size === null) wanted = Math.min(wanted, Math.max(S3_LIMITS.minPartSize, limits.maxSize));
  let partSize = choosePartSize(size, wanted);
  if (size !== null && partCount(size, partSize) > limits.maxParts) {
    partSize = partSizeToFit(size, limits.maxParts);
    if (partSize > S3_LIMITS.maxPartSize) {
      throw new SignerError("TooManyParts", `file would need more than ${limits.maxParts} parts`);
    }
  }
  return partSize;
}

/** Highest part number a multipart upload may use. */
export function maxPartNumber(size: number | null, partSize: number, limits: ResolvedLimits): number {
  if (size !== null) return partCount(size, partSize);
  return Math.max(1, Math.min(limits.maxParts, Math.ceil(limits.maxSize / partSize)));
}

/**
 * Largest size part `partNumber` of an upload of unknown length may be signed
 * for: the part size, less what `maxSize` has left once every earlier part is
 * counted at its largest. The sum of parts 1..n can then never pass `maxSize`.
 */
export function maxUnknownPartSize(partNumber: number, partSize: number, limits: ResolvedLimits): number {
  return Math.max(0, Math.min(partSize, limits.maxSize - (partNumber - 1) * partSize));
}
