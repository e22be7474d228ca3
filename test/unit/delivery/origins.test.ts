/** The minimal URL mapping (`createOrigins`) that the worker uses and `createHosts` builds on. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/errors.js";
import { createHosts } from "../../../src/delivery/hosts.js";
import { createOrigins } from "../../../src/delivery/origins.js";

const catchError = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe("createOrigins", () => {
  it("maps a CDN URL to its key and the key to each origin's URL, primary first", async () => {
    const o = createOrigins("https://cdn.test/media/", [
      { endpoint: "https://s3.test", bucket: "media" },
      { bucket: "media-copy", region: "us-east-1" },
    ]);
    expect(o.cdn).toEqual(["https://cdn.test/media"]);
    expect(o.origins).toBe(2);
    expect(o.keyOf("https://cdn.test/media/a%20b/c.png?w=1#x")).toBe("a b/c.png");
    expect(o.keyOf("https://s3.test/media/a.png")).toBe("a.png");
    expect(o.keyOf("https://cdn.test/media/a//b.png")).toBeUndefined();
    expect(o.keyOf("https://other.test/media/a.png")).toBeUndefined();
    expect(await o.resolveOriginUrl(0, "a b.png")).toBe("https://s3.test/media/a%20b.png");
    expect(await o.resolveOriginUrl(1, "a.png")).toBe("https://media-copy.s3.us-east-1.amazonaws.com/a.png");
    expect([o.originHost(0), o.originHost(1)]).toEqual(["s3.test", "media-copy.s3.us-east-1.amazonaws.com"]);
  });

  it("learns the host of a presign origin from its first URL, and tells onHost", async () => {
    const heard: string[] = [];
    const o = createOrigins(
      "https://cdn.test",
      { presign: async (key: string) => `https://private.test/b/${key}?sig=1` },
      "createEdge",
      (h) => heard.push(h),
    );
    expect(o.originHost(0)).toBeUndefined();
    expect(await o.resolveOriginUrl(0, "k.png")).toBe("https://private.test/b/k.png?sig=1");
    expect([o.originHost(0), heard]).toEqual(["private.test", ["private.test"]]);
    expect(() => o.originUrl(0, "k.png")).toThrow(/presign origin/);
  });

  it.each([
    [[], {}, "cdn"],
    ["ftp://cdn.test", {}, "cdn"],
    ["https://cdn.test", undefined, "origin"],
    ["https://cdn.test", [], "origin"],
    ["https://cdn.test", { presign: "no" }, "origin"],
    [
      "https://cdn.test",
      [
        { bucket: "media", region: "eu-west-1" },
        { bucket: "Bad_Bucket", region: "eu-west-1" },
      ],
      "origin",
    ],
  ])("refuses cdn %j / origin %j with a ConfigError naming the option and the factory", (cdn, origin, option) => {
    const error = catchError(() => createOrigins(cdn, origin, "registerEdgeFallback"));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option });
    expect((error as Error).message).toMatch(/^registerEdgeFallback: /);
  });

  it("names the list entry at fault", () => {
    const error = catchError(() =>
      createOrigins("https://cdn.test", [
        { bucket: "media", region: "eu-west-1" },
        { bucket: "Bad_Bucket", region: "eu-west-1" },
      ]),
    );
    expect((error as Error).message).toMatch(/^createEdge: origin\[1\]: Invalid bucket name/);
  });
});

describe("createHosts on createOrigins", () => {
  it("knows which side a URL is on, presign hosts included once learned", async () => {
    const hosts = createHosts(
      ["https://cdn.test"],
      [{ bucket: "media", region: "eu-west-1" }, { presign: (key: string) => `https://private.test/${key}` }],
    );
    expect(hosts.sourceOf("https://private.test/a.png")).toBeUndefined();
    expect(hosts.originUrlNow(1, "a.png")).toBe("https://private.test/a.png");
    expect(hosts.sourceOf("https://private.test/a.png")).toBe("s3");
    expect(hosts.sourceOf("https://cdn.test/a.png")).toBe("cdn");
    expect(hosts.all()).toEqual([
      ["cdn.test", "cdn"],
      ["media.s3.eu-west-1.amazonaws.com", "s3"],
      ["private.test", "s3"],
    ]);
    expect(await hosts.resolveS3Url("a.png")).toBe("https://media.s3.eu-west-1.amazonaws.com/a.png");
  });
});
