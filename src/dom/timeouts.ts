/**
 * The timeouts of `autoFallback`'s pending images: each image has its own
 * deadline (`due`), and one timer, set for the earliest, serves them all (a
 * healthy page of 24 images costs one timer, not 24). An image queued behind
 * the browser's connections to a host that keeps delivering, or not requested
 * yet (lazy), gets more time instead of failing.
 */
import { notRequestedYet } from "./element.js";

/** What the timeouts read and write of a watched image. */
export interface Pending {
  host: string;
  /** When it times out (pending images only). */
  due?: number | undefined;
  /** When its current URL was set or first seen. */
  armedAt?: number;
}

/** The pending images' timeouts. */
export interface Timeouts<W extends Pending> {
  /** Start `img`'s timeout (its URL was just set or seen). */
  arm(img: HTMLImageElement, w: W): void;
  /** `host` delivered an image: its queued images wait longer instead of failing. */
  delivered(host: string): void;
  stop(): void;
}

/**
 * Create the timeouts (see the module documentation) of the images in `live` (pending, or loaded
 * and not yet known good; the timeouts add the ones they arm); `onTimeout` is called for an
 * image that timed out.
 */
export function createTimeouts<W extends Pending>(
  timeoutMs: number,
  live: Set<HTMLImageElement>,
  watchOf: (img: HTMLImageElement) => W | undefined,
  onTimeout: (img: HTMLImageElement, w: W) => void,
): Timeouts<W> {
  /** When each host last delivered an image: a host that does is busy, not hung. */
  const lastLoad = new Map<string, number>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sweep = (): void => {
    const t = Date.now();
    for (const img of [...live]) {
      const w = watchOf(img);
      if (w?.due === undefined || w.due > t) continue;
      // Queued behind the browser's 6 connections to a host that keeps answering: wait more (up to 4 timeouts).
      const busy = t - (lastLoad.get(w.host) ?? 0) < timeoutMs && t - (w.armedAt ?? t) < 4 * timeoutMs;
      if (img.complete)
        w.due = undefined; // its load or error event is on its way
      else if (busy || notRequestedYet(img)) w.due = t + timeoutMs;
      else onTimeout(img, w);
    }
    let next = Infinity;
    for (const img of live) next = Math.min(next, watchOf(img)?.due ?? next);
    clearTimeout(timer);
    timer = next < Infinity ? setTimeout(sweep, next - t) : undefined;
  };
  return {
    arm(img, w) {
      live.add(img);
      w.armedAt = Date.now();
      w.due = w.armedAt + timeoutMs;
      timer ??= setTimeout(sweep, timeoutMs);
    },
    delivered: (host) => void lastLoad.set(host, Date.now()),
    stop: () => clearTimeout(timer),
  };
}
