import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../src/core/errors.js";
import {
  MAX_FILENAME_BYTES,
  MAX_KEY_BYTES,
  assertValidKey,
  decodeKey,
  encodeKey,
  keyProblem,
  sanitizeFilename,
  utf8ByteLength,
} from "../../../src/core/keys.js";

const bytes = (s: string): number => new TextEncoder().encode(s).length;

/** One character, biased toward the ones that break URLs and paths. */
const keyChar = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      " ",
      "+",
      "%",
      "#",
      "?",
      "&",
      "=",
      ";",
      ":",
      "@",
      "\\",
      "!",
      "'",
      "(",
      ")",
      "*",
      "~",
      ".",
      "-",
      "_",
      "é",
      "e\u0301",
      "日本",
      "😀",
      "%2F",
      "%2e",
      "\u00a0",
      "\u202e",
      "\ufeff",
    ),
  },
  { weight: 1, arbitrary: fc.constant("/") },
);

/** Keys that s3edge accepts. */
const validKey = fc.string({ unit: keyChar, minLength: 1, maxLength: 40 }).filter((k) => keyProblem(k) === undefined);

/** Any JS string, lone surrogates included (one UTF-16 code unit at a time). */
const anyString = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    fc.constantFrom("/", "\\", ".", " ", "\t", "\n", "😀"),
  ),
  maxLength: 300,
});

describe("keyProblem / assertValidKey", () => {
  it.each([
    "a",
    "photos/2024/cat.jpg",
    "a b+c%d#e?f",
    "été/日本/😀.png",
    "..a/b..",
    ".hidden/file",
    "x/.../y",
    "é".repeat(512),
    "😀".repeat(256),
    "a".repeat(MAX_KEY_BYTES),
  ])("accepts %j", (key) => {
    expect(keyProblem(key)).toBeUndefined();
    expect(() => assertValidKey(key)).not.toThrow();
  });

  it.each([
    ["", /empty/],
    ["/a", /starts with '\/'/],
    ["a//b", /empty segment/],
    ["a/", /empty segment/],
    [".", /'\.' segment/],
    ["a/./b", /'\.' segment/],
    ["..", /'\.\.' segment/],
    ["a/../b", /'\.\.' segment/],
    ["a\u0000b", /control/],
    ["a\nb", /control/],
    ["a\u001fb", /control/],
    ["a\u007fb", /control/],
    ["a\ud800b", /surrogate/],
    ["a\udc00", /surrogate/],
    ["\udc00\ud800", /surrogate/],
    ["a".repeat(MAX_KEY_BYTES + 1), /1025 UTF-8 bytes/],
    [`${"é".repeat(512)}a`, /1025 UTF-8 bytes/],
    [
      "https://cdn.example.com/a.png",
      /a URL \(https:\/\/cdn\.example\.com\/a\.png\) was given where an object key is expected/,
    ],
    ["s3://bucket/a.png", /a URL .* was given where an object key is expected/],
  ] as const)("refuses %j", (key, reason) => {
    expect(keyProblem(key)).toMatch(reason);
    let thrown: unknown;
    try {
      assertValidKey(key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect((thrown as InvalidInputError).code).toBe("InvalidKey");
    expect((thrown as InvalidInputError).message).toMatch(reason);
  });

  it("counts UTF-8 bytes like TextEncoder for every well-formed string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(utf8ByteLength(s)).toBe(bytes(s));
      }),
    );
  });

  it("never throws and agrees with assertValidKey on arbitrary strings", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const problem = keyProblem(s);
        if (problem === undefined) expect(() => assertValidKey(s)).not.toThrow();
        else expect(() => assertValidKey(s)).toThrow(InvalidInputError);
      }),
    );
  });
});

