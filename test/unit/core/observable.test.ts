import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Emitter,
  FRAME_FALLBACK_MS,
  createBatch,
  createState,
  differsOnlyIn,
  frameBatch,
  immediate,
  nextFrame,
  progressState,
  shallowEqual,
  type Batch,
} from "../../../src/core/observable.js";

/** A batch flushed by hand: `flush()` runs what was deferred, `armed` counts schedule calls. */
function manualBatch(): Batch & { flush(): void; armed: number } {
  let pending: (() => void) | undefined;
  const counter = { armed: 0 };
  const batch = createBatch((flush) => {
    counter.armed++;
    pending = flush;
  });
  return {
    defer: batch.defer,
    flush() {
      const run = pending;
      pending = undefined;
      run?.();
    },
    get armed() {
      return counter.armed;
    },
  };
}

interface Progress {
  status: string;
  loaded: number;
}

describe("createState", () => {
  it("gives a stable snapshot until set, then notifies every listener with the new one", () => {
    const state = createState({ n: 1 });
    const first = state.getState();
    expect(state.getState()).toBe(first);
    const seen: number[] = [];
    const off = state.subscribe((s) => seen.push(s.n));
    state.subscribe((s) => seen.push(s.n * 10));
    state.set({ n: 2 });
    off();
    state.set({ n: 3 });
    expect(seen).toEqual([2, 20, 30]);
    expect(state.getState()).toEqual({ n: 3 });
  });

  it("does not notify when the value is the same (Object.is by default)", () => {
    const value = { n: 1 };
    const state = createState(value);
    const listener = vi.fn();
    state.subscribe(listener);
    state.set(value);
    expect(listener).not.toHaveBeenCalled();
    state.set({ n: 1 });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it("with shallowEqual, a rebuilt but equal snapshot keeps the old identity and notifies no one", () => {
    const state = createState({ n: 1, list: [1, 2] }, { equal: shallowEqual });
    const first = state.getState();
    const listener = vi.fn();
    state.subscribe(listener);
    state.set({ n: 1, list: [1, 2] });
    expect(state.getState()).toBe(first);
    expect(listener).not.toHaveBeenCalled();
  });

  it("coalesces progress into one notification per batch, while getState is always the latest", () => {
    const batch = manualBatch();
    const state = createState<Progress>({ status: "uploading", loaded: 0 }, { ...progressState(), batch });
    const seen: Progress[] = [];
    state.subscribe((s) => seen.push(s));
    for (let loaded = 1; loaded <= 100; loaded++) state.set({ status: "uploading", loaded });
    expect(state.getState().loaded).toBe(100);
    expect(seen).toEqual([]);
    expect(batch.armed).toBe(1);
    batch.flush();
    expect(seen).toEqual([{ status: "uploading", loaded: 100 }]);
    expect(seen[0]).toBe(state.getState());
    batch.flush();
    expect(seen).toHaveLength(1);
  });

  it("delivers a discrete change at once with the latest state, and the pending progress flush adds nothing", () => {
    const batch = manualBatch();
    const state = createState<Progress>({ status: "uploading", loaded: 0 }, { ...progressState(), batch });
    const seen: string[] = [];
    state.subscribe((s) => seen.push(`${s.status} ${s.loaded}`));
    state.set({ status: "uploading", loaded: 5 });
    state.set({ status: "done", loaded: 10 });
    expect(seen).toEqual(["done 10"]);
    batch.flush();
    expect(seen).toEqual(["done 10"]);
  });

  it("treats a progress change after a discrete one as progress again", () => {
    const batch = manualBatch();
    const state = createState<Progress>({ status: "queued", loaded: 0 }, { ...progressState(), batch });
    const seen: string[] = [];
    state.subscribe((s) => seen.push(`${s.status} ${s.loaded}`));
    state.set({ status: "uploading", loaded: 0 });
    state.set({ status: "uploading", loaded: 1 });
    state.set({ status: "uploading", loaded: 2 });
    expect(seen).toEqual(["uploading 0"]);
    batch.flush();
    expect(seen).toEqual(["uploading 0", "uploading 2"]);
  });

  it("calls immediate listeners on every change, progress included", () => {
    const batch = manualBatch();
    const state = createState<Progress>({ status: "uploading", loaded: 0 }, { ...progressState(), batch });
    const every: number[] = [];
    const coalesced: number[] = [];
    state.subscribe(immediate((s: Progress) => every.push(s.loaded)));
    state.subscribe((s) => coalesced.push(s.loaded));
    state.set({ status: "uploading", loaded: 1 });
    state.set({ status: "uploading", loaded: 2 });
    expect(every).toEqual([1, 2]);
    expect(coalesced).toEqual([]);
    batch.flush();
    expect(coalesced).toEqual([2]);
  });

  it("delivers an aggregate updated by a listener during a flush in the same flush", () => {
    const batch = manualBatch();
    const item = createState<Progress>({ status: "uploading", loaded: 0 }, { ...progressState(), batch });
    const total = createState({ loaded: 0 }, { ...progressState(), batch });
    item.subscribe((s) => total.set({ loaded: s.loaded }));
    const seen: number[] = [];
    total.subscribe((s) => seen.push(s.loaded));
    item.set({ status: "uploading", loaded: 7 });
    batch.flush();
    expect(seen).toEqual([7]);
    expect(batch.armed).toBe(1);
  });

  it("a throwing listener neither stops the others nor the setter; its error surfaces asynchronously", async () => {
    const state = createState(0);
    const reported = vi.fn();
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (fn) =>
      original(() => {
        try {
          fn();
        } catch (error) {
          reported(error);
        }
      });
    try {
      const after = vi.fn();
      state.subscribe(() => {
        throw new Error("listener bug");
      });
      state.subscribe(after);
      expect(() => state.set(1)).not.toThrow();
      expect(after).toHaveBeenCalledWith(1);
      await Promise.resolve();
      expect(reported).toHaveBeenCalledWith(new Error("listener bug"));
    } finally {
      globalThis.queueMicrotask = original;
    }
  });
});

describe("shallowEqual and differsOnlyIn", () => {
  it("compares own keys by Object.is, arrays by their elements, nothing deeper", () => {
    const item = { a: 1 };
    expect(shallowEqual({ a: 1, b: "x" }, { a: 1, b: "x" })).toBe(true);
    expect(shallowEqual({ list: [item] }, { list: [item] })).toBe(true);
    expect(shallowEqual({ list: [item] }, { list: [{ a: 1 }] })).toBe(false);
    expect(shallowEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(shallowEqual([1, 2], [1, 2])).toBe(true);
    expect(shallowEqual([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(shallowEqual(Number.NaN, Number.NaN)).toBe(true);
    expect(shallowEqual(null, {})).toBe(false);
    expect(shallowEqual<object>(new Date(0), {})).toBe(false);
  });

  it("tells a change of progress fields (also inside a list of items) from any other change", () => {
    const fields = ["loaded", "speed"];
    const a = { status: "uploading", loaded: 1, items: [{ id: 1, status: "uploading", loaded: 1 }] };
    expect(differsOnlyIn(a, { ...a, loaded: 2, speed: 9 }, fields)).toBe(true);
    expect(differsOnlyIn(a, { ...a, items: [{ id: 1, status: "uploading", loaded: 5 }] }, fields)).toBe(true);
    expect(differsOnlyIn(a, { ...a, items: [{ id: 1, status: "done", loaded: 5 }] }, fields)).toBe(false);
    expect(differsOnlyIn(a, { ...a, items: [] }, fields)).toBe(false);
    expect(differsOnlyIn(a, { ...a, status: "paused" }, fields)).toBe(false);
  });
});

describe("batches and the frame scheduler", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("outside a page the default batch flushes after the current macrotask", () => {
    vi.useFakeTimers();
    const state = createState<Progress>({ status: "uploading", loaded: 0 }, progressState());
    const seen: number[] = [];
    state.subscribe((s) => seen.push(s.loaded));
    state.set({ status: "uploading", loaded: 1 });
    state.set({ status: "uploading", loaded: 2 });
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(seen).toEqual([2]);
    expect(frameBatch()).toBe(frameBatch());
  });

  it("in a visible page it waits for the next animation frame", () => {
    vi.useFakeTimers();
    const frames: (() => void)[] = [];
    const cancelled: number[] = [];
    vi.stubGlobal("document", { visibilityState: "visible" });
    vi.stubGlobal("requestAnimationFrame", (fn: () => void) => frames.push(fn));
    vi.stubGlobal("cancelAnimationFrame", (id: number) => cancelled.push(id));
    const flush = vi.fn();
    nextFrame(flush);
    vi.advanceTimersByTime(FRAME_FALLBACK_MS - 1);
    expect(flush).not.toHaveBeenCalled();
    frames[0]?.();
    expect(flush).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(FRAME_FALLBACK_MS);
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it("flushes after FRAME_FALLBACK_MS when no frame comes (page hidden meanwhile), and cancels the frame", () => {
    vi.useFakeTimers();
    const cancelled: number[] = [];
    vi.stubGlobal("document", { visibilityState: "visible" });
    vi.stubGlobal("requestAnimationFrame", () => 42);
    vi.stubGlobal("cancelAnimationFrame", (id: number) => cancelled.push(id));
    const flush = vi.fn();
    nextFrame(flush);
    vi.advanceTimersByTime(FRAME_FALLBACK_MS - 1);
    expect(flush).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(cancelled).toEqual([42]);
  });

  it("uses a macrotask, not a frame, in a hidden page", () => {
    vi.useFakeTimers();
    const raf = vi.fn();
    vi.stubGlobal("document", { visibilityState: "hidden" });
    vi.stubGlobal("requestAnimationFrame", raf);
    const flush = vi.fn();
    nextFrame(flush);
    vi.advanceTimersByTime(0);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(raf).not.toHaveBeenCalled();
  });
});

describe("Emitter", () => {
  it("calls the listeners of one event in order, and on() returns the remover", () => {
    const events = new Emitter<{ a: number; b: string }>();
    const calls: string[] = [];
    const off = events.on("a", (n) => calls.push(`1:${n}`));
    events.on("a", (n) => calls.push(`2:${n}`));
    events.on("b", (s) => calls.push(`b:${s}`));
    events.emit("a", 1);
    off();
    events.emit("a", 2);
    events.emit("b", "x");
    expect(calls).toEqual(["1:1", "2:1", "2:2", "b:x"]);
  });
});
