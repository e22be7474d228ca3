/**
 * A React page for the browser test: an uploader with a progress list, through s3edge/react.
 * `window.measure` counts renders of the progress components, the animation frames that elapsed
 * meanwhile, and in which frame each uploader notification arrived, so that the test can compare
 * notifications and renders with frames.
 */
import { createRoot } from "react-dom/client";
import { createUploader, type Upload } from "../../src/index.js";
import { useUpload, useUploader } from "../../src/react.js";

const uploader = createUploader({ endpoint: "/s3edge", store: false });
const uploads: Upload[] = [];

/** Render counts per component; frames counted from the first file picked; one entry per uploader notification. */
const measure = {
  total: 0,
  rows: 0,
  active: 0,
  percent: 0,
  frames: 0,
  startedAt: 0,
  endedAt: 0,
  counting: false,
  visibility: document.visibilityState,
  /** Per uploader notification: the frame it arrived in, and its non-progress fields (what a discrete change changes). */
  notifications: [] as { frame: number; statuses: string }[],
};
(window as unknown as { measure: typeof measure }).measure = measure;

function countFrames(): void {
  if (!measure.counting) return;
  measure.frames++;
  requestAnimationFrame(countFrames);
}

uploader.subscribe((s) => {
  if (!measure.counting) return;
  // Everything but the progress fields (loaded, speed, eta, partsDone): what a discrete change changes.
  const discrete = s.uploads.map(({ loaded, speed, eta, partsDone, ...rest }) => rest);
  measure.notifications.push({ frame: measure.frames, statuses: JSON.stringify([s.active, s.total, discrete]) });
  if (s.active === 0 && s.uploads.length > 0) {
    measure.counting = false;
    measure.endedAt = performance.now();
  }
});

function Row({ upload }: { upload: Upload }) {
  const s = useUpload(upload);
  measure.rows++;
  return <li data-status={s?.status}>{`${s?.filename}: ${s?.status} ${s?.loaded}/${s?.total}`}</li>;
}

/** Every change of the aggregate: what a progress bar without a selector costs. */
function Total() {
  const state = useUploader(uploader);
  measure.total++;
  return <p id="total">{`${state.loaded}/${state.total} active=${state.active}`}</p>;
}

/** A selector: re-renders only when the number of active uploads changes. */
function Active() {
  const active = useUploader(uploader, (s) => s.active);
  measure.active++;
  return <p id="active">{active}</p>;
}

/** A selector returning a whole percentage: at most ~100 renders whatever the progress rate. */
function Percent() {
  const percent = useUploader(uploader, (s) => (s.total ? Math.floor((100 * s.loaded) / s.total) : 0));
  measure.percent++;
  return <p id="percent">{percent}</p>;
}

function App() {
  const ids = useUploader(uploader, (s) => s.uploads.map((u) => u.id));
  return (
    <div>
      <input
        type="file"
        id="file"
        multiple
        onChange={(e) => {
          if (!measure.counting) {
            Object.assign(measure, { total: 0, rows: 0, active: 0, percent: 0, frames: 0, notifications: [] });
            Object.assign(measure, { startedAt: performance.now(), counting: true });
            requestAnimationFrame(countFrames);
          }
          for (const f of e.target.files ?? []) uploads.push(uploader.add(f));
        }}
      />
      <Total />
      <Active />
      <Percent />
      <ul>
        {ids.map((id) => (
          <Row key={id} upload={uploads.find((x) => x.id === id) as Upload} />
        ))}
      </ul>
    </div>
  );
}

createRoot(document.getElementById("root") as HTMLElement).render(<App />);
