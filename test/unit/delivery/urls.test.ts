import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEdge, type EdgeOptions } from "../../../src/delivery/index.js";
import { decodeKey, keyProblem } from "../../../src/core/keys.js";

const KEY = "photos/été 2024/a+b (1).png";
const ENCODED = "photos/%C3%A9t%C3%A9%202024/a%2Bb%20%281%29.png";

describe("URL building through createEdge", () => {
  const table: Array<{ name: string; options: EdgeOptions; cdn: string; s3: string }> = [
    {
      name: "virtual-hosted AWS bucket",
      options: { cdn: "https://cdn.example.com", origin: { bucket: "media", region: "eu-west-1" } },
      cdn: `https://cdn.example.com/${ENCODED}`,
      s3: `https://media.s3.eu-west-1.amazonaws.com/${ENCODED}`,
    },
    {
      name: "path-style for a bucket name with dots",
      options: { cdn: "https://cdn.example.com", origin: { bucket: "media.example.com", region: "us-east-1" } },
      cdn: `https://cdn.example.com/${ENCODED}`,
      s3: `https://s3.us-east-1.amazonaws.com/media.example.com/${ENCODED}`,
    },
    {
      name: "explicit path-style",
      options: { cdn: "https://cdn.example.com", origin: { bucket: "media", region: "us-west-2", pathStyle: true } },
      cdn: `https://cdn.example.com/${ENCODED}`,
      s3: `https://s3.us-west-2.amazonaws.com/media/${ENCODED}`,
    },
    {
      name: "dualstack",
      options: { cdn: "https://cdn.example.com", origin: { bucket: "media", region: "eu-west-1", dualstack: true } },
      cdn: `https://cdn.example.com/${ENCODED}`,
      s3: `https://media.s3.dualstack.eu-west-1.amazonaws.com/${ENCODED}`,
    },
    {
      name: "transfer acceleration",
      options: { cdn: "https://cdn.example.com", origin: { bucket: "media", region: "eu-west-1", accelerate: true } },
      cdn: `https://cdn.example.com/${ENCODED}`,
      s3: `https://media.s3-accelerate.amazonaws.com/${ENCODED}`,
    },
    {
      name: "China region domain",
      options: { cdn: "https://cdn.example.cn", origin: { bucket: "media", region: "cn-north-1" } },
      cdn: `https://cdn.example.cn/${ENCODED}`,
      s3: `https://media.s3.cn-north-1.amazonaws.com.cn/${ENCODED}`,
    },
    {
      name: "R2-style custom endpoint (path-style by default)",
      options: {
        cdn: "https://media.example.com",
        origin: { endpoint: "https://ACCOUNT.r2.cloudflarestorage.com", bucket: "media" },
      },
      cdn: `https://media.example.com/${ENCODED}`,
      s3: `https://account.r2.cloudflarestorage.com/media/${ENCODED}`,
    },
    {
      name: "MinIO on a port",
      options: { cdn: "http://127.0.0.1:8080/media", origin: { endpoint: "http://127.0.0.1:9000", bucket: "media" } },
      cdn: `http://127.0.0.1:8080/media/${ENCODED}`,
      s3: `http://127.0.0.1:9000/media/${ENCODED}`,
    },
    {
      name: "custom endpoint, virtual-hosted",
      options: {
        cdn: "https://cdn.example.com",
        origin: { endpoint: "https://s3.wasabisys.com", bucket: "media", pathStyle: false },
      },
      cdn: `https://cdn.example.com/${ENCODED}`,
      s3: `https://media.s3.wasabisys.com/${ENCODED}`,
    },
    {
      name: "function origin",
      options: { cdn: "https://cdn.example.com", origin: (encoded) => `https://files.example.org/o/${encoded}` },
      cdn: `https://cdn.example.com/${ENCODED}`,
      s3: `https://files.example.org/o/${ENCODED}`,
    },
    {
      name: "CDN with a path prefix and trailing slashes",
      options: { cdn: "https://cdn.example.com/assets/v2//", origin: { bucket: "media", region: "eu-west-1" } },
      cdn: `https://cdn.example.com/assets/v2/${ENCODED}`,
      s3: `https://media.s3.eu-west-1.amazonaws.com/${ENCODED}`,
    },
    {
      name: "multi-CDN: cdnUrl is the first CDN",
      options: {
        cdn: ["https://a.cdn.example.com", "https://b.cdn.example.net/p"],
        origin: { bucket: "media", region: "eu-west-1" },
      },
      cdn: `https://a.cdn.example.com/${ENCODED}`,
      s3: `https://media.s3.eu-west-1.amazonaws.com/${ENCODED}`,
    },
  ];

  it.each(table)("$name", ({ options, cdn, s3 }) => {
    const edge = createEdge(options);
    expect(edge.cdnUrl(KEY)).toBe(cdn);
    expect(edge.s3Url(KEY)).toBe(s3);
    expect(edge.sourceOf(cdn)).toBe("cdn");
    expect(edge.sourceOf(s3)).toBe("s3");
    expect(edge.urls(KEY).at(-1)).toBe(s3);
  });

  it("lists every CDN in order, then S3", () => {
    const edge = createEdge({
      cdn: ["https://a.cdn.example.com", "https://b.cdn.example.net/p"],
      origin: { bucket: "media", region: "eu-west-1" },
    });
    expect(edge.urls("k.png")).toEqual([
      "https://a.cdn.example.com/k.png",
      "https://b.cdn.example.net/p/k.png",
      "https://media.s3.eu-west-1.amazonaws.com/k.png",
    ]);
  });

  it("puts the query on CDN URLs only, sorted and encoded, never on S3", () => {
    const edge = createEdge({
      cdn: ["https://a.example", "https://b.example"],
      origin: { bucket: "media", region: "eu-west-1" },
    });
    const query = { w: 320, fit: "cover & crop", dpr: undefined, webp: true };
    expect(edge.cdnUrl("i.jpg", query)).toBe("https://a.example/i.jpg?fit=cover%20%26%20crop&w=320&webp=true");
    expect(edge.urls("i.jpg", query)).toEqual([
      "https://a.example/i.jpg?fit=cover%20%26%20crop&w=320&webp=true",
      "https://b.example/i.jpg?fit=cover%20%26%20crop&w=320&webp=true",
      "https://media.s3.eu-west-1.amazonaws.com/i.jpg",
    ]);
  });

  it("orders candidates by breaker: closed CDNs, then S3, then open CDNs; a cooled-down CDN comes back first", () => {
    let t = 0;
    const edge = createEdge({
      cdn: ["https://a.example", "https://b.example"],
      origin: { endpoint: "https://s3.example", bucket: "media" },
      breaker: { failureThreshold: 1, cooldownMs: 1000, now: () => t },
    });
    edge.health.failure("a.example");
    expect(edge.urls("k")).toEqual(["https://b.example/k", "https://s3.example/media/k", "https://a.example/k"]);
    edge.health.failure("b.example");
    expect(edge.urls("k")).toEqual(["https://s3.example/media/k", "https://a.example/k", "https://b.example/k"]);
    t = 1000;
    expect(edge.urls("k")).toEqual(["https://a.example/k", "https://b.example/k", "https://s3.example/media/k"]);
    // Half-open with a probe in flight: the others keep away from it.
    expect(edge.health.acquire("a.example")).toBe("probe");
    expect(edge.urls("k")).toEqual(["https://b.example/k", "https://s3.example/media/k", "https://a.example/k"]);
  });

  it("throws a clear error from s3Url for a presign origin, and resolves it with resolveS3Url", async () => {
    const edge = createEdge({
      cdn: "https://cdn.example.com",
      origin: { presign: async (key) => `https://s3.example/m/${key}?X-Amz-Signature=abc` },
    });
    expect(() => edge.s3Url("a.png")).toThrow(/resolveS3Url/);
    await expect(edge.resolveS3Url("a.png")).resolves.toBe("https://s3.example/m/a.png?X-Amz-Signature=abc");
    expect(edge.sourceOf("https://s3.example/m/other.png")).toBe("s3");
  });

  it("lists a presigned S3 URL in urls() only when the presigner answers synchronously", async () => {
    const cached = createEdge({
      cdn: "https://cdn.example.com",
      origin: { presign: (key) => `https://s3.example/m/${key}?sig=1` },
    });
    expect(cached.urls("a")).toEqual(["https://cdn.example.com/a", "https://s3.example/m/a?sig=1"]);
    const remote = createEdge({
      cdn: "https://cdn.example.com",
      origin: { presign: async (key) => `https://s3.example/m/${key}?sig=1` },
    });
    expect(remote.urls("a")).toEqual(["https://cdn.example.com/a"]);
    await expect(remote.resolveUrls("a")).resolves.toEqual([
      "https://cdn.example.com/a",
      "https://s3.example/m/a?sig=1",
    ]);
  });

  it("refuses invalid keys, CDN bases and origins", () => {
    const edge = createEdge({ cdn: "https://cdn.example.com", origin: { bucket: "media", region: "eu-west-1" } });
    for (const key of ["", "/abs", "a//b", "a/../b", "a\u0000b"]) {
      expect(() => edge.cdnUrl(key)).toThrow(expect.objectContaining({ code: "InvalidKey" }));
      expect(() => edge.s3Url(key)).toThrow(expect.objectContaining({ code: "InvalidKey" }));
    }
    expect(() => createEdge({ cdn: "cdn.example.com", origin: { bucket: "media", region: "eu-west-1" } })).toThrow(
      /absolute/,
    );
    expect(() =>
      createEdge({ cdn: "https://cdn.example.com?x=1", origin: { bucket: "media", region: "eu-west-1" } }),
    ).toThrow(/query/);
    expect(() => createEdge({ cdn: [], origin: { bucket: "media", region: "eu-west-1" } })).toThrow(/CDN/);
    expect(() =>
      createEdge({ cdn: "https://cdn.example.com", origin: { bucket: "Bad_Bucket", region: "eu-west-1" } }),
    ).toThrow(/bucket/);
    expect(() =>
      createEdge({ cdn: "https://c.example", origin: { bucket: "media", region: "eu-west-1" }, timeoutMs: 0 }),
    ).toThrow(/timeoutMs/);
    expect(() =>
      createEdge({ cdn: "https://c.example", origin: { bucket: "media", region: "eu-west-1" }, hedgeMs: -1 }),
    ).toThrow(/hedgeMs/);
  });

  it("refuses a function origin that returns something other than an http(s) URL", () => {
    const edge = createEdge({ cdn: "https://cdn.example.com", origin: (encoded) => `javascript:alert(${encoded})` });
    expect(() => edge.s3Url("a")).toThrow(/not an http\(s\) URL/);
  });

  it("tells which side a URL belongs to by host, and nothing for other hosts", () => {
    const edge = createEdge({
      cdn: ["https://a.example", "https://b.example/p"],
      origin: { endpoint: "http://127.0.0.1:9000", bucket: "mmm" },
    });
    expect(edge.sourceOf("https://B.EXAMPLE/p/x")).toBe("cdn");
    expect(edge.sourceOf("http://127.0.0.1:9000/mmm/x")).toBe("s3");
    expect(edge.sourceOf("http://127.0.0.1:9001/mmm/x")).toBeUndefined();
    expect(edge.sourceOf("https://evil.example/x")).toBeUndefined();
    expect(edge.sourceOf("not a url")).toBeUndefined();
  });

  it("maps CDN and S3 URLs back to their key, ignoring the query", () => {
    const edge = createEdge({
      cdn: ["https://a.example", "https://b.example/p"],
      origin: { endpoint: "http://127.0.0.1:9000", bucket: "mmm" },
    });
    expect(edge.keyOf(`https://b.example/p/${ENCODED}?w=1#x`)).toBe(KEY);
    expect(edge.keyOf(`http://127.0.0.1:9000/mmm/${ENCODED}`)).toBe(KEY);
    expect(edge.keyOf("https://b.example/other/x")).toBeUndefined();
    expect(edge.keyOf("https://a.example/a/%2E%2E/b")).toBeUndefined();
    expect(edge.keyOf("https://a.example/%E0%A4%A")).toBeUndefined();
  });
});

