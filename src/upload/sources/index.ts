/** Turn what the application passed into an {@link UploadSource} (the inputs every platform accepts). */
import { InvalidInputError } from "../../core/errors.js";
import type { AddOptions, UploadInput, UploadSource } from "../types.js";
import { blobSource } from "./blob.js";
import { bytesSource } from "./bytes.js";
import { streamSource } from "./stream.js";

/** A source for a Blob, bytes or a stream; `undefined` for inputs a platform must handle itself (paths). */
export function commonSource(input: UploadInput, options: AddOptions): UploadSource | undefined {
  const name = options.filename;
  if (typeof Blob !== "undefined" && input instanceof Blob) return blobSource(input, name);
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return bytesSource(input, name);
  if (
    typeof input === "object" &&
    input !== null &&
    (Symbol.asyncIterator in input || typeof (input as ReadableStream).getReader === "function")
  ) {
    return streamSource(input as AsyncIterable<Uint8Array>, name, options.size ?? null);
  }
  return undefined;
}

/** The error for an input no source accepts. */
export function unsupportedInput(input: unknown): InvalidInputError {
  const what = typeof input === "string" ? "a file path (paths work only in Node)" : `a ${typeof input}`;
  return new InvalidInputError(
    `Cannot upload ${what}: pass a File, Blob, Uint8Array, ArrayBuffer, ReadableStream or AsyncIterable<Uint8Array>`,
  );
}
