import { describe, expect, it } from "vitest";
import { BufferPool } from "../../../src/upload/sources/pool.js";

describe("BufferPool", () => {
  it("hands back a given buffer of the same size instead of allocating", () => {
    const pool = new BufferPool();
    const a = pool.take(1024);
    pool.give(a);
    expect(pool.take(1024)).toBe(a);
    expect(pool.take(1024)).not.toBe(a); // the free one was taken
  });

  it("never hands out a buffer of another size", () => {
    const pool = new BufferPool();
    pool.give(pool.take(10));
    expect(pool.take(11).byteLength).toBe(11);
  });

  it("ignores views into a larger buffer and buffers given twice", () => {
    const pool = new BufferPool();
    const whole = pool.take(100);
    pool.give(whole.subarray(0, 50));
    expect(pool.take(50)).not.toBe(whole);
    pool.give(whole);
    pool.give(whole);
    expect(pool.take(100)).toBe(whole);
    expect(pool.take(100)).not.toBe(whole);
  });

  it("keeps at most `max` free buffers", () => {
    const pool = new BufferPool(2);
    const bufs = [pool.take(8), pool.take(8), pool.take(8)];
    bufs.forEach((b) => pool.give(b));
    const again = [pool.take(8), pool.take(8), pool.take(8)];
    expect(again.filter((b) => bufs.includes(b))).toHaveLength(2);
  });
});
