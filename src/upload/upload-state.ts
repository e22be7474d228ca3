/** An upload's first state, and what its input allows. */
import { readBlobSize } from "./sources/blob.js";
import type { AddOptions, UploadInput, UploadState } from "./types.js";

/** A stream input: read once, so its upload cannot be tried again. */
export const isStream = (input: UploadInput): boolean =>
  typeof input === "object" && input !== null && (Symbol.asyncIterator in input || "getReader" in input);

/** The state of an upload just added. */
export function initialState(id: string, input: UploadInput, options: AddOptions): UploadState {
  const blob = typeof Blob !== "undefined" && input instanceof Blob ? input : undefined;
  return {
    id,
    filename: options.filename ?? (blob && "name" in blob ? String(blob.name) : "file"),
    status: "queued",
    loaded: 0,
    total: blob ? readBlobSize(blob) : (options.size ?? null),
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
