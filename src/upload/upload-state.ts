/** An upload's first state, and what its input allows. */
import { readBlobSize } from "./sources/blob.js";
import type { AddOptions, UploadInput, UploadState } from "./types.js";

/** A stream input: read once, so its upload cannot be tried again. */
export const isStream = (input: UploadInput): boolean =>
  typeof input === "object" && input !== null && (Symbol.asyncIterator in input || "getReader" in input);

/** The input as a Blob (or File), if it is one. */
export const asBlob = (input: UploadInput): Blob | undefined =>
  typeof Blob !== "undefined" && input instanceof Blob ? input : undefined;

/**
 * The state of an upload just added. `readSize: false` leaves a Blob's `total` null, to be read
 * later (reading a picked File's size is a synchronous round trip to the browser process).
 */
export function initialState(id: string, input: UploadInput, options: AddOptions, readSize = true): UploadState {
  const blob = asBlob(input);
  return {
    id,
    filename: options.filename ?? (blob && "name" in blob ? String(blob.name) : "file"),
    status: "queued",
    loaded: 0,
    total: blob && readSize ? readBlobSize(blob) : (options.size ?? null),
    speed: 0,
    eta: null,
    partsDone: 0,
    partCount: null,
    key: undefined,
    resumed: false,
    offline: false,
    result: undefined,
    error: undefined,
  };
}
