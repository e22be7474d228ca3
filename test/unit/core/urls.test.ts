import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../src/core/errors.js";
import { decodeKey, keyProblem } from "../../../src/core/keys.js";
import {
  bucketProblem,
  cdnObjectUrl,
  hostOf,
  originBase,
  s3ObjectUrl,
  type OriginSpec,
} from "../../../src/core/urls.js";

const KEY = "photos/a b+c.jpg";
const ENCODED = "photos/a%20b%2Bc.jpg";

describe("s3ObjectUrl for every origin style", () => {
  it.each<[string, OriginSpec, string]>([
    ["virtual-hosted", { bucket: "my-bucket", region: "eu-west-1" }, "https://my-bucket.s3.eu-west-1.amazonaws.com"],
    [
      "virtual-hosted us-east-1",
      { bucket: "my-bucket", region: "us-east-1" },
      "https://my-bucket.s3.us-east-1.amazonaws.com",
    ],
    [
      "path-style",
      { bucket: "my-bucket", region: "eu-west-1", pathStyle: true },
      "https://s3.eu-west-1.amazonaws.com/my-bucket",
    ],
    [
      "dotted bucket (automatic path-style)",
      { bucket: "media.example.com", region: "eu-west-1" },
      "https://s3.eu-west-1.amazonaws.com/media.example.com",
    ],
    [
      "dualstack",
      { bucket: "my-bucket", region: "eu-west-1", dualstack: true },
      "https://my-bucket.s3.dualstack.eu-west-1.amazonaws.com",
    ],
    [
      "dualstack path-style",
      { bucket: "my-bucket", region: "eu-west-1", dualstack: true, pathStyle: true },
      "https://s3.dualstack.eu-west-1.amazonaws.com/my-bucket",
    ],
    [
      "dualstack dotted",
      { bucket: "a.b.c", region: "ap-south-1", dualstack: true },
      "https://s3.dualstack.ap-south-1.amazonaws.com/a.b.c",
    ],
    [
      "accelerate",
      { bucket: "my-bucket", region: "eu-west-1", accelerate: true },
      "https://my-bucket.s3-accelerate.amazonaws.com",
    ],
    [
      "accelerate dualstack",
      { bucket: "my-bucket", region: "eu-west-1", accelerate: true, dualstack: true },
      "https://my-bucket.s3-accelerate.dualstack.amazonaws.com",
    ],
    ["China region", { bucket: "my-bucket", region: "cn-north-1" }, "https://my-bucket.s3.cn-north-1.amazonaws.com.cn"],
    [
      "custom endpoint (path-style by default)",
      { endpoint: "http://127.0.0.1:4569", bucket: "test-bucket" },
      "http://127.0.0.1:4569/test-bucket",
    ],
    [
      "custom endpoint with trailing slash",
      { endpoint: "https://minio.local:9000/", bucket: "test-bucket" },
      "https://minio.local:9000/test-bucket",
    ],
    [
      "custom endpoint with a path prefix",
      { endpoint: "https://gw.example.com/s3/", bucket: "test-bucket" },
      "https://gw.example.com/s3/test-bucket",
    ],
    [
      "R2 virtual-hosted",
      { endpoint: "https://acc123.r2.cloudflarestorage.com", bucket: "media", pathStyle: false },
      "https://media.acc123.r2.cloudflarestorage.com",
    ],
    [
      "custom virtual-hosted keeps the port",
      { endpoint: "http://s3.local:9000", bucket: "media", pathStyle: false },
      "http://media.s3.local:9000",
    ],
    [
      "custom virtual-hosted dotted bucket falls back to path-style",
      { endpoint: "https://s3.wasabisys.com", bucket: "a.b", pathStyle: false },
      "https://s3.wasabisys.com/a.b",
    ],
  ])("%s", (_name, origin, base) => {
    expect(typeof origin === "function" ? undefined : originBase(origin)).toBe(base);
    expect(s3ObjectUrl(origin, KEY)).toBe(`${base}/${ENCODED}`);
  });

  it("hands the encoded and raw key to a function origin", () => {
    const calls: [string, string][] = [];
    const origin = (encoded: string, key: string): string => {
      calls.push([encoded, key]);
      return `https://files.example.com/x/${encoded}`;
    };
    expect(s3ObjectUrl(origin, KEY)).toBe(`https://files.example.com/x/${ENCODED}`);
    expect(calls).toEqual([[ENCODED, KEY]]);
    expect(originBase(origin as OriginSpec)).toBeUndefined();
  });

  it.each<[string, OriginSpec, RegExp]>([
    ["accelerate with a dotted bucket", { bucket: "a.b.c", region: "us-east-1", accelerate: true }, /dots/],
    [
      "accelerate with path-style",
      { bucket: "abc", region: "us-east-1", accelerate: true, pathStyle: true },
      /path-style/,
    ],
    ["an upper-case bucket", { bucket: "MyBucket", region: "us-east-1" }, /lowercase/],
    ["a short bucket", { bucket: "ab", region: "us-east-1" }, /3 to 63/],
    ["a long bucket", { bucket: "a".repeat(64), region: "us-east-1" }, /3 to 63/],
    ["an underscore", { bucket: "my_bucket", region: "us-east-1" }, /lowercase/],
    ["a leading hyphen", { bucket: "-abc", region: "us-east-1" }, /start and end/],
    ["a trailing dot", { bucket: "abc.", region: "us-east-1" }, /start and end/],
    ["double dots", { bucket: "a..b", region: "us-east-1" }, /'\.\.'/],
    ["an IP-like bucket", { bucket: "192.168.1.1", region: "us-east-1" }, /IP address/],
    ["a bucket with a slash", { bucket: "a/b/c", region: "us-east-1" }, /lowercase/],
    ["a bad region", { bucket: "abc", region: "eu-west-1.evil.com/x" }, /region/],
    ["an empty region", { bucket: "abc", region: "" }, /region/],
    ["a non-http endpoint", { endpoint: "ftp://x.example.com", bucket: "abc" }, /http/],
    ["a relative endpoint", { endpoint: "/s3", bucket: "abc" }, /absolute/],
    ["an endpoint with a query", { endpoint: "https://x.example.com/?a=1", bucket: "abc" }, /query/],
    ["an endpoint with credentials", { endpoint: "https://u:p@x.example.com", bucket: "abc" }, /credentials/],
    [
      "virtual-hosted on an IP endpoint",
      { endpoint: "http://127.0.0.1:9000", bucket: "abc", pathStyle: false },
      /IP address/,
    ],
  ])("refuses %s with a clear InvalidInputError", (_name, origin, message) => {
    expect(() => s3ObjectUrl(origin, KEY)).toThrow(InvalidInputError);
    expect(() => s3ObjectUrl(origin, KEY)).toThrow(message);
  });

  it("refuses an invalid key with code InvalidKey", () => {
    for (const key of ["", "../etc/passwd", "a//b", "/abs"]) {
      try {
        s3ObjectUrl({ bucket: "abc", region: "us-east-1" }, key);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).code).toBe("InvalidKey");
      }
    }
  });

  it("bucketProblem accepts valid names", () => {
    for (const bucket of ["abc", "my-bucket-1", "a.b-c.d", "0123", "a".repeat(63)]) {
      expect(bucketProblem(bucket)).toBeUndefined();
    }
  });
});

