/**
 * Uploading: drop zone, one row per file (progress, speed, ETA, status, the
 * actions that make sense now), the batch bar, and uploads left unfinished by an
 * earlier visit (drop the same file again: it resumes).
 */
import { useEffect, useRef, useState } from "react";
import type { ResumeRecord, Upload, Uploader, UploadState } from "s3edge";
import { useFileDrop, useUploader, useUploadItem, useUploads } from "s3edge/react";
import type { DemoConfig } from "./api.js";
import { bytes, eta, speed } from "./format.js";

const STATUS: Record<UploadState["status"], string> = {
  queued: "waiting",
  uploading: "uploading",
  paused: "paused",
  completing: "completing",
  done: "done",
  error: "failed",
  cancelled: "cancelled",
};

/** The drop zone and picker; its checks mirror the server's limits, so a refused file never starts. */
function DropZone({ limits, onFiles }: { limits: DemoConfig["limits"]; onFiles: (files: File[]) => void }) {
  const drop = useFileDrop({ accept: limits.contentTypes, maxSize: limits.maxSize, onFiles });
  return (
    <>
      <div {...drop.getRootProps({ className: `drop${drop.isDragging ? " over" : ""}`, "data-testid": "drop-zone" })}>
        <strong>Drop files here</strong> or press to choose (images show up in the gallery)
        <input {...drop.getInputProps({ "data-testid": "file-input" })} />
      </div>
      {drop.rejections.map((r) => (
        <p key={r.file.name} className="rejected">
          {r.message}
        </p>
      ))}
    </>
  );
}

/** "resumed: 3 of 5 parts already on S3", from the first state that says resumed. */
function useResumedParts(s: UploadState | undefined): string | undefined {
  const first = useRef<number | undefined>(undefined);
  if (s?.resumed && first.current === undefined && s.partCount !== null) first.current = s.partsDone;
  if (!s?.resumed || first.current === undefined) return undefined;
  return `resumed: ${first.current} of ${s.partCount} parts already on S3`;
}

function Row({ upload }: { upload: Upload }) {
  const item = useUploadItem(upload);
  const s = item.state;
  const resumed = useResumedParts(s);
  if (!s) return null;
  const pct = item.percent ?? 0;
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
      <div
        className="bar"
        role="progressbar"
        aria-label={s.filename}
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <div style={{ width: `${pct}%` }} />
      </div>
      <div className="row-foot">
        <span data-testid="upload-percent">{pct} %</span>
        {s.status === "uploading" && <span>{speed(s.speed)}</span>}
        {s.status === "uploading" && <span>{eta(s.eta)}</span>}
        {s.partCount !== null && s.partCount > 1 && (
          <span>
            {Math.min(s.partsDone, s.partCount)} of {s.partCount} parts on S3
          </span>
        )}
        {resumed && (
          <span className="resumed" data-testid="upload-resumed">
            {resumed}
          </span>
        )}
        {s.error && <span className="error">{s.error.message}</span>}
        <span className="actions">
          {item.canPause && (
            <button type="button" onClick={item.pause}>
              Pause
            </button>
          )}
          {item.canResume && (
            <button type="button" onClick={item.resume}>
              Resume
            </button>
          )}
          {item.canCancel && (
            <button type="button" onClick={() => void item.cancel()}>
              Cancel
            </button>
          )}
          {item.canRetry && (
            <button type="button" onClick={() => item.retry()}>
              Retry
            </button>
          )}
          {item.canRemove && (
            <button type="button" onClick={() => void item.remove()}>
              Remove
            </button>
          )}
        </span>
      </div>
    </li>
  );
}

function BatchBar({ uploader }: { uploader: Uploader }) {
  const s = useUploader(uploader, (u) => ({
    loaded: u.loaded,
    total: u.total,
    speed: u.speed,
    eta: u.eta,
    active: u.active,
    count: u.uploads.length,
    running: u.uploads.filter((x) => x.status === "uploading" || x.status === "queued").length,
    paused: u.uploads.filter((x) => x.status === "paused").length,
  }));
  if (s.count === 0) return null;
  return (
    <div className="batch" data-testid="batch-bar">
      <span>
        {s.active > 0 ? `${s.active} of ${s.count} unfinished` : `${s.count} finished`} · {bytes(s.loaded)}
        {s.total === null ? "" : ` of ${bytes(s.total)}`}
        {s.active > 0 && s.speed > 0 ? ` · ${speed(s.speed)} · ${eta(s.eta)}` : ""}
      </span>
      <span className="actions">
        {s.running > 0 && (
          <button type="button" onClick={() => uploader.pauseAll()}>
            Pause all
          </button>
        )}
        {s.paused > 0 && (
          <button type="button" onClick={() => uploader.resumeAll()}>
            Resume all
          </button>
        )}
        {s.active > 0 && (
          <button type="button" onClick={() => void uploader.cancelAll()}>
            Cancel all
          </button>
        )}
        <button type="button" onClick={() => uploader.clearFinished()}>
          Clear finished
        </button>
      </span>
    </div>
  );
}

/** Uploads an earlier visit left unfinished: dropping the same file again continues them. */
function Unfinished({ uploader, count }: { uploader: Uploader; count: number }) {
  const [records, setRecords] = useState<ResumeRecord[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-read when the list of uploads changes.
  useEffect(() => {
    let live = true;
    const read = (): void => void uploader.resumable().then((r) => live && setRecords(r));
    read();
    // A finished upload (a resumed one among them) no longer has a record.
    const off = uploader.on("success", read);
    return () => {
      live = false;
      off();
    };
  }, [uploader, count]);
  const active = new Set(
    uploader
      .getState()
      .uploads.filter((u) => u.status !== "done")
      .map((u) => u.filename),
  );
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

export function Uploads({ uploader, limits }: { uploader: Uploader; limits: DemoConfig["limits"] }) {
  const uploads = useUploads(uploader);
  return (
    <section className="uploads">
      <h2>Upload</h2>
      <DropZone limits={limits} onFiles={(files) => uploader.addAll(files)} />
      <BatchBar uploader={uploader} />
      <Unfinished uploader={uploader} count={uploads.length} />
      <ul className="rows">
        {uploads.map((upload) => (
          <Row key={upload.id} upload={upload} />
        ))}
      </ul>
    </section>
  );
}
