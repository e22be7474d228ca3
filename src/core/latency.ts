/**
 * Latency estimates of hosts from real traffic: an exponentially weighted
 * moving average (EWMA) of time-to-headers samples. Pure: time is passed in.
 *
 * An estimate remembers when it was last fed (`at`): the ordering
 * (`core/host-order.ts`) treats an old one as stale and measures the host
 * again now and then.
 */

/** A host's smoothed latency. */
export interface LatencyEstimate {
  /** Smoothed time to first byte (headers), in ms. */
  ms: number;
  /** When the last sample arrived (epoch ms). */
  at: number;
  /** Samples taken into the average (capped at {@link MAX_SAMPLES}). */
  samples: number;
}

/** Weight of a new sample once the average is warm (the first samples weigh more: 1/n). */
export const EWMA_ALPHA = 0.3;
/** A sample above this (ms) is clamped: a hung host is the breaker's business, not the average's. */
export const MAX_SAMPLE_MS = 60_000;
/** Samples counted (the count only decides the weight of the first few). */
export const MAX_SAMPLES = 1000;

/**
 * Fold `sampleMs`, observed at `at`, into `previous`. The first samples are a
 * plain mean (weight 1/n) until 1/n drops below {@link EWMA_ALPHA}, so one
 * outlier does not define a new host. A sample that is not a finite number >= 0
 * leaves the estimate as it was.
 */
export function smoothLatency(
  previous: LatencyEstimate | undefined,
  sampleMs: number,
  at: number,
): LatencyEstimate | undefined {
  if (!Number.isFinite(sampleMs) || sampleMs < 0) return previous;
  const sample = Math.min(sampleMs, MAX_SAMPLE_MS);
  if (previous === undefined) return { ms: sample, at, samples: 1 };
  const samples = Math.min(MAX_SAMPLES, previous.samples + 1);
  const weight = Math.max(EWMA_ALPHA, 1 / samples);
  return { ms: previous.ms + weight * (sample - previous.ms), at: Math.max(at, previous.at), samples };
}

/**
 * Whether `a` is clearly faster than `b`: by more than 10 ms and more than 20 %
 * of `b`. Closer than that is a tie (configured order decides), so noise and
 * loopback jitter never reshuffle hosts.
 */
export function clearlyFaster(a: LatencyEstimate | undefined, b: LatencyEstimate | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return b.ms - a.ms > Math.max(10, 0.2 * b.ms);
}

/** A latency estimate read back from storage or a message, or undefined when it is not one. */
export function parseLatency(value: unknown): LatencyEstimate | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const { ms, at, samples } = v;
  if (typeof ms !== "number" || typeof at !== "number" || typeof samples !== "number") return undefined;
  if (!Number.isFinite(ms) || ms < 0 || !Number.isFinite(at) || !(samples >= 1)) return undefined;
  return { ms: Math.min(ms, MAX_SAMPLE_MS), at, samples: Math.min(Math.floor(samples), MAX_SAMPLES) };
}
