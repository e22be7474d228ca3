/**
 * The page of test/browser/upload-ui.test.ts: an upload UI built like the README's copy-paste one ("React upload
 * UI") built on s3edge/react's headless hooks (useFileDrop, useUploads, useUploadItem), with
 * render counters. `?maxSize=` sets the drop zone's size limit.
 */
import { createRoot } from "react-dom/client";
import { createUploader, type Upload } from "../../src/index.js";
import { useFileDrop, useUploader, useUploadItem, useUploads } from "../../src/react.js";

const params = new URLSearchParams(location.search);
const uploader = createUploader({
  endpoint: "/s3edge",
  store: false,
  retry: { retries: 2, baseDelayMs: 50, maxDelayMs: 200 },
});

/** Render counts; frames counted from the first file added until no upload is active. */
const measure = { list: 0, rows: 0, bar: 0, frames: 0, startedAt: 0, endedAt: 0, counting: false };
(window as unknown as { measure: typeof measure; uploader: typeof uploader }).measure = measure;
(window as unknown as { uploader: typeof uploader }).uploader = uploader;

function countFrames(): void {
  if (!measure.counting) return;
  measure.frames++;
  requestAnimationFrame(countFrames);
}
uploader.on("add", () => {
  if (measure.counting) return;
  Object.assign(measure, {
    list: 0,
    rows: 0,
    bar: 0,
    frames: 0,
    startedAt: performance.now(),
    endedAt: 0,
    counting: true,
  });
  requestAnimationFrame(countFrames);
});
uploader.subscribe((s) => {
  if (measure.counting && s.active === 0) {
    measure.counting = false;
    measure.endedAt = performance.now();
  }
});

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

function DropZone() {
  const drop = useFileDrop({
    accept: ["image/*", "application/octet-stream"],
    maxSize: Number(params.get("maxSize") ?? 64 * 2 ** 20),
    onFiles: (files) => uploader.addAll(files),
  });
  return (
    <div id="zone" data-dragging={drop.isDragging} {...drop.getRootProps()}>
      <input {...drop.getInputProps()} />
      <p>Drop files here, or press Enter to choose</p>
      <ul id="rejections">
        {drop.rejections.map((r) => (
          <li key={r.file.name} data-code={r.code}>
            {r.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function UploadRow({ upload }: { upload: Upload }) {
  const item = useUploadItem(upload);
  measure.rows++;
  const s = item.state;
  if (!s) return null;
  return (
    <li data-id={s.id} data-status={s.status}>
      <progress value={item.percent ?? undefined} max={100} />
      <span className="name">{s.filename}</span> <span className="status">{s.status}</span>{" "}
      <span className="detail">
        {item.percent ?? "?"}% {mib(s.speed)} MiB/s{s.eta !== null ? ` ${Math.ceil(s.eta)} s left` : ""}
        {s.error ? ` ${s.error.code}` : ""}
      </span>
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
    </li>
  );
}

function UploadList() {
  const uploads = useUploads(uploader);
  measure.list++;
  return (
    <ul id="uploads">
      {uploads.map((upload) => (
        <UploadRow key={upload.id} upload={upload} />
      ))}
    </ul>
  );
}

function BatchBar() {
  const { loaded, total, active } = useUploader(uploader, (s) => ({
    loaded: s.loaded,
    total: s.total,
    active: s.active,
  }));
  measure.bar++;
  return <p id="batch">{`${active} active, ${mib(loaded)} of ${total === null ? "?" : mib(total)} MiB`}</p>;
}

function App() {
  return (
    <main>
      <DropZone />
      <BatchBar />
      <UploadList />
    </main>
  );
}

createRoot(document.getElementById("root") as HTMLElement).render(<App />);
