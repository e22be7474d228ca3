import { describe, expect, it } from "vitest";
import { clearlyFaster, EWMA_ALPHA, MAX_SAMPLE_MS, parseLatency, smoothLatency } from "../../../src/core/latency.js";

describe("smoothLatency", () => {
  it("starts from the first sample and averages the first few plainly", () => {
    const one = smoothLatency(undefined, 100, 1_000);
    expect(one).toEqual({ ms: 100, at: 1_000, samples: 1 });
    const two = smoothLatency(one, 50, 2_000);
    expect(two).toEqual({ ms: 75, at: 2_000, samples: 2 });
  });

  it("weighs a new sample by EWMA_ALPHA once warm, so one outlier moves the estimate only part of the way", () => {
    let e = smoothLatency(undefined, 40, 0);
    for (let i = 1; i < 10; i++) e = smoothLatency(e, 40, i);
    const after = smoothLatency(e, 1_040, 10);
    expect(after?.ms).toBeCloseTo(40 + EWMA_ALPHA * 1_000, 6);
  });

  it("ignores samples that are not finite numbers >= 0 and clamps huge ones", () => {
    const e = smoothLatency(undefined, 20, 0);
    expect(smoothLatency(e, Number.NaN, 5)).toBe(e);
    expect(smoothLatency(e, -1, 5)).toBe(e);
    expect(smoothLatency(undefined, 10 * MAX_SAMPLE_MS, 0)?.ms).toBe(MAX_SAMPLE_MS);
  });
});

describe("clearlyFaster", () => {
  const e = (ms: number) => ({ ms, at: 0, samples: 5 });
  it("needs more than 10 ms and more than 20 % of the slower host", () => {
    expect(clearlyFaster(e(20), e(80))).toBe(true);
    expect(clearlyFaster(e(2), e(9))).toBe(false); // 7 ms: loopback noise
    expect(clearlyFaster(e(900), e(1_000))).toBe(false); // 10 %
    expect(clearlyFaster(e(80), e(20))).toBe(false);
  });
  it("is false when either side has no estimate (a tie: configured order decides)", () => {
    expect(clearlyFaster(undefined, e(500))).toBe(false);
    expect(clearlyFaster(e(1), undefined)).toBe(false);
  });
});

describe("parseLatency", () => {
  it("reads back a stored estimate and refuses anything else", () => {
    expect(parseLatency({ ms: 42.5, at: 7, samples: 3, v: 1 })).toEqual({ ms: 42.5, at: 7, samples: 3 });
    expect(parseLatency({ ms: "42", at: 7, samples: 3 })).toBeUndefined();
    expect(parseLatency({ ms: -1, at: 7, samples: 3 })).toBeUndefined();
    expect(parseLatency({ ms: 1, at: 7, samples: 0 })).toBeUndefined();
    expect(parseLatency(null)).toBeUndefined();
  });
});
