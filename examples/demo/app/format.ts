/** Human-readable numbers for the page. */

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export const speed = (bytesPerSecond: number): string =>
  bytesPerSecond > 0 ? `${bytes(Math.round(bytesPerSecond))}/s` : "";

export function eta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "";
  if (seconds < 1) return "< 1 s left";
  if (seconds < 90) return `${Math.round(seconds)} s left`;
  return `${Math.round(seconds / 60)} min left`;
}

export const ms = (value: number): string =>
  value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;

/** "12 s" until `at`, from `now`. */
export const until = (at: number, now: number): string => `${Math.max(0, Math.ceil((at - now) / 1000))} s`;