describe("cdnObjectUrl", () => {
  it.each([
    ["https://cdn.example.com", "a.jpg", undefined, "https://cdn.example.com/a.jpg"],
    ["https://cdn.example.com/", "a.jpg", undefined, "https://cdn.example.com/a.jpg"],
    ["https://cdn.example.com//", "a.jpg", undefined, "https://cdn.example.com/a.jpg"],
    ["https://cdn.example.com/media", KEY, undefined, `https://cdn.example.com/media/${ENCODED}`],
    ["https://cdn.example.com/media/", KEY, undefined, `https://cdn.example.com/media/${ENCODED}`],
    ["http://127.0.0.1:8080/b", "x#y?z", undefined, "http://127.0.0.1:8080/b/x%23y%3Fz"],
    ["https://CDN.Example.com", "a", undefined, "https://cdn.example.com/a"],
  ])("joins %j and %j", (base, key, query, expected) => {
    expect(cdnObjectUrl(base, key, query)).toBe(expected);
  });

  it("appends query parameters sorted by name, encoded, skipping undefined", () => {
    expect(
      cdnObjectUrl("https://cdn.example.com", "a.jpg", {
        w: 200,
        format: "webp",
        v: undefined,
        "a b": "x&y=z",
        dpr: 1.5,
        q: true,
      }),
    ).toBe("https://cdn.example.com/a.jpg?a%20b=x%26y%3Dz&dpr=1.5&format=webp&q=true&w=200");
  });

  it("adds no '?' when every query value is undefined", () => {
    expect(cdnObjectUrl("https://cdn.example.com", "a.jpg", { v: undefined })).toBe("https://cdn.example.com/a.jpg");
    expect(cdnObjectUrl("https://cdn.example.com", "a.jpg", {})).toBe("https://cdn.example.com/a.jpg");
  });

  it("refuses a base that is not an absolute http(s) URL or carries a query", () => {
    for (const base of [
      "cdn.example.com",
      "/media",
      "javascript:alert(1)",
      "https://cdn.example.com/?sig=1",
      "https://cdn.example.com/#x",
    ]) {
      expect(() => cdnObjectUrl(base, "a.jpg")).toThrow(InvalidInputError);
    }
  });

  it("refuses an invalid key", () => {
    expect(() => cdnObjectUrl("https://cdn.example.com", "../secret")).toThrow(InvalidInputError);
  });
});

