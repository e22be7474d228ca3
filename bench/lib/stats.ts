/** Medians, spreads and ratios of repeated measurements. */

/** Summary of a series of samples. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Median, min and max of `samples` (NaN for an empty series). */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const mid = Math.floor(n / 2);
  const median = n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[n - 1] as number, n };
}

/** Element-wise `a[i] / b[i]` (paired repetitions of two contenders). */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.min(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((a[i] as number) / (b[i] as number));
  return out;
}

/** `value` with `digits` decimals, or "n/a". */
export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** "median (min..max)". */
export function spread(s: Summary, digits = 1): string {
  if (s.n === 0) return "n/a";
  if (s.n === 1) return fixed(s.median, digits);
  return `${fixed(s.median, digits)} (${fixed(s.min, digits)}..${fixed(s.max, digits)})`;
}

/** A ratio as "1.03x (0.98..1.07)". */
export function ratioText(s: Summary): string {
  if (s.n === 0) return "n/a";
  if (s.n === 1) return `${fixed(s.median, 2)}x`;
  return `${fixed(s.median, 2)}x (${fixed(s.min, 2)}..${fixed(s.max, 2)})`;
}

/** Whether a goal is met, as a table cell. */
export function verdict(ok: boolean | undefined): string {
  return ok === undefined ? "-" : ok ? "met" : "MISSED";
}

/** Bytes in MiB. */
export const MiB = 1024 * 1024;