describe("encodeKey / decodeKey", () => {
  it.each([
    ["a b", "a%20b"],
    ["a+b", "a%2Bb"],
    ["100%", "100%25"],
    ["a#b", "a%23b"],
    ["a?b=c&d", "a%3Fb%3Dc%26d"],
    ["it's (1)*!", "it%27s%20%281%29%2A%21"],
    ["AZaz09-._~", "AZaz09-._~"],
    ["photos/été.jpg", "photos/%C3%A9t%C3%A9.jpg"],
    ["e\u0301", "e%CC%81"],
    ["😀", "%F0%9F%98%80"],
    ["a\\b", "a%5Cb"],
    ["%2F", "%252F"],
    ["dir/sub dir/file name.txt", "dir/sub%20dir/file%20name.txt"],
  ])("encodes %j as %j and decodes it back", (key, encoded) => {
    expect(encodeKey(key)).toBe(encoded);
    expect(decodeKey(encoded)).toBe(key);
  });

  it("keeps NFC and NFD forms of the same text different", () => {
    const nfc = "caf\u00e9.png";
    const nfd = "cafe\u0301.png";
    expect(nfc.normalize("NFD")).toBe(nfd);
    expect(encodeKey(nfc)).not.toBe(encodeKey(nfd));
    expect(decodeKey(encodeKey(nfd))).toBe(nfd);
    expect(decodeKey(encodeKey(nfc))).toBe(nfc);
  });

  it("refuses to encode a lone surrogate instead of corrupting it", () => {
    expect(() => encodeKey("a\ud800")).toThrow(InvalidInputError);
  });

  it("refuses malformed percent-encoding", () => {
    expect(() => decodeKey("a%2")).toThrow(InvalidInputError);
    expect(() => decodeKey("%FF")).toThrow(InvalidInputError);
  });

  it("decodes lower-case hex escapes", () => {
    expect(decodeKey("a%2bb%c3%a9")).toBe("a+bé");
  });

  it("round-trips every valid key", () => {
    fc.assert(
      fc.property(validKey, (key) => {
        expect(decodeKey(encodeKey(key))).toBe(key);
      }),
      { numRuns: 500 },
    );
  });

  it("produces only unreserved characters, '/' and %XX escapes", () => {
    fc.assert(
      fc.property(validKey, (key) => {
        expect(encodeKey(key)).toMatch(/^(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})+$/);
      }),
      { numRuns: 500 },
    );
  });

  it("cannot change the host, add a query or fragment, or climb out of the path in a URL", () => {
    const base = "https://cdn.example.com/media";
    fc.assert(
      fc.property(validKey, (key) => {
        const url = new URL(`${base}/${encodeKey(key)}`);
        expect(url.host).toBe("cdn.example.com");
        expect(url.search).toBe("");
        expect(url.hash).toBe("");
        expect(url.pathname.startsWith("/media/")).toBe(true);
        expect(decodeKey(url.pathname.slice("/media/".length))).toBe(key);
      }),
      { numRuns: 500 },
    );
  });
});

describe("sanitizeFilename", () => {
  it.each([
    ["photo.jpg", "photo.jpg"],
    ["C:\\Users\\me\\photo.jpg", "photo.jpg"],
    ["/home/me/report.pdf", "report.pdf"],
    ["../../etc/passwd", "passwd"],
    ["..", "file"],
    ["...", "file"],
    ["", "file"],
    ["   ", "file"],
    [".bashrc", "bashrc"],
    ["..  .env", "env"],
    ["a  b\t\nc.txt", "a b c.txt"],
    ['what?#%*:|"<>.png', "what---------.png"],
    ["a\u0000b\u007fc\u0085d", "a-b-c-d"],
    ["evil\u202egnp.exe", "evil-gnp.exe"],
    ["a\ud800b.txt", "ab.txt"],
    ["e\u0301.txt", "e\u0301.txt"],
    ["résumé 2024.docx", "résumé 2024.docx"],
    ["a+b=c&d.txt", "a+b=c&d.txt"],
  ])("turns %j into %j", (input, expected) => {
    expect(sanitizeFilename(input)).toBe(expected);
  });

  it("truncates long names to 200 UTF-8 bytes and keeps the extension", () => {
    expect(sanitizeFilename(`${"a".repeat(300)}.jpeg`)).toBe(`${"a".repeat(195)}.jpeg`);
    expect(sanitizeFilename(`${"é".repeat(150)}.png`)).toBe(`${"é".repeat(98)}.png`);
    expect(sanitizeFilename("😀".repeat(100))).toBe("😀".repeat(50));
    const longExtension = sanitizeFilename(`a.${"b".repeat(300)}`);
    expect(bytes(longExtension)).toBe(MAX_FILENAME_BYTES);
    expect(longExtension.startsWith("a.b")).toBe(true);
  });

  it("always returns one valid, non-empty key segment of at most 200 bytes", () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.string({ unit: "binary", maxLength: 400 })), (name) => {
        const out = sanitizeFilename(name);
        expect(keyProblem(out)).toBeUndefined();
        expect(out).not.toContain("/");
        expect(out).not.toMatch(/^\./);
        expect(out.length).toBeGreaterThan(0);
        expect(bytes(out)).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
        expect(sanitizeFilename(out)).toBe(out);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("a URL given as a key", () => {
  it("is named as a URL, with its query (a signature) left out", () => {
    const problem = keyProblem("https://bucket.s3.amazonaws.com/a.png?X-Amz-Signature=abc");
    expect(problem).toMatch(
      /^a URL \(https:\/\/bucket\.s3\.amazonaws\.com\/a\.png\?<redacted>\) was given where an object key is expected/,
    );
    expect(problem).not.toMatch(/abc/);
    expect(() => assertValidKey("https://cdn.example.com/a.png")).toThrow(/was given where an object key is expected/);
  });
});
