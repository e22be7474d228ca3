/**
 * The two tiny reactive primitives every s3edge object is built on, so that UI
 * layers (React's `useSyncExternalStore`, a Vue ref, a plain callback) stay thin:
 * a {@link State} you read synchronously and subscribe to, and an {@link Emitter}
 * for discrete events.
 */

/** A value that changes over time. `getState()` returns a new object after each change. */
export interface Observable<T> {
  /** The current value; stable identity until the next change. */
  getState(): T;
  /** Call `listener` after every change; returns the function that unsubscribes. */
  subscribe(listener: (state: T) => void): () => void;
}

/** An {@link Observable} its owner can write. */
export interface State<T> extends Observable<T> {
  set(next: T): void;
}

/** Rethrow outside the caller's stack so that one failing listener neither breaks s3edge nor the other listeners. */
function report(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** Create a {@link State} holding `initial`. */
export function createState<T>(initial: T): State<T> {
  let state = initial;
  const listeners = new Set<(state: T) => void>();
  return {
    getState: () => state,
    set(next) {
      state = next;
      for (const listener of [...listeners]) {
        try {
          listener(next);
        } catch (error) {
          report(error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
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
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as (value: Events[K]) => void)(value);
      } catch (error) {
        report(error);
      }
    }
  }
}
