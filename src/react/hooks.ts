/**
 * React bindings: a few lines of `useSyncExternalStore` over s3edge's
 * framework-free observables, with an optional selector as in zustand's
 * `useStore(api, selector)`. SSR-safe: the server snapshot is the current state.
 *
 * The observables already skip no-op changes and coalesce progress to one
 * notification per animation frame; a selector narrows re-renders further to
 * what a component shows (e.g. only `active`, or a rounded percentage).
 */
import { useRef, useSyncExternalStore } from "react";
import { shallowEqual, type Observable } from "../core/observable.js";
import type { UploaderState, UploadState } from "../upload/types.js";
import type { Uploader } from "../upload/uploader.js";
import type { Upload } from "../upload/upload.js";

/** Picks what a component renders from a state. */
export type Selector<T, S> = (state: T) => S;

/** Compares two selected values; equal values keep the previous one and skip the re-render. */
export type Equality<S> = (a: S, b: S) => boolean;

const noop = (): void => undefined;
const subscribeNothing = (): (() => void) => noop;
const nothing = (): undefined => undefined;

interface Memo<T, S> {
  state: T;
  select: Selector<T, S>;
  value: S;
}

/** The selected slice of an external store, stable while `equal` says it did not change. */
function useSelected<T, S>(
  subscribe: (listener: () => void) => () => void,
  getState: () => T,
  select: Selector<T, S>,
  equal: Equality<S>,
): S {
  const memo = useRef<Memo<T, S> | undefined>(undefined);
  const snapshot = (): S => {
    const state = getState();
    const last = memo.current;
    if (last !== undefined && Object.is(last.state, state) && last.select === select) return last.value;
    const selected = select(state);
    const value = last !== undefined && equal(last.value, selected) ? last.value : selected;
    memo.current = { state, select, value };
    return value;
  };
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

const identity = <T>(state: T): T => state;

/**
 * The current state of any s3edge observable (an uploader, an upload, an edge),
 * re-rendering when it changes; with `selector`, only when the selected value
 * changes (compared with `equal`, default {@link shallowEqual}).
 *
 * @example
 * const active = useObservable(uploader, (s) => s.active);
 */
export function useObservable<T>(observable: Observable<T>): T;
export function useObservable<T, S>(observable: Observable<T>, selector: Selector<T, S>, equal?: Equality<S>): S;
export function useObservable<T, S>(
  observable: Observable<T>,
  selector?: Selector<T, S>,
  equal: Equality<S | T> = shallowEqual,
): S | T {
  return useSelected<T, S | T>(observable.subscribe, observable.getState, selector ?? identity, equal);
}

/**
 * State of all uploads of an uploader (progress, speed, ETA, each upload's
 * status), or the part of it `selector` picks (shallow-compared).
 *
 * @example
 * const { loaded, total } = useUploader(uploader, (s) => ({ loaded: s.loaded, total: s.total }));
 */
export function useUploader(uploader: Uploader): UploaderState;
export function useUploader<S>(uploader: Uploader, selector: Selector<UploaderState, S>, equal?: Equality<S>): S;
export function useUploader<S>(
  uploader: Uploader,
  selector?: Selector<UploaderState, S>,
  equal?: Equality<S | UploaderState>,
): S | UploaderState {
  return useObservable<UploaderState, S | UploaderState>(uploader, selector ?? identity, equal);
}

/**
 * State of one upload, or the part of it `selector` picks; `undefined` when
 * there is no upload (yet).
 *
 * @example
 * const status = useUpload(upload, (s) => s.status);
 */
export function useUpload(upload: Upload | undefined): UploadState | undefined;
export function useUpload<S>(
  upload: Upload | undefined,
  selector: Selector<UploadState, S>,
  equal?: Equality<S>,
): S | undefined;
export function useUpload<S>(
  upload: Upload | undefined,
  selector?: Selector<UploadState, S>,
  equal: Equality<S | UploadState | undefined> = shallowEqual,
): S | UploadState | undefined {
  return useSelected<UploadState | undefined, S | UploadState | undefined>(
    upload ? upload.subscribe : subscribeNothing,
    upload ? upload.getState : nothing,
    selector ? lift(selector) : identity,
    equal,
  );
}

const lifted = new WeakMap<object, Selector<UploadState | undefined, unknown>>();

/** `selector` made to accept `undefined` (no upload); one wrapper per selector, so a stable selector stays stable. */
function lift<S>(selector: Selector<UploadState, S>): Selector<UploadState | undefined, S | undefined> {
  let wrapper = lifted.get(selector);
  if (wrapper === undefined) {
    wrapper = (state) => (state === undefined ? undefined : selector(state));
    lifted.set(selector, wrapper);
  }
  return wrapper as Selector<UploadState | undefined, S | undefined>;
}
