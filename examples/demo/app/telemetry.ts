/**
 * What the page saw since the last mode switch: image loads (for the timeline)
 * and a log of fallbacks, breaker changes and recoveries. A tiny external store.
 */
import { useSyncExternalStore } from "react";

export type Source = "cdn" | "s3";

export interface LoadPoint {
  /** Ms since the mode was switched. */
  at: number;
  ms: number;
  source: Source;
  key: string;
}

export interface LogLine {
  at: number;
  kind: "mode" | "fallback" | "down" | "recover" | "info";
  text: string;
}

interface Snapshot {
  since: number;
  loads: LoadPoint[];
  log: LogLine[];
  /** URLs (without query) the service worker answered from another host since the mode switch. */
  workerFallbacks: ReadonlySet<string>;
}

let snapshot: Snapshot = { since: performance.now(), loads: [], log: [], workerFallbacks: new Set() };
const listeners = new Set<() => void>();
const emit = (next: Snapshot): void => {
  snapshot = next;
  for (const l of listeners) l();
};

export const telemetry = {
  reset(text: string): void {
    emit({
      since: performance.now(),
      loads: [],
      log: [{ at: Date.now(), kind: "mode", text }],
      workerFallbacks: new Set(),
    });
  },
  load(point: Omit<LoadPoint, "at">): void {
    emit({ ...snapshot, loads: [...snapshot.loads, { ...point, at: performance.now() - snapshot.since }] });
  },
  workerFallback(url: string): void {
    emit({ ...snapshot, workerFallbacks: new Set([...snapshot.workerFallbacks, url]) });
  },
  log(kind: LogLine["kind"], text: string): void {
    emit({ ...snapshot, log: [{ at: Date.now(), kind, text }, ...snapshot.log].slice(0, 200) });
  },
};

const subscribe = (listener: () => void): (() => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

export function useTelemetry(): Snapshot {
  return useSyncExternalStore(subscribe, () => snapshot);
}