describe("hostOf", () => {
  it.each([
    ["https://CDN.Example.com/a/b?c", "cdn.example.com"],
    ["https://cdn.example.com:443/a", "cdn.example.com"],
    ["http://127.0.0.1:8080/x", "127.0.0.1:8080"],
    ["https://my-bucket.s3.eu-west-1.amazonaws.com/k", "my-bucket.s3.eu-west-1.amazonaws.com"],
    ["http://[::1]:9000/", "[::1]:9000"],
  ])("%s -> %s", (url, host) => {
    expect(hostOf(url)).toBe(host);
  });

  it("resolves a relative URL against a base", () => {
    expect(hostOf("/a.jpg", "https://App.example.com/page")).toBe("app.example.com");
  });

  it("throws InvalidInputError for something that is not a URL", () => {
    expect(() => hostOf("not a url")).toThrow(InvalidInputError);
  });
});

describe("URL properties", () => {
  const validKey = fc
    .string({
      unit: fc.oneof(
        fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
        fc.constantFrom("/", "?", "#", "%", "..", ".", "@", ":", "\\", " ", "+", "é", "😀"),
      ),
      minLength: 1,
      maxLength: 30,
    })
    .filter((k) => keyProblem(k) === undefined);

  const origins: [OriginSpec, string, string][] = [
    [{ bucket: "my-bucket", region: "eu-west-1" }, "my-bucket.s3.eu-west-1.amazonaws.com", "/"],
    [{ bucket: "a.b", region: "eu-west-1", dualstack: true }, "s3.dualstack.eu-west-1.amazonaws.com", "/a.b/"],
    [{ bucket: "my-bucket", region: "us-east-1", accelerate: true }, "my-bucket.s3-accelerate.amazonaws.com", "/"],
    [{ endpoint: "http://127.0.0.1:4569", bucket: "test" }, "127.0.0.1:4569", "/test/"],
  ];

  it("keeps the configured host and decodes back to the key, for every origin", () => {
    fc.assert(
      fc.property(validKey, fc.constantFrom(...origins), (key, [origin, host, prefix]) => {
        const url = new URL(s3ObjectUrl(origin, key));
        expect(url.host).toBe(host);
        expect(url.search).toBe("");
        expect(url.hash).toBe("");
        expect(url.pathname.startsWith(prefix)).toBe(true);
        expect(decodeKey(url.pathname.slice(prefix.length))).toBe(key);
      }),
      { numRuns: 400 },
    );
  });

  it("keeps the CDN host and prefix and decodes back to the key", () => {
    fc.assert(
      fc.property(
        validKey,
        fc.constantFrom("https://cdn.example.com", "https://cdn.example.com/v1/", "http://127.0.0.1:8080/edge"),
        (key, base) => {
          const url = new URL(cdnObjectUrl(base, key, { w: 10 }));
          const expected = new URL(base);
          const prefix = `${expected.pathname.replace(/\/+$/, "")}/`;
          expect(url.host).toBe(expected.host);
          expect(url.search).toBe("?w=10");
          expect(url.pathname.startsWith(prefix)).toBe(true);
          expect(decodeKey(url.pathname.slice(prefix.length))).toBe(key);
          expect(hostOf(url.href)).toBe(expected.host);
        },
      ),
      { numRuns: 400 },
    );
  });
});
