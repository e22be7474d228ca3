/**
 * React bindings: a few lines of `useSyncExternalStore` over s3edge's
 * framework-free observables. SSR-safe: the server snapshot is the current state.
 */
import { useSyncExternalStore } from "react";
import type { Observable } from "../core/observable.js";
import type { UploaderState, UploadState } from "../upload/types.js";
import type { Uploader } from "../upload/uploader.js";
import type { Upload } from "../upload/upload.js";

const noop = (): void => undefined;
const none = (): undefined => undefined;

/** The current state of any s3edge observable, re-rendering on change. */
export function useObservable<T>(observable: Observable<T>): T {
  return useSyncExternalStore(observable.subscribe, observable.getState, observable.getState);
}

/** State of all uploads of an uploader (progress, speed, ETA, each upload's status). */
export function useUploader(uploader: Uploader): UploaderState {
  return useObservable(uploader);
}

/** State of one upload, or `undefined` when there is none (yet). */
export function useUpload(upload: Upload | undefined): UploadState | undefined {
  return useSyncExternalStore(
    upload ? upload.subscribe : () => noop,
    upload ? upload.getState : none,
    upload ? upload.getState : none,
  );
}
