/**
 * Property tests of the signer: whatever the client sends as file name and
 * metadata, the key signed is exactly the key policy's (valid, under its
 * prefix) or the request is refused as BadRequest; and a token never signs
 * for a key other than its own.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { encodeKey, keyProblem, utf8ByteLength } from "../../../src/core/keys.js";
import { defaultKeyPolicy } from "../../../src/server.js";
import type { CreateInput } from "../../../src/server.js";
import { setup } from "./helpers.js";

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const control = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));
const nasty = fc.constantFrom(
  "../",
  "..",
  ".",
  "/",
  "\\",
  "//",
  "%2e%2e/",
  "?",
  "#",
  " ",
  "\u202e",
  "\u0000",
  "😀",
  "é",
  "~",
  "*",
);
const filename = fc.oneof(
  fc.string({ unit: fc.oneof(fc.constantFrom("a", "b", "."), nasty, control, loneSurrogate), maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", minLength: 300, maxLength: 1100 }),
  fc.constantFrom(
    "../../etc/passwd",
    "/etc/passwd",
    "a/../../b",
    "..",
    ".",
    "",
    " .bashrc",
    "C:\\Windows\\x.exe",
    "x".repeat(1024),
    "é".repeat(513),
  ),
);
const metadata = fc.dictionary(
  fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.string({ maxLength: 6 })),
  fc.oneof(
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 30 }),
    fc.string({ maxLength: 6 }),
  ),
  { maxKeys: 4 },
);

function metadataValid(m: Record<string, string>): boolean {
  let bytes = 0;
  for (const [k, v] of Object.entries(m)) {
    if (!/^[a-z0-9-]+$/.test(k) || !/^[\x20-\x7e]*$/.test(v)) return false;
    bytes += k.length + v.length;
  }
  return bytes <= 2048;
}

describe("create: the signed key is the key policy's", () => {
  it.each([
    ["the default policy", "uploads/", (input: CreateInput) => defaultKeyPolicy(input)],
    [
      "a per-user policy",
      "users/alice/",
      (input: CreateInput) => `users/alice/${defaultKeyPolicy(input).split("/").pop()}`,
    ],
  ])("for any file name and metadata (%s)", async (_name, prefix, policy) => {
    let returned: string | undefined;
    const { call } = setup({
      keyPolicy: (input) => (returned = policy(input)),
      limits: { multipartThreshold: 1 << 20 },
    });
    await fc.assert(
      fc.asyncProperty(filename, metadata, fc.boolean(), async (name, meta, single) => {
        returned = undefined;
        const res = await call({
          v: 1,
          op: "create",
          filename: name,
          contentType: "application/octet-stream",
          size: single ? 10 : 2 << 20,
          metadata: meta,
        });
        const valid = utf8ByteLength(name) <= 1024 && metadataValid(meta);
        if (!valid) {
          expect(res.status).toBe(400);
          expect((res.json as { error: { code: string } }).error.code).toBe("BadRequest");
          expect(returned).toBeUndefined();
          return;
        }
        expect(res.status).toBe(200);
        const body = res.json as { key: string; url?: string; s3Url: string };
        expect(body.key).toBe(returned);
        expect(keyProblem(body.key)).toBeUndefined();
        expect(body.key.startsWith(prefix)).toBe(true);
        expect(body.key.slice(prefix.length)).not.toContain(prefix === "uploads/" ? "//" : "/");
        expect(body.s3Url).toBe(`http://127.0.0.1:9/unit-bucket/${encodeKey(body.key)}`);
        if (body.url !== undefined) expect(new URL(body.url).pathname).toBe(`/unit-bucket/${encodeKey(body.key)}`);
      }),
      { numRuns: 150 },
    );
  });
});

const segment = fc
  .string({ unit: "binary", minLength: 1, maxLength: 12 })
  .filter((s) => keyProblem(s) === undefined && !s.includes("/"));
const validKey = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/"));

describe("sign: a token signs only its own key", () => {
  it("refuses any other key with InvalidToken", async () => {
    let nextKey = "";
    const { call } = setup({ keyPolicy: () => nextKey });
    await fc.assert(
      fc.asyncProperty(validKey, fc.oneof(validKey, fc.string({ maxLength: 30 })), async (tokenKey, requestKey) => {
        fc.pre(tokenKey !== requestKey);
        nextKey = tokenKey;
        const created = await call({ v: 1, op: "create", filename: "f", contentType: "text/plain", size: 20 << 20 });
        expect(created.status).toBe(200);
        const up = created.json as { key: string; uploadId: string; token: string };
        expect(up.key).toBe(tokenKey);
        const res = await call({
          v: 1,
          op: "sign",
          key: requestKey,
          uploadId: up.uploadId,
          token: up.token,
          parts: [{ partNumber: 1 }],
        });
        expect(res.status).toBe(403);
        expect((res.json as { error: { code: string } }).error.code).toBe("InvalidToken");
        expect(res.text).not.toContain("X-Amz-Signature");
      }),
      { numRuns: 100 },
    );
  });
});
