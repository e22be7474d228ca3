import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../src/core/errors.js";
import {
  DEFAULT_PART_SIZE,
  S3_LIMITS,
  choosePartSize,
  partCount,
  partListProblem,
  partRange,
  partSizeToFit,
} from "../../../src/core/parts.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

describe("S3_LIMITS", () => {
  it("holds S3's documented limits", () => {
    expect(S3_LIMITS).toEqual({
      minPartSize: 5 * MiB,
      maxPartSize: 5 * GiB,
      maxParts: 10_000,
      maxObjectSize: 5 * TiB,
      maxSinglePutSize: 5 * GiB,
    });
    expect(DEFAULT_PART_SIZE).toBe(10 * MiB); // whole pieces of a Blob Chromium built in memory
    expect(Object.isFrozen(S3_LIMITS)).toBe(true);
  });
});

describe("choosePartSize", () => {
  it.each([
    [0, 10 * MiB],
    [1, 10 * MiB],
    [100 * MiB, 10 * MiB],
    [10_000 * 10 * MiB, 10 * MiB],
    [10_000 * 10 * MiB + 1, 11 * MiB],
    [100 * GiB, 11 * MiB],
    [1 * TiB, 105 * MiB],
    [5 * TiB, 525 * MiB],
  ])("picks %d bytes -> %d", (size, expected) => {
    expect(choosePartSize(size)).toBe(expected);
  });

  it("uses the preferred size when it fits, and raises it when it does not", () => {
    expect(choosePartSize(1 * GiB, 5 * MiB)).toBe(5 * MiB);
    expect(choosePartSize(1 * GiB, 64 * MiB)).toBe(64 * MiB);
    expect(choosePartSize(100 * GiB, 5 * MiB)).toBe(11 * MiB);
  });

  it("returns the preferred size for an unknown length", () => {
    expect(choosePartSize(null)).toBe(DEFAULT_PART_SIZE);
    expect(choosePartSize(null, 16 * MiB)).toBe(16 * MiB);
  });

  it.each([
    [5 * TiB + 1, undefined],
    [-1, undefined],
    [1.5, undefined],
    [Number.NaN, undefined],
    [100, 5 * MiB - 1],
    [100, 5 * GiB + 1],
    [100, 6.5 * MiB + 0.5],
  ])("refuses size %d with preferred %s", (size, preferred) => {
    expect(() => choosePartSize(size, preferred)).toThrow(InvalidInputError);
  });
});

describe("partCount / partRange", () => {
  it("counts one empty part for an empty object", () => {
    expect(partCount(0, 5 * MiB)).toBe(1);
    expect(partRange(1, 5 * MiB, 0)).toEqual({ start: 0, end: 0 });
  });

  it("cuts the last part short", () => {
    expect(partCount(11 * MiB, 5 * MiB)).toBe(3);
    expect(partRange(1, 5 * MiB, 11 * MiB)).toEqual({ start: 0, end: 5 * MiB });
    expect(partRange(3, 5 * MiB, 11 * MiB)).toEqual({ start: 10 * MiB, end: 11 * MiB });
    expect(partCount(10 * MiB, 5 * MiB)).toBe(2);
  });

  it.each([0, 4, 1.5, -1, Number.NaN])("refuses part number %d of a 3-part object", (n) => {
    expect(() => partRange(n, 5 * MiB, 11 * MiB)).toThrow(InvalidInputError);
  });

  it("refuses a zero or fractional part size", () => {
    expect(() => partCount(10, 0)).toThrow(InvalidInputError);
    expect(() => partCount(10, 2.5)).toThrow(InvalidInputError);
  });

  it("plans at most 10,000 parts of at least 5 MiB that tile [0, size) for any size up to 5 TiB", () => {
    const size = fc.oneof(
      fc.integer({ min: 0, max: 64 * MiB }),
      fc.integer({ min: 0, max: S3_LIMITS.maxObjectSize }),
      fc.integer({ min: S3_LIMITS.maxObjectSize - 100 * MiB, max: S3_LIMITS.maxObjectSize }),
    );
    const preferred = fc.option(fc.integer({ min: S3_LIMITS.minPartSize, max: S3_LIMITS.maxPartSize }), {
      nil: undefined,
    });
    fc.assert(
      fc.property(size, preferred, (n, pref) => {
        const partSize = choosePartSize(n, pref);
        const count = partCount(n, partSize);
        expect(count).toBeLessThanOrEqual(S3_LIMITS.maxParts);
        expect(partSize).toBeGreaterThanOrEqual(S3_LIMITS.minPartSize);
        expect(partSize).toBeLessThanOrEqual(S3_LIMITS.maxPartSize);
        // Tiling: check the first parts, a sample in the middle and the last ones (10,000 would be slow x runs).
        const numbers = new Set([1, 2, Math.ceil(count / 2), count - 1, count].filter((p) => p >= 1 && p <= count));
        for (const p of numbers) {
          const { start, end } = partRange(p, partSize, n);
          expect(start).toBe((p - 1) * partSize);
          if (p < count) expect(end - start).toBe(partSize);
          else {
            expect(end).toBe(n);
            expect(end - start).toBeGreaterThan(n === 0 ? -1 : 0);
            expect(end - start).toBeLessThanOrEqual(partSize);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("tiles [0, size) exactly, part by part, for sizes up to a few hundred parts", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 * 5 * MiB }),
        fc.integer({ min: 5 * MiB, max: 12 * MiB }),
        (n, pref) => {
          const partSize = choosePartSize(n, pref);
          const count = partCount(n, partSize);
          let cursor = 0;
          for (let p = 1; p <= count; p++) {
            const { start, end } = partRange(p, partSize, n);
            expect(start).toBe(cursor);
            if (p < count) expect(end - start).toBe(partSize);
            cursor = end;
          }
          expect(cursor).toBe(n);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("partListProblem", () => {
  it.each([[[1]], [[1, 2, 3]], [[2, 5, 10_000]]])("accepts %j", (list) => {
    expect(partListProblem(list)).toBeUndefined();
  });

  it.each([
    [[], /empty/],
    [[0], /not an integer in 1\.\.10000/],
    [[10_001], /not an integer in 1\.\.10000/],
    [[1.5], /not an integer/],
    [[1, 2, 2], /appears twice/],
    [[1, 3, 2], /ascending/],
  ] as const)("refuses %j", (list, reason) => {
    expect(partListProblem(list)).toMatch(reason);
  });

  it("accepts exactly the strictly ascending lists of part numbers", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 50 }), (list) => {
        const ascending = list.every((n, i) => i === 0 || n > list[i - 1]!);
        expect(partListProblem(list) === undefined).toBe(ascending);
      }),
    );
  });
});

describe("partSizeToFit", () => {
  it("is the smallest whole-MiB part size that fits the object in the part limit", () => {
    const MiB = 1024 * 1024;
    expect(partSizeToFit(0)).toBe(0);
    expect(partSizeToFit(10_000 * MiB)).toBe(MiB);
    expect(partSizeToFit(10_000 * MiB + 1)).toBe(2 * MiB);
    expect(partSizeToFit(100 * MiB, 10)).toBe(10 * MiB);
    expect(partSizeToFit(100 * MiB + 1, 10)).toBe(11 * MiB);
  });

  it("never needs more than maxParts parts", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: S3_LIMITS.maxObjectSize }),
        fc.integer({ min: 1, max: 10_000 }),
        (size, maxParts) => {
          expect(partCount(size, partSizeToFit(size, maxParts))).toBeLessThanOrEqual(maxParts);
        },
      ),
    );
  });
});
