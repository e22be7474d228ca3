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

/** How to name `input` in a message: `undefined`, `null`, `a number`, `an Object`... */
function describe(input: unknown): string {
  if (input === undefined || input === null) return String(input);
  if (typeof input === "string") return "a file path (paths work only in Node)";
  const kind = typeof input === "object" ? ((input as { constructor?: { name?: unknown } }).constructor?.name ?? "object") : typeof input;
  const name = typeof kind === "string" && kind ? kind : "object";
  return `${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}`;
}

/** The error for an input no source accepts. */
export function unsupportedInput(input: unknown): InvalidInputError {
  const what = describe(input);
  return new InvalidInputError(
    `Cannot upload ${what}: pass a File, Blob, Uint8Array, ArrayBuffer, ReadableStream or AsyncIterable<Uint8Array>`,
  );
}
