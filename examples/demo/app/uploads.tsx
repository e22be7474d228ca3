/**
 * Uploading: drop zone, one row per file (progress, speed, ETA, status, the
 * actions that make sense now), the batch bar, and uploads left unfinished by an
 * earlier visit (drop the same file again: it resumes).
 */
import { useEffect, useRef, useState } from "react";
import type { ResumeRecord, Upload, Uploader, UploadState } from "s3edge";
import { useUpload, useUploader } from "s3edge/react";
import { useDropTarget } from "./drop.js";
import { bytes, eta, percent, speed } from "./format.js";

const STATUS: Record<UploadState["status"], string> = {
  queued: "waiting",
  uploading: "uploading",
  paused: "paused",
  completing: "completing",
  done: "done",
  error: "failed",
  cancelled: "cancelled",
};

function DropZone({ onFiles }: { onFiles: (files: File[]) => void }) {
  const { over, rootProps, inputProps } = useDropTarget(onFiles);
  return (
    <div className={`drop${over ? " over" : ""}`} data-testid="drop-zone" {...rootProps}>
      <strong>Drop files here</strong> or click to choose (images show up in the gallery)
      <input {...inputProps} />
    </div>
  );
}

/** "resumed: 3 of 5 parts already on S3", from the first state that says resumed. */
function useResumedParts(s: UploadState | undefined): string | undefined {
  const first = useRef<number | undefined>(undefined);
  if (s?.resumed && first.current === undefined && s.partCount !== null) first.current = s.partsDone;
  if (!s?.resumed || first.current === undefined) return undefined;
  return `resumed: ${first.current} of ${s.partCount} parts already on S3`;
}

function Row({ upload, onRetry, onRemove }: { upload: Upload; onRetry: () => void; onRemove: () => void }) {
  const s = useUpload(upload);
  const resumed = useResumedParts(s);
  if (!s) return null;
  const pct = s.status === "done" ? 100 : percent(s.loaded, s.total);
  const running = s.status === "queued" || s.status === "uploading";
  return (
    <li className={`row ${s.status}`} data-testid="upload-row" data-status={s.status}>
      <div className="row-head">
        <span className="name">{s.filename}</span>
        <span className="size">{s.total === null ? "" : bytes(s.total)}</span>
        <span className="status" data-testid="upload-status">
          {STATUS[s.status]}
          {s.offline ? " (offline: waiting for the network)" : ""}
        </span>
      </div>
      <div className="bar" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
        <div style={{ width: `${pct}%` }} />
      </div>
      <div className="row-foot">
        <span data-testid="upload-percent">{pct} %</span>
        {s.status === "uploading" && <span>{speed(s.speed)}</span>}
        {s.status === "uploading" && <span>{eta(s.eta)}</span>}
        {s.partCount !== null && s.partCount > 1 && (
          <span>
            part {Math.min(s.partsDone, s.partCount)} / {s.partCount}
          </span>
        )}
        {resumed && <span className="resumed" data-testid="upload-resumed">{resumed}</span>}
        {s.error && <span className="error">{s.error.message}</span>}
        <span className="actions">
          {running && <button onClick={() => upload.pause()}>Pause</button>}
          {s.status === "paused" && <button onClick={() => upload.resume()}>Resume</button>}
          {(running || s.status === "paused") && <button onClick={() => void upload.cancel()}>Cancel</button>}
          {s.status === "error" && <button onClick={onRetry}>Retry</button>}
          {(s.status === "done" || s.status === "error" || s.status === "cancelled") && <button onClick={onRemove}>Remove</button>}
        </span>
      </div>
    </li>
  );
}

function BatchBar({ uploader }: { uploader: Uploader }) {
  const s = useUploader(uploader, (u) => ({ loaded: u.loaded, total: u.total, speed: u.speed, eta: u.eta, active: u.active, count: u.uploads.length }));
  if (s.count === 0) return null;
  return (
    <div className="batch" data-testid="batch-bar">
      <span>
        {s.active > 0 ? `${s.active} of ${s.count} uploading` : `${s.count} finished`} · {bytes(s.loaded)}
        {s.total === null ? "" : ` of ${bytes(s.total)}`}
        {s.active > 0 && s.speed > 0 ? ` · ${speed(s.speed)} · ${eta(s.eta)}` : ""}
      </span>
      <span className="actions">
        {s.active > 0 && <button onClick={() => uploader.pauseAll()}>Pause all</button>}
        {s.active > 0 && <button onClick={() => uploader.resumeAll()}>Resume all</button>}
        {s.active > 0 && <button onClick={() => void uploader.cancelAll()}>Cancel all</button>}
        <button onClick={() => uploader.clearFinished()}>Clear finished</button>
      </span>
    </div>
  );
}

/** Uploads an earlier visit left unfinished: dropping the same file again continues them. */
function Unfinished({ uploader, ids }: { uploader: Uploader; ids: readonly string[] }) {
  const [records, setRecords] = useState<ResumeRecord[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-read when the list of uploads changes.
  useEffect(() => {
    let live = true;
    void uploader.resumable().then((r) => live && setRecords(r));
    return () => {
      live = false;
    };
  }, [uploader, ids.length]);
  const active = new Set(uploader.getState().uploads.filter((u) => u.status !== "done").map((u) => u.filename));
  const left = records.filter((r) => !active.has(r.filename));
  if (left.length === 0) return null;
  return (
    <div className="unfinished" data-testid="unfinished">
      Unfinished from an earlier visit (drop the same file again to resume):
      <ul>
        {left.map((r) => (
          <li key={r.uploadId}>
            {r.filename}: {r.parts.length} of {Math.ceil(r.size / r.partSize)} parts already on S3
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Uploads({ uploader }: { uploader: Uploader }) {
  const ids = useUploader(uploader, (s) => s.uploads.map((u) => u.id));
  const files = useRef(new Map<string, File>());
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const add = (file: File): void => {
    const upload = uploader.add(file);
    files.current.set(upload.id, file);
  };
  const retry = (upload: Upload): void => {
    if (typeof upload.retry === "function" && upload.retry()) return;
    // Without `retry()`: add the same file again (it continues a stored multipart upload).
    const file = files.current.get(upload.id);
    setHidden((h) => new Set(h).add(upload.id));
    if (file) add(file);
  };
  const remove = (upload: Upload): void => {
    setHidden((h) => new Set(h).add(upload.id));
    if (typeof upload.remove === "function") void upload.remove();
  };
  return (
    <section className="uploads">
      <h2>Upload</h2>
      <DropZone onFiles={(list) => list.forEach(add)} />
      <BatchBar uploader={uploader} />
      <Unfinished uploader={uploader} ids={ids} />
      <ul className="rows">
        {ids
          .filter((id) => !hidden.has(id))
          .map((id) => {
            const upload = uploader.get(id);
            return upload ? <Row key={id} upload={upload} onRetry={() => retry(upload)} onRemove={() => remove(upload)} /> : null;
          })}
      </ul>
    </section>
  );
}
