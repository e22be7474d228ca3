/**
 * Warnings of a stored part (loaded only when there is one): S3 did not echo
 * its checksum, or a single PUT's ETag is not readable.
 */
import { inBrowser } from "./put-part.js";
import type { UploadWarning } from "./types.js";

/** Emit the warnings about part `n`: its ETag is missing (a single PUT: the object is stored), its checksum was not echoed. */
export function warnAbout(
  n: number,
  etagMissing: boolean,
  unverified: boolean,
  warn: (warning: UploadWarning) => void,
): void {
  if (etagMissing) {
    warn(
      inBrowser()
        ? {
            code: "CorsETagMissing",
            message:
              'S3 stored the object but the browser cannot read its ETag (the result\'s etag is empty): add "ETag" to ExposeHeaders in the bucket\'s CORS configuration; see the README section "Bucket CORS"',
          }
        : {
            code: "ETagMissing",
            message: "S3 stored the object but answered without an ETag header (the result's etag is empty)",
          },
    );
  }
  if (unverified) {
    warn({
      code: "ChecksumUnverified",
      message: `S3 did not echo the checksum of part ${n}: the bytes were not proven intact (the server may not verify checksums, or the bucket's CORS does not expose x-amz-checksum-crc32)`,
      partNumber: n,
    });
  }
}
