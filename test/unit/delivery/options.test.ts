/** createEdge's option errors (ConfigError naming the option), the URL-as-key message, and edge.src. */
import { describe, expect, it } from "vitest";
import { ConfigError, isS3EdgeError } from "../../../src/core/errors.js";
import { createHostHealth } from "../../../src/core/health.js";
import { createEdge, type EdgeOptions } from "../../../src/delivery/index.js";

const CDN = "https://cdn.example.com";
const ORIGIN = { bucket: "media", region: "eu-west-1" };

/** The error `fn` throws (fails the test when it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** Options as a user might write them in plain JavaScript (no type checking). */
const untyped = (options: unknown) => () => createEdge(options as EdgeOptions);

describe("createEdge option errors", () => {
  it("names origin when it is missing, instead of failing inside", () => {
    const error = thrown(untyped({ cdn: CDN }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "InvalidConfig", option: "origin" });
    expect(String(error)).toMatch(/origin is required.*\{ bucket, region \}/);
    expect(String(error)).not.toMatch(/Cannot read properties/);
  });

  it("names cdn when it is missing or empty", () => {
    for (const cdn of [undefined, "", []]) {
      const error = thrown(untyped({ cdn, origin: ORIGIN }));
      expect(error).toMatchObject({ code: "InvalidConfig", option: "cdn" });
      expect(String(error)).toMatch(/cdn is required/);
    }
  });

  it("names the options object when there is none", () => {
    expect(thrown(untyped(undefined))).toMatchObject({ code: "InvalidConfig", option: "options" });
  });

  it("throws a ConfigError naming the option for every unusable option", () => {
    const cases: [string, Record<string, unknown>][] = [
      ["cdn", { cdn: "cdn.example.com" }],
      ["cdn", { cdn: "https://user:secret@cdn.example.com" }],
      ["cdn", { cdn: "https://cdn.example.com?token=1" }],
      ["cdn", { cdn: [CDN, 42] }],
      ["origin", { origin: "https://media.s3.amazonaws.com" }],
      ["origin", { origin: { bucket: "Bad_Bucket", region: "eu-west-1" } }],
      ["origin", { origin: { bucket: "media", region: "EU west" } }],
      ["origin", { origin: { endpoint: "not a url", bucket: "media" } }],
      ["origin", { origin: { presign: "https://app/presign" } }],
      ["timeoutMs", { timeoutMs: 0 }],
      ["timeoutMs", { timeoutMs: "3000" }],
      ["hedgeMs", { hedgeMs: -1 }],
      ["hedgeMs", { hedgeMs: Number.NaN }],
      ["fallbackStatuses", { fallbackStatuses: "5xx" }],
      ["fallbackStatuses", { fallbackStatuses: [503, 1000] }],
      ["followRedirects", { followRedirects: "yes" }],
      ["fetch", { fetch: "fetch" }],
      ["health", { health: { failureThreshold: 2 } }],
      ["breaker", { health: createHostHealth(), breaker: { failureThreshold: 2 } }],
      ["breaker", { breaker: 3 }],
      ["failureThreshold", { breaker: { failureThreshold: 0 } }],
    ];
    for (const [option, bad] of cases) {
      const error = thrown(untyped({ cdn: CDN, origin: ORIGIN, ...bad }));
      expect(isS3EdgeError(error, "InvalidConfig"), `${option}: ${String(error)}`).toBe(true);
      expect((error as ConfigError).option, JSON.stringify(bad)).toBe(option);
      expect(String(error)).not.toMatch(/secret|token=1/);
    }
  });

  it("tells to pass breaker options as `breaker` when `health` gets options", () => {
    expect(String(thrown(untyped({ cdn: CDN, origin: ORIGIN, health: { cooldownMs: 1000 } })))).toMatch(
      /pass its options as `breaker`/,
    );
  });

  it("uses a shared health as is, and tunes its own breaker with `breaker`", () => {
    const health = createHostHealth();
    expect(createEdge({ cdn: CDN, origin: ORIGIN, health }).health).toBe(health);
    const own = createEdge({ cdn: CDN, origin: ORIGIN, breaker: { failureThreshold: 1 } }).health;
    own.failure("cdn.example.com");
    expect(own.status("cdn.example.com").state).toBe("open");
  });

  it("rejects a bad per-call timeoutMs as invalid input, not configuration", async () => {
    const edge = createEdge({ cdn: CDN, origin: ORIGIN });
    await expect(edge.fetch("k", { timeoutMs: -5 })).rejects.toMatchObject({
      code: "InvalidInput",
      message: /timeoutMs/,
    });
  });
});

