/** Random-access source over a `Blob` or `File`: parts are slices, never read into memory by s3edge. */
import type { RandomAccessSource } from "../types.js";

/**
 * The size an upload read when it was added, kept for its source. Each read of a picked File's
 * `size` (or `lastModified`, or a `slice`) asks the browser process for the file's metadata
 * (Chromium: a synchronous stat, 0.3-0.6 ms on an idle machine, several ms on a busy one), and
 * adding a batch reads every file's size. The source takes it once: a retry reads it again. (A
 * file changed on disk in between fails its PUT: the size is signed.)
 */
const sizes = new WeakMap<Blob, number>();

/** `blob.size`, kept for the next {@link blobSource} of the same Blob. */
export function readBlobSize(blob: Blob): number {
  const size = blob.size;
  sizes.set(blob, size);
  return size;
}

/**
 * Wrap a Blob or File. A File is resumable: its fingerprint is name, size,
 * type and lastModified. A plain Blob is not: it has no identity that survives
 * a reload, and two different Blobs of one size must never share parts.
 */
export function blobSource(blob: Blob, name?: string): RandomAccessSource {
  const file = blob as Partial<File>;
  const fileName = name ?? file.name ?? "file";
  const size = sizes.get(blob) ?? blob.size;
  sizes.delete(blob);
  const lastModified = file.lastModified;
  const isFile = typeof lastModified === "number" && typeof file.name === "string";
  return {
    kind: "random",
    size,
    name: fileName,
    type: blob.type,
    fingerprint: isFile ? ["blob", file.name, size, blob.type, lastModified].join(":") : undefined,
    // The whole Blob needs no slice (a single PUT): slicing a File stats it again.
    slice: (start, end) => Promise.resolve(start === 0 && end >= size ? blob : blob.slice(start, end)),
    close: () => undefined,
  };
}
