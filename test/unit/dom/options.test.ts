/**
 * `autoFallback`'s options, checked once (`dom/options.ts`): the defaults it runs with, and a
 * `ConfigError` naming the option for each value it cannot use.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/errors.js";
import { imageOptions } from "../../../src/dom/options.js";

const base = { cdn: "https://cdn.test", origin: { endpoint: "https://s3.test", bucket: "bkt" }, persist: false };

describe("autoFallback options", () => {
  it("runs with 3 s per image, a 10 s status-check interval and 500-599 as fallback statuses by default", () => {
    const o = imageOptions(base);
    expect([o.timeoutMs, o.checkMs]).toEqual([3000, 10_000]);
    expect([500, 503, 599].map(o.isFallback)).toEqual([true, true, true]);
    expect([200, 404, 499, 600].map(o.isFallback)).toEqual([false, false, false, false]);
  });

  it("takes fallbackStatuses as a list or a predicate", () => {
    const listed = imageOptions({ ...base, fallbackStatuses: [404, 503] });
    expect([404, 503, 500].map(listed.isFallback)).toEqual([true, true, false]);
    const predicate = imageOptions({ ...base, fallbackStatuses: (s) => s === 418 });
    expect([418, 503].map(predicate.isFallback)).toEqual([true, false]);
  });

  it.each([
    ["timeoutMs", { timeoutMs: 0 }],
    ["statusCheckMs", { statusCheckMs: -1 }],
    ["timeoutMs", { timeoutMs: "3000" as unknown as number }],
    ["statusCheckMs", { statusCheckMs: Number.NaN }],
    ["fallbackStatuses", { fallbackStatuses: [503, 99] }],
    ["fallbackStatuses", { fallbackStatuses: ["503"] as unknown as number[] }],
  ])("refuses a bad %s with a ConfigError naming it and autoFallback", (option, bad) => {
    let thrown: unknown;
    try {
      imageOptions({ ...base, ...bad });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ code: "InvalidConfig", option });
    expect((thrown as Error).message).toMatch(/^autoFallback: /);
  });
});