/** Keys s3edge accepts: 1-4 segments of any Unicode text, `/`-joined. */
const validKey = fc
  .array(fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 })
  .map((segments) => segments.join("/"))
  .filter((key) => keyProblem(key) === undefined);

describe("URL properties", () => {
  const origins: EdgeOptions["origin"][] = [
    { bucket: "media", region: "eu-west-1" },
    { bucket: "media.example.com", region: "us-east-1" },
    { endpoint: "http://127.0.0.1:9000", bucket: "media" },
    (encoded) => `https://files.example.org/o/${encoded}`,
  ];

  it("for any valid key, CDN and S3 URLs decode back to the key and keep their configured host", () => {
    fc.assert(
      fc.property(validKey, fc.constantFrom(...origins), (key, origin) => {
        const edge = createEdge({ cdn: "https://cdn.example.com/pre", origin });
        const cdn = new URL(edge.cdnUrl(key, { w: 1 }));
        expect(cdn.host).toBe("cdn.example.com");
        expect(cdn.pathname.startsWith("/pre/")).toBe(true);
        expect(decodeKey(cdn.pathname.slice("/pre/".length))).toBe(key);
        expect(edge.keyOf(cdn.href)).toBe(key);

        const reference = new URL(edge.s3Url("probe"));
        const prefix = reference.pathname.slice(0, -"probe".length);
        const s3 = new URL(edge.s3Url(key));
        expect(s3.host).toBe(reference.host);
        expect(s3.search + s3.hash).toBe("");
        expect(s3.pathname.startsWith(prefix)).toBe(true);
        expect(decodeKey(s3.pathname.slice(prefix.length))).toBe(key);
        expect(edge.sourceOf(s3.href)).toBe("s3");
        if (typeof origin !== "function") expect(edge.keyOf(s3.href)).toBe(key);
      }),
      { numRuns: 300 },
    );
  });
});
