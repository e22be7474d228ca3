import { describe, expect, it, vi } from "vitest";
import { Emitter, createState } from "../../../src/core/observable.js";

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

  it("a throwing listener neither stops the others nor the setter; its error surfaces asynchronously", async () => {
    const state = createState(0);
    const reported = vi.fn();
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (fn) => original(() => {
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
