/**
 * Upload rows for a headless UI: `useUploads` gives the uploads of an
 * uploader (re-rendering only when the list changes, not on progress), and
 * `useUploadItem` gives one upload's state with the actions that make sense in
 * its status (pause/resume/cancel while it runs, retry after an error, remove
 * when it is over), so that a row shows exactly the buttons it can use.
 */
import { useCallback, useMemo } from "react";
import type { UploadState, UploadStatus } from "../upload/types.js";
import type { Uploader } from "../upload/uploader.js";
import type { Upload } from "../upload/upload.js";
import { useUpload, useUploader } from "./hooks.js";

/** One upload's state and actions, from {@link useUploadItem}. */
export interface UploadItem {
  /** The upload's state (`undefined` when there is no upload). */
  state: UploadState | undefined;
  /** Bytes done as a whole percentage (0..100), `null` while the size is unknown. */
  percent: number | null;
  /** Queued or uploading: `pause()` stops it (parts in flight are sent again on resume). */
  canPause: boolean;
  /** Paused: `resume()` continues. */
  canResume: boolean;
  /** Not finished (queued, uploading, paused, completing): `cancel()` stops it and aborts it on S3. */
  canCancel: boolean;
  /** Failed, and its input can be read again (not a stream): `retry()` starts it again. */
  canRetry: boolean;
  /** Finished (done, failed or cancelled): `remove()` takes it off the list. */
  canRemove: boolean;
  pause(): void;
  resume(): void;
  /** Resolves once the server has been told. */
  cancel(): Promise<void>;
  /** False when the upload cannot be retried (see `canRetry`). */
  retry(): boolean;
  /** Cancels an unfinished upload, and takes it off its uploader's list at once. */
  remove(): Promise<void>;
}

const RUNNING: ReadonlySet<UploadStatus> = new Set(["queued", "uploading"]);
const UNFINISHED: ReadonlySet<UploadStatus> = new Set(["queued", "uploading", "paused", "completing"]);

const percentOf = (s: UploadState): number | null =>
  s.total ? Math.min(100, Math.floor((100 * s.loaded) / s.total)) : s.total === 0 ? 100 : null;

/**
 * One upload's state with its actions and which of them apply now. Re-renders
 * as the upload's state changes (progress at most once per animation frame).
 *
 * @example
 * function Row({ upload }: { upload: Upload }) {
 *   const item = useUploadItem(upload);
 *   return (
 *     <li>
 *       {item.state?.filename} {item.percent}%
 *       {item.canPause && <button onClick={item.pause}>Pause</button>}
 *       {item.canRetry && <button onClick={item.retry}>Retry</button>}
 *     </li>
 *   );
 * }
 */
export function useUploadItem(upload: Upload | undefined): UploadItem {
  const state = useUpload(upload);
  const status = state?.status;
  const pause = useCallback(() => upload?.pause(), [upload]);
  const resume = useCallback(() => upload?.resume(), [upload]);
  const cancel = useCallback(async () => upload?.cancel(), [upload]);
  const retry = useCallback(() => upload?.retry() ?? false, [upload]);
  const remove = useCallback(async () => upload?.remove(), [upload]);
  return {
    state,
    percent: state ? percentOf(state) : null,
    canPause: status !== undefined && RUNNING.has(status),
    canResume: status === "paused",
    canCancel: status !== undefined && UNFINISHED.has(status),
    canRetry: status === "error" && upload?.canRetry() === true,
    canRemove: status !== undefined && !UNFINISHED.has(status),
    pause,
    resume,
    cancel,
    retry,
    remove,
  };
}

const idsOf = (s: { uploads: readonly UploadState[] }): string[] => s.uploads.map((u) => u.id);

/**
 * The uploads of an uploader, in the order they were added. Re-renders when an
 * upload is added or removed, not on progress: render each with a component
 * that calls {@link useUploadItem}.
 */
export function useUploads(uploader: Uploader): Upload[] {
  const ids = useUploader(uploader, idsOf);
  return useMemo(
    () =>
      ids.flatMap((id) => {
        const upload = uploader.get(id);
        return upload ? [upload] : [];
      }),
    [ids, uploader],
  );
}