describe("a URL where a key belongs", () => {
  it("says that a URL was given where a key is expected, without the URL's query", () => {
    const edge = createEdge({ cdn: CDN, origin: ORIGIN });
    for (const call of [
      () => edge.cdnUrl("https://cdn.example.com/a.png?sig=secret"),
      () => edge.src("http://x.test/a.png"),
    ]) {
      const error = thrown(call);
      expect(error).toMatchObject({ code: "InvalidKey" });
      expect(String(error)).toMatch(/a URL \(https?:\/\/[^)]*\) was given where an object key is expected/);
      expect(String(error)).not.toMatch(/secret|empty segment/);
    }
  });
});

describe("edge.src", () => {
  const clock = () => {
    const c = { t: 0, now: () => c.t };
    return c;
  };

  it("is the first CDN while its breaker is closed, with the query on the CDN URL only", () => {
    const edge = createEdge({ cdn: CDN, origin: ORIGIN });
    expect(edge.src("a b.png", { w: 100 })).toBe(`${CDN}/a%20b.png?w=100`);
  });

  it("is S3 once the CDN's breaker is open, and the CDN again after the cool-down", () => {
    const time = clock();
    const edge = createEdge({
      cdn: CDN,
      origin: ORIGIN,
      breaker: { failureThreshold: 1, cooldownMs: 1000, now: time.now },
    });
    edge.report(`${CDN}/x.png`, false, "img-error");
    expect(edge.src("a.png", { w: 100 })).toBe("https://media.s3.eu-west-1.amazonaws.com/a.png");
    time.t = 1000;
    expect(edge.src("a.png")).toBe(`${CDN}/a.png`);
  });

  it("is the next usable CDN among several", () => {
    const edge = createEdge({
      cdn: [CDN, "https://cdn2.example.com"],
      origin: ORIGIN,
      breaker: { failureThreshold: 1 },
    });
    edge.report(`${CDN}/x.png`, false);
    expect(edge.src("a.png")).toBe("https://cdn2.example.com/a.png");
  });

  it("is S3 even when S3's breaker is open too (the last resort)", () => {
    const edge = createEdge({ cdn: CDN, origin: ORIGIN, breaker: { failureThreshold: 1 } });
    edge.report(`${CDN}/x.png`, false);
    edge.report("https://media.s3.eu-west-1.amazonaws.com/x.png", false);
    expect(edge.src("a.png")).toBe("https://media.s3.eu-west-1.amazonaws.com/a.png");
  });

  it("for a presign origin, stays on the down CDN until the presigned URL is cached, then is S3", async () => {
    const cache = new Map<string, string>();
    const presign = (key: string): string | Promise<string> =>
      cache.get(key) ??
      Promise.resolve(`https://s3.example/m/${key}?sig=1`).then((url) => {
        cache.set(key, url);
        return url;
      });
    const edge = createEdge({ cdn: CDN, origin: { presign }, breaker: { failureThreshold: 1 } });
    edge.report(`${CDN}/x.png`, false);
    expect(edge.src("a.png")).toBe(`${CDN}/a.png`);
    await Promise.resolve();
    await Promise.resolve();
    expect(edge.src("a.png")).toBe("https://s3.example/m/a.png?sig=1");
  });
});
