/** Turn what the application passed into an {@link UploadSource} (the inputs every platform accepts). */
import type { AddOptions, UploadInput, UploadSource } from "../types.js";
import { blobSource } from "./blob.js";
import { bytesSource } from "./bytes.js";

/**
 * A source for a Blob, bytes or a stream; `undefined` for inputs a platform must handle itself (paths).
 * The stream source is loaded on first use: pages that upload files do not ship it.
 */
export function commonSource(
  input: UploadInput,
  options: AddOptions,
): UploadSource | Promise<UploadSource> | undefined {
  const name = options.filename;
  if (typeof Blob !== "undefined" && input instanceof Blob) return blobSource(input, name);
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return bytesSource(input, name);
  if (
    typeof input === "object" &&
    input !== null &&
    (Symbol.asyncIterator in input || typeof (input as ReadableStream).getReader === "function")
  ) {
    return import("./stream.js").then((m) =>
      m.streamSource(input as AsyncIterable<Uint8Array>, name, options.size ?? null),
    );
  }
  return undefined;
}

/** Rejects with the error for an input no source accepts (its message is loaded only then). */
export const refuse = (input: unknown): Promise<never> =>
  import("../failures.js").then((m) => Promise.reject(m.unsupportedInput(input)));
