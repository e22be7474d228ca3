import { contentTypeMatches } from "../core/content-type.js";

/**
 * The drop zone's file checks, pure (no DOM, no React): they mirror the
 * server's `limits.contentTypes`, `maxSize` and `minSize`, so that a file the
 * server would refuse is refused before it is uploaded, with the server's code.
 */

/** Why the drop zone refused a file: the server's codes for the same checks, and `TooMany`. */
export type FileRejectionCode = "ContentTypeNotAllowed" | "TooLarge" | "TooSmall" | "TooMany";

/** A file the drop zone refused, and why. */
export interface FileRejection {
  file: File;
  code: FileRejectionCode;
  /** Says what was refused and what is allowed, e.g. "a.exe: type application/x-msdownload is not allowed (image/*, application/pdf)". */
  message: string;
}

/** The checks of {@link checkFile}; every field optional (absent: no check). */
export interface FileChecks {
  /**
   * Allowed types, as the server's `limits.contentTypes`: `"image/png"`, `"image/*"` (every image but
   * SVG, which can carry script and must be listed by name) or `"*\/*"`; also file name endings
   * (`".pdf"`, case-insensitive) for files the browser gives no type. A file without a type is
   * `application/octet-stream`, as the uploader sends it.
   */
  accept?: readonly string[] | undefined;
  /** Largest size in bytes, as the server's `limits.maxSize`. */
  maxSize?: number | undefined;
  /** Smallest size in bytes, as the server's `limits.minSize`. */
  minSize?: number | undefined;
}

/** `type/subtype` of a content type, lower-case and without parameters; `application/octet-stream` when empty. */
export function mediaTypeOf(type: string): string {
  const bare = type.split(";")[0]?.trim().toLowerCase() ?? "";
  return bare || "application/octet-stream";
}

/**
 * Whether `file` (its `type`, or its name for `.ext` entries) matches one of `accept`:
 * the server's rule for `limits.contentTypes`, where `image/*` admits no SVG.
 */
export function accepts(accept: readonly string[], file: { name: string; type: string }): boolean {
  const type = mediaTypeOf(file.type);
  const name = file.name.toLowerCase();
  return accept.some((raw) => {
    const p = raw.trim().toLowerCase();
    if (p.startsWith(".")) return name.endsWith(p);
    return contentTypeMatches(p, type);
  });
}

/** The rejection of `file` by `checks`, or `undefined` when it passes. */
export function checkFile(file: File, checks: FileChecks): FileRejection | undefined {
  const { accept, maxSize, minSize } = checks;
  if (accept && !accepts(accept, file)) {
    const message = `${file.name}: type ${mediaTypeOf(file.type)} is not allowed (${accept.join(", ")})`;
    return { file, code: "ContentTypeNotAllowed", message };
  }
  if (maxSize !== undefined && file.size > maxSize) {
    return { file, code: "TooLarge", message: `${file.name}: ${file.size} bytes is more than the limit of ${maxSize}` };
  }
  if (minSize !== undefined && file.size < minSize) {
    return {
      file,
      code: "TooSmall",
      message: `${file.name}: ${file.size} bytes is less than the minimum of ${minSize}`,
    };
  }
  return undefined;
}

/**
 * Split `files` into those to upload and those refused: each checked with {@link checkFile};
 * with `multiple: false`, every file after the first accepted one is refused as `TooMany`.
 */
export function sortFiles(
  files: Iterable<File>,
  checks: FileChecks & { multiple?: boolean | undefined },
): { accepted: File[]; rejected: FileRejection[] } {
  const accepted: File[] = [];
  const rejected: FileRejection[] = [];
  for (const file of files) {
    const rejection =
      checkFile(file, checks) ??
      (checks.multiple === false && accepted.length > 0
        ? { file, code: "TooMany" as const, message: `${file.name}: one file at a time` }
        : undefined);
    if (rejection) rejected.push(rejection);
    else accepted.push(file);
  }
  return { accepted, rejected };
}

/** The `accept` attribute of the file input: the same list, which also filters the browser's picker. */
export const acceptAttribute = (accept: readonly string[] | undefined): string | undefined => accept?.join(",");
