/** Random-access source over a `Blob` or `File`: parts are slices, never read into memory by s3edge. */
import type { RandomAccessSource } from "../types.js";

/**
 * Wrap a Blob or File. A File is resumable: its fingerprint is name, size,
 * type and lastModified. A plain Blob is not: it has no identity that survives
 * a reload, and two different Blobs of one size must never share parts.
 */
export function blobSource(blob: Blob, name?: string): RandomAccessSource {
  const file = blob as Partial<File>;
  const fileName = name ?? file.name ?? "file";
  const isFile = typeof file.lastModified === "number" && typeof file.name === "string";
  return {
    kind: "random",
    size: blob.size,
    name: fileName,
    type: blob.type,
    fingerprint: isFile ? ["blob", file.name, blob.size, blob.type, file.lastModified].join(":") : undefined,
    slice: (start, end) => Promise.resolve(blob.slice(start, end)),
    close: () => undefined,
  };
}
