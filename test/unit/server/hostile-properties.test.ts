/**
 * Hostile input to the signing endpoint, generated (fast-check): whatever an
 * attacker sends as a body, a token, a content type, a number or a method, the
 * answer is a documented 4xx (never a 5xx), and nothing is signed or written.
 * A content type is accepted exactly when it follows the media-type grammar.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { mediaType } from "../../../src/server/validate.js";
import { MiB, createMultipart, setup } from "./helpers.js";
import { WRITES } from "./hostile-harness.js";

const SIGNED = /X-Amz-(Signature|Credential)|https?:\/\//i;
const CLIENT_ERRORS = new Set([400, 401, 403, 404, 405, 408, 413, 415]);

type Env = ReturnType<typeof setup>;

/** Send a raw body; check the answer is a client error with nothing signed or written. */
async function refused(
  env: Env,
  raw: string | Uint8Array<ArrayBuffer>,
  init: { method?: string; contentType?: string } = {},
): Promise<{ status: number; code: string }> {
  const before = env.sent.length;
  const response = await env.handler(
    new Request("http://app.test/api", {
      method: init.method ?? "POST",
      headers: { "content-type": init.contentType ?? "application/json", "x-user": "alice" },
      ...(init.method === "GET" || init.method === "HEAD" ? {} : { body: raw }),
    }),
  );
  const text = await response.text();
  expect(CLIENT_ERRORS.has(response.status), `${response.status}: ${text}`).toBe(true);
  expect(text).not.toMatch(SIGNED);
  expect(env.sent.slice(before).filter((c) => WRITES.has(c.name))).toEqual([]);
  return { status: response.status, code: (JSON.parse(text) as { error: { code: string } }).error.code };
}

const json = fc.jsonValue({ maxDepth: 4 });
const ops = fc.constantFrom("sign", "list", "complete", "abort");

describe("hostile input: generated", () => {
  it("any JSON body that is not a protocol request is a 400, with nothing signed or written", async () => {
    const env = setup();
    await fc.assert(
      fc.asyncProperty(json, async (body) => {
        fc.pre(!(typeof body === "object" && body !== null && !Array.isArray(body) && body["v"] === 1));
        const { status, code } = await refused(env, JSON.stringify(body));
        expect([status, code]).toEqual([400, "BadRequest"]);
      }),
      { numRuns: 300 },
    );
  });

  it("any operation on an upload with a random token, key and uploadId is refused", async () => {
    const env = setup();
    await createMultipart(env.call);
    await fc.assert(
      fc.asyncProperty(
        ops,
        fc.string(),
        fc.string(),
        fc.oneof(fc.string(), fc.base64String(), json),
        json,
        async (op, key, uploadId, token, parts) => {
          const { status } = await refused(env, JSON.stringify({ v: 1, op, key, uploadId, token, parts }));
          expect([400, 403]).toContain(status);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a real token with any one character changed is refused with InvalidToken", async () => {
    const env = setup();
    const up = await createMultipart(env.call);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    await fc.assert(
      fc.asyncProperty(ops, fc.nat({ max: up.token.length - 1 }), fc.constantFrom(...alphabet), async (op, i, c) => {
        fc.pre(up.token[i] !== c);
        const token = up.token.slice(0, i) + c + up.token.slice(i + 1);
        const parts = op === "sign" ? [{ partNumber: 1 }] : [1, 2, 3].map((n) => ({ partNumber: n, etag: '"e"' }));
        const { code } = await refused(
          env,
          JSON.stringify({ v: 1, op, key: up.key, uploadId: up.uploadId, token, parts }),
        );
        expect(code).toBe("InvalidToken");
      }),
      { numRuns: 300 },
    );
  });

  it("any numbers as size, part size, part number and declared part size: refused unless valid, never a 5xx", async () => {
    const env = setup();
    const up = await createMultipart(env.call, { size: null });
    const number = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom(0, -0, Number.POSITIVE_INFINITY, -1, 2 ** 53, 5 * 1024 * MiB, 8 * MiB + 1),
      fc.string({ maxLength: 5 }),
      fc.boolean(),
    );
    await fc.assert(
      fc.asyncProperty(number, number, async (sentA, sentB) => {
        // What the server receives: JSON turns NaN and Infinity into null (an unknown size), -0 into 0.
        const [a, b] = JSON.parse(JSON.stringify([sentA, sentB])) as [unknown, unknown];
        const createValid =
          (a === null || (typeof a === "number" && Number.isSafeInteger(a) && a >= 0 && a <= 5 * 1024 * MiB)) &&
          typeof b === "number" &&
          Number.isSafeInteger(b) &&
          b > 0;
        fc.pre(!createValid);
        await refused(
          env,
          JSON.stringify({ v: 1, op: "create", filename: "a", contentType: "text/plain", size: a, partSize: b }),
        );
        const signValid =
          typeof a === "number" &&
          Number.isInteger(a) &&
          a >= 1 &&
          a <= 1 &&
          typeof b === "number" &&
          Number.isSafeInteger(b) &&
          b >= 0 &&
          b <= 8 * MiB;
        fc.pre(!signValid);
        await refused(env, JSON.stringify({ v: 1, op: "sign", ...up, parts: [{ partNumber: a, size: b }] }));
      }),
      { numRuns: 300 },
    );
  });

  it("any content type string: accepted exactly when it is a valid media type, else 400 with nothing signed", async () => {
    const env = setup();
    const printable = fc.string({
      unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
      maxLength: 40,
    });
    const typed = fc
      .tuple(fc.constantFrom("image", "text", "application", "x"), fc.constantFrom("/", "", "//"), printable)
      .map(([t, s, rest]) => `${t}${s}${rest}`);
    await fc.assert(
      fc.asyncProperty(fc.oneof(printable, typed, fc.string({ maxLength: 20 })), async (contentType) => {
        const body = JSON.stringify({ v: 1, op: "create", filename: "a", contentType, size: 10 });
        if (contentType.length <= 256 && mediaType(contentType) !== undefined) {
          expect((await env.call(null, { raw: body })).status).toBe(200);
          return;
        }
        const { status, code } = await refused(env, body);
        expect([status, code]).toEqual([400, "BadRequest"]);
      }),
      { numRuns: 400 },
    );
  });

  it("any bytes as a body are refused, with nothing signed or written", async () => {
    const env = setup();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const { status } = await refused(env, new Uint8Array(bytes));
        expect(status).toBe(400);
      }),
      { numRuns: 300 },
    );
  });

  it("any method but POST is a 405", async () => {
    const env = setup();
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z-]{0,11}$/);
    await fc.assert(
      fc.asyncProperty(token, async (method) => {
        fc.pre(method.toUpperCase() !== "POST" && !["TRACE", "TRACK", "CONNECT"].includes(method.toUpperCase()));
        const { status, code } = await refused(env, JSON.stringify({ v: 1, op: "create" }), { method });
        expect([status, code]).toEqual([405, "MethodNotAllowed"]);
      }),
      { numRuns: 200 },
    );
  });
});
