/**
 * Coalesced notifications: work deferred into a batch runs once, together with
 * everything else deferred before the batch is flushed (TanStack Query's
 * `notifyManager`). The default batch flushes once per animation frame in a
 * visible page and once per macrotask elsewhere (Node, workers, hidden tabs).
 */

/** Runs `flush` later, once. */
export type Scheduler = (flush: () => void) => void;

/** A queue of deferred notifications, flushed together. */
export interface Batch {
  /** Run `notify` at the next flush; deferring the same function again before then runs it once. */
  defer(notify: () => void): void;
}

/**
 * A page hidden between scheduling and the frame gets no frame: flush after this
 * long anyway (in a visible page a frame comes first: 16 ms at 60 Hz).
 */
export const FRAME_FALLBACK_MS = 100;

interface FrameGlobals {
  requestAnimationFrame?: (callback: () => void) => number;
  cancelAnimationFrame?: (handle: number) => void;
  document?: { visibilityState?: string };
}

/**
 * The default {@link Scheduler}: the next animation frame when the page is
 * visible (with a {@link FRAME_FALLBACK_MS} timer in case it is hidden before
 * the frame comes), otherwise the next macrotask (`setTimeout(0)`).
 */
export const nextFrame: Scheduler = (flush) => {
  const g = globalThis as FrameGlobals;
  const raf = g.requestAnimationFrame;
  if (typeof raf !== "function" || g.document?.visibilityState !== "visible") {
    setTimeout(flush, 0);
    return;
  }
  let done = false;
  let frame: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (): void => {
    if (done) return;
    done = true;
    if (frame !== undefined) g.cancelAnimationFrame?.(frame);
    clearTimeout(timer);
    flush();
  };
  frame = raf(run);
  if (!done) timer = setTimeout(run, FRAME_FALLBACK_MS);
};

/** Rounds of a flush: notifications deferred while flushing run in the same flush, up to this many rounds. */
const MAX_ROUNDS = 10;

/** Create a {@link Batch} flushed by `schedule` (tests pass a manual scheduler). */
export function createBatch(schedule: Scheduler = nextFrame): Batch {
  let queue = new Set<() => void>();
  let scheduled = false;

  const flush = (): void => {
    // A listener that updates another coalesced state (an aggregate) is delivered in this flush too.
    for (let round = 0; round < MAX_ROUNDS && queue.size > 0; round++) {
      const now = queue;
      queue = new Set();
      for (const notify of now) {
        try {
          notify();
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
    scheduled = false;
    if (queue.size > 0) arm();
  };
  const arm = (): void => {
    if (scheduled) return;
    scheduled = true;
    schedule(flush);
  };

  return {
    defer(notify) {
      queue.add(notify);
      arm();
    },
  };
}

let shared: Batch | undefined;

/** The batch every state uses by default: one flush per animation frame (visible page) or macrotask. */
export function frameBatch(): Batch {
  return (shared ??= createBatch());
}
