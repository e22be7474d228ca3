/**
 * README.md is read on the package's registry page and in node_modules, where docs/, examples/
 * and test/ are not shipped (package.json `files` is dist/ only): its links must be absolute.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { ROOT } from "../packaging/paths.js";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
/** Markdown links and images outside code blocks: `[text](target)`. */
const links = Array.from(readme.replace(/^```[\s\S]*?^```/gm, "").matchAll(/\]\(([^)\s]+)\)/g), (m) => m[1] as string);

describe("README links", () => {
  it("has links to check", () => {
    expect(links.length).toBeGreaterThan(3);
  });

  it("are absolute (or in-page anchors)", () => {
    expect(links.filter((l) => !/^(https:\/\/|#|mailto:)/.test(l))).toEqual([]);
  });

  it("to the repository's files point at the project's repository", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { homepage: string };
    const repo = pkg.homepage.replace(/#.*$/, "");
    const own = links.filter((l) => /\/(blob|tree)\/main\//.test(l));
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((l) => !l.startsWith(`${repo}/`))).toEqual([]);
  });
});
