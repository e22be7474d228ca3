/** Random-access source over a `Blob` or `File`: parts are slices, never read into memory by s3edge. */
import type { UploadSource } from "../types.js";

/** Wrap a Blob or File. The fingerprint (for resume) is name, size, type and lastModified. */
export function blobSource(blob: Blob, name?: string): UploadSource {
  const file = blob as Partial<File>;
  const fileName = name ?? file.name ?? "file";
  return {
    size: blob.size,
    name: fileName,
    type: blob.type,
    fingerprint: ["blob", fileName, blob.size, blob.type, file.lastModified ?? ""].join(":"),
    slice: (start, end) => Promise.resolve(blob.slice(start, end)),
    close: () => undefined,
  };
}
