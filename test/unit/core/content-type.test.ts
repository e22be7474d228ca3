import { describe, expect, it } from "vitest";
import { contentTypeMatches } from "../../../src/core/content-type.js";

describe("contentTypeMatches", () => {
  it("matches */*, the exact type and major/* wildcards", () => {
    expect(contentTypeMatches("*/*", "application/pdf")).toBe(true);
    expect(contentTypeMatches("image/png", "image/png")).toBe(true);
    expect(contentTypeMatches("image/*", "image/webp")).toBe(true);
    expect(contentTypeMatches("image/*", "video/mp4")).toBe(false);
    expect(contentTypeMatches("image/png", "image/jpeg")).toBe(false);
  });

  it("never admits SVG through image/*, only by name or */*", () => {
    expect(contentTypeMatches("image/*", "image/svg+xml")).toBe(false);
    expect(contentTypeMatches("image/svg+xml", "image/svg+xml")).toBe(true);
    expect(contentTypeMatches("*/*", "image/svg+xml")).toBe(true);
  });
});
