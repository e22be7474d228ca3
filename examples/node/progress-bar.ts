/**
 * The progress line of `s3edge-upload`: a bar, bytes, speed and ETA.
 * Hand-written (about 40 lines) rather than a library such as cli-progress:
 * the command ships inside the s3edge package, so any dependency of it would be
 * installed by every s3edge user, browser apps included.
 */

const MiB = 1024 * 1024;

/** What one progress line shows. */
export interface ProgressView {
  status: string;
  loaded: number;
  total: number | null;
  /** Bytes per second. */
  speed: number;
  /** Seconds left, when known. */
  eta: number | null;
  partsDone: number;
  partCount: number | null;
}

/** "1:05", "12:00", "1:02:03". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

const mib = (bytes: number): string => (bytes / MiB).toFixed(1);

/** One line, at most `width` columns: `[#####-----]  42.0%  107.5/256.0 MiB  45.1 MiB/s  ETA 0:03  parts 13/32  uploading`. */
export function formatProgress(view: ProgressView, width = 80): string {
  const fraction = view.total ? Math.min(1, view.loaded / view.total) : view.total === 0 ? 1 : 0;
  const percent = view.total === null ? "   ?  " : `${(100 * fraction).toFixed(1).padStart(5)}%`;
  const size = `${mib(view.loaded)}/${view.total === null ? "?" : mib(view.total)} MiB`;
  const speed = `${mib(view.speed)} MiB/s`;
  const eta = view.eta === null ? "ETA -:--" : `ETA ${formatDuration(view.eta)}`;
  const parts = view.partCount === null ? `parts ${view.partsDone}` : `parts ${view.partsDone}/${view.partCount}`;
  const tail = `  ${percent}  ${size}  ${speed}  ${eta}  ${parts}  ${view.status}`;
  const barWidth = Math.max(10, Math.min(40, width - tail.length - 2));
  const filled = Math.round(barWidth * fraction);
  return `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]${tail}`.slice(0, Math.max(width, 20));
}
