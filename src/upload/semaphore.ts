/**
 * A first-come, first-served limit on concurrent work, shared by all uploads of
 * one uploader (the concurrency limit is per uploader, not per file).
 */
import { AbortError } from "../core/errors.js";

/** Gives out at most `limit` slots at once. */
export class Semaphore {
  #free: number;
  /** Slots held back until the first slot is given back (see the constructor). */
  #held: number;
  readonly #waiting: Array<() => void> = [];

  /**
   * `first` (default `limit`, at most `limit`): how many slots are given out until the first one comes back; then
   * all `limit` are. With `first = 1` the first holder runs alone: a server that answers requests
   * interleaved answers a lone request sooner than the first of several sent together.
   */
  constructor(limit: number, first = limit) {
    this.#free = first;
    this.#held = limit - first;
  }

  /** A slot now, when one is free and no one waits (the function that gives it back), else `undefined`. */
  tryAcquire(): (() => void) | undefined {
    if (this.#free <= 0 || this.#waiting.length > 0) return undefined;
    this.#free--;
    return this.#giveBack();
  }

  /** The function that gives a slot back (once). */
  #giveBack(): () => void {
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.#release();
      }
    };
  }

  /** Wait for a slot; resolves to the function that gives it back (call it exactly once). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new AbortError());
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve(this.#giveBack());
      };
      const onAbort = (): void => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal?.reason ?? new AbortError());
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (this.#free > 0) {
        this.#free--;
        grant();
      } else {
        this.#waiting.push(grant);
      }
    });
  }

  /** Give out the slots held back for the first holder now (it is slow: e.g. it retries). */
  widen(): void {
    for (; this.#held > 0; this.#held--) this.#give();
  }

  #release(): void {
    this.#give();
    this.widen();
  }

  #give(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
