/**
 * The tiny reactive primitives every s3edge object is built on, so that UI
 * layers (React's `useSyncExternalStore`, a Vue ref, a plain callback) stay thin:
 * a {@link State} you read synchronously and subscribe to, and an {@link Emitter}
 * for discrete events.
 *
 * Notifications are cheap for UIs by construction (as zustand's `setState` and
 * TanStack Query's `notifyManager`):
 * - a `set` that changes nothing (by the state's `equal`, default `Object.is`)
 *   keeps the old object and notifies no one;
 * - changes the state's `coalesce` option calls progress (bytes, speed) are
 *   delivered at most once per animation frame in a visible page, once per
 *   macrotask elsewhere, all states of a frame in one batch;
 * - every other change (a status: done, error, paused) is delivered at once,
 *   with the latest state, so the final state is never lost;
 * - `getState()` always returns the latest state: only notifications wait.
 */
import { frameBatch, type Batch } from "./batch.js";

export { createBatch, FRAME_FALLBACK_MS, frameBatch, nextFrame, type Batch, type Scheduler } from "./batch.js";

/** A value that changes over time. `getState()` returns a new object after each change. */
export interface Observable<T> {
  /** The current value; stable identity until the next change. */
  getState(): T;
  /**
   * Call `listener` after changes (progress changes coalesced, see the module
   * documentation); returns the function that unsubscribes.
   */
  subscribe(listener: (state: T) => void): () => void;
}

/** An {@link Observable} its owner can write. */
export interface State<T> extends Observable<T> {
  /** Replace the state (ignored when `equal` to the current one). */
  set(next: T): void;
}

/** How a {@link createState} compares and delivers changes. */
export interface StateOptions<T> {
  /** A `set` whose value is equal to the current one is ignored (default `Object.is`; see {@link shallowEqual}). */
  equal?: (a: T, b: T) => boolean;
  /**
   * Whether the change from the last delivered state `prev` to `next` may wait
   * for the next batch (progress). Default: never, every change is delivered at once.
   */
  coalesce?: (prev: T, next: T) => boolean;
  /** Where coalesced notifications wait (default {@link frameBatch}: one per animation frame or macrotask). */
  batch?: Batch;
}

const IMMEDIATE = Symbol("s3edge.immediate");

/**
 * Mark a listener to be called synchronously on every change, progress
 * included, for states derived from other states (an uploader's aggregate of its
 * uploads) so that their `getState()` is never behind. Not for UI work.
 */
export function immediate<L extends (state: never) => void>(listener: L): L {
  Object.defineProperty(listener, IMMEDIATE, { value: true });
  return listener;
}

const isImmediate = (listener: object): boolean => (listener as Record<symbol, unknown>)[IMMEDIATE] === true;

/** Rethrow outside the caller's stack so that one failing listener neither breaks s3edge nor the other listeners. */
function report(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/**
 * Call every listener (a copy of the list: a listener may unsubscribe) with
 * `state`; one that throws breaks neither the caller nor the other listeners:
 * its error goes to `onError` (default: rethrown in a microtask, as `EventTarget` reports listener errors).
 */
export function notify<T>(
  listeners: Iterable<(state: T) => void>,
  state: T,
  onError: (error: unknown) => void = report,
): void {
  for (const listener of [...listeners]) {
    try {
      listener(state);
    } catch (error) {
      onError(error);
    }
  }
}

const never = (): boolean => false;

/** Create a {@link State} holding `initial` (see {@link StateOptions} for equality and coalescing). */
export function createState<T>(initial: T, options: StateOptions<T> = {}): State<T> {
  const { equal = Object.is, coalesce = never } = options;
  let state = initial;
  /** What the (non-immediate) listeners last received. */
  let delivered = initial;
  const listeners = new Set<(state: T) => void>();
  const synchronous = new Set<(state: T) => void>();

  const deliver = (): void => {
    if (Object.is(delivered, state)) return;
    delivered = state;
    notify(listeners, state);
  };

  return {
    getState: () => state,
    set(next) {
      if (equal(state, next)) return;
      state = next;
      notify(synchronous, next);
      if (listeners.size > 0 && coalesce(delivered, next)) (options.batch ?? frameBatch()).defer(deliver);
      else deliver();
    },
    subscribe(listener) {
      const set = isImmediate(listener) ? synchronous : listeners;
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
  };
}

/** Equal values for {@link shallowEqual}'s fields: the same value, or arrays with the same elements. */
function sameField(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/**
 * Shallow equality for snapshots that are rebuilt on every change (zustand's
 * `shallow`): the same value; or two arrays with the same elements (`Object.is`);
 * or two objects of the same prototype with the same own keys whose values are
 * the same, arrays compared by their elements.
 */
export function shallowEqual<T>(a: T, b: T): boolean {
  if (sameField(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  return keys.every((key) => Object.hasOwn(y, key) && sameField(x[key], y[key]));
}

/** Fields that carry progress in s3edge's states (upload and uploader): changes to them alone are coalesced. */
export const PROGRESS_FIELDS: readonly string[] = ["loaded", "speed", "eta", "partsDone"];

/**
 * True when `a` and `b` differ only in `fields`, looking one level into arrays
 * of objects (an aggregate's list of items): each element the same, or
 * differing only in `fields`.
 */
export function differsOnlyIn(a: unknown, b: unknown, fields: readonly string[], depth = 1): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      depth > 0 &&
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((v, i) => differsOnlyIn(v, b[i], fields, depth - 1))
    );
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const key of keys) {
    if (Object.is(x[key], y[key]) || fields.includes(key)) continue;
    if (!differsOnlyIn(x[key], y[key], fields, depth)) return false;
  }
  return true;
}

/**
 * {@link StateOptions} for a snapshot object whose progress fields change
 * often: identity by {@link shallowEqual}, changes to `fields` alone (default
 * {@link PROGRESS_FIELDS}) coalesced, every other change delivered at once.
 */
export function progressState<T>(fields: readonly string[] = PROGRESS_FIELDS): StateOptions<T> {
  return { equal: shallowEqual, coalesce: (prev, next) => differsOnlyIn(prev, next, fields) };
}

/** Typed event emitter: `on(name, fn)` returns the function that removes `fn`. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(value: never) => void>>();

  /** Listen to `event`; returns the function that stops listening. */
  on<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (value: never) => void);
    return () => set.delete(listener as (value: never) => void);
  }

  /** Call the listeners of `event` with `value`. */
  emit<K extends keyof Events>(event: K, value: Events[K]): void {
    notify(this.#listeners.get(event) ?? [], value as never);
  }
}
