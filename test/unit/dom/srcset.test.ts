import { describe, expect, it } from "vitest";
import { mapSrcset, srcsetUrls } from "../../../src/dom/srcset.js";

const toS3 = (url: string) => (url.startsWith("https://cdn.test/") ? `https://s3.test/b/${url.slice(17)}` : undefined);

describe("mapSrcset", () => {
  it("replaces URLs and keeps descriptors, spacing and commas", () => {
    expect(mapSrcset("https://cdn.test/a.png 1x,  https://cdn.test/b.png 2x", toS3)).toBe(
      "https://s3.test/b/a.png 1x,  https://s3.test/b/b.png 2x",
    );
    expect(mapSrcset(" https://cdn.test/a.png 480w , https://other.test/c.png 800w ", toS3)).toBe(
      " https://s3.test/b/a.png 480w , https://other.test/c.png 800w ",
    );
  });

  it("keeps commas inside URLs (image-CDN paths) and ends a candidate at trailing commas", () => {
    expect(
      srcsetUrls("https://cdn.test/w_100,h_100/a.png 100w, https://cdn.test/b.png, https://cdn.test/c.png 2x"),
    ).toEqual(["https://cdn.test/w_100,h_100/a.png", "https://cdn.test/b.png", "https://cdn.test/c.png"]);
    expect(mapSrcset("https://cdn.test/b.png,, https://cdn.test/c.png 2x", toS3)).toBe(
      "https://s3.test/b/b.png,, https://s3.test/b/c.png 2x",
    );
    // As the standard parses it, "x.png,y.png" with no space is one URL.
    expect(srcsetUrls("https://cdn.test/b.png,https://cdn.test/c.png 2x")).toEqual([
      "https://cdn.test/b.png,https://cdn.test/c.png",
    ]);
  });

  it("skips commas inside parenthesised descriptors", () => {
    expect(srcsetUrls("https://cdn.test/a.png (x, y), https://cdn.test/b.png")).toEqual([
      "https://cdn.test/a.png",
      "https://cdn.test/b.png",
    ]);
  });

  it("returns undefined when nothing changed, and handles empty input", () => {
    expect(mapSrcset("https://other.test/a.png 1x", toS3)).toBeUndefined();
    expect(mapSrcset("", toS3)).toBeUndefined();
    expect(srcsetUrls("  ,  ")).toEqual([]);
  });
});
