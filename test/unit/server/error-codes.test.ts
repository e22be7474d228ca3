/**
 * Every error code of the signing endpoint, through `handleS3Edge`, with S3
 * stubbed: the HTTP status, the stable code, `onError` seeing the same error,
 * and a message that never carries a signature, a token or a secret.
 */
import { describe, expect, it } from "vitest";

import type { ServerErrorCode } from "../../../src/core/errors.js";
import { SERVER_ERROR_STATUS, SignerError } from "../../../src/server.js";
import type { SignerOptions } from "../../../src/server.js";
import { MiB, SECRET, SECRET_ACCESS_KEY, createMultipart, s3Error, setup } from "./helpers.js";
import type { Stub } from "./helpers.js";

type Env = ReturnType<typeof setup>;

interface Row {
  name: string;
  code: ServerErrorCode;
  status: number;
  options?: Partial<SignerOptions>;
  stubs?: Record<string, Stub>;
  /** Makes the request; returns the token involved, if any, to check it is not echoed. */
  run: (env: Env) => Promise<{ res: Awaited<ReturnType<Env["call"]>>; token?: string }>;
}

const create = (extra: Record<string, unknown> = {}) => ({
  v: 1,
  op: "create",
  filename: "a.txt",
  contentType: "text/plain",
  size: 10,
  ...extra,
});

function tamper(token: string): string {
  const i = 5;
  return token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
}

const rows: Row[] = [
  {
    name: "invalid JSON",
    code: "BadRequest",
    status: 400,
    run: async ({ call }) => ({ res: await call(null, { raw: "{not json" }) }),
  },
  {
    name: "a body that is not an object",
    code: "BadRequest",
    status: 400,
    run: async ({ call }) => ({ res: await call([1, 2]) }),
  },
  {
    name: "an unsupported protocol version",
    code: "BadRequest",
    status: 400,
    run: async ({ call }) => ({ res: await call({ ...create(), v: 2 }) }),
  },
  {
    name: "an unknown operation",
    code: "BadRequest",
    status: 400,
    run: async ({ call }) => ({ res: await call({ v: 1, op: "delete" }) }),
  },
  {
    name: "a non-JSON content type",
    code: "BadRequest",
    status: 400,
    run: async ({ call }) => ({ res: await call(create(), { contentType: "application/x-www-form-urlencoded" }) }),
  },
  {
    name: "a body over 64 KiB",
    code: "BadRequest",
    status: 413,
    run: async ({ call }) => ({ res: await call(create({ filename: "x".repeat(70 * 1024) })) }),
  },
  {
    name: "an announced Content-Length over 2 MiB",
    code: "BadRequest",
    status: 413,
    run: async ({ handler }) => {
      const request = new Request("http://app.test/api", {
        method: "POST",
        headers: { "content-type": "application/json", "x-user": "alice", "content-length": String(50 * MiB) },
        body: JSON.stringify(create()),
      });
      const response = await handler(request);
      const text = await response.text();
      return {
        res: {
          status: response.status,
          headers: response.headers,
          text,
          json: JSON.parse(text) as Record<string, unknown>,
        },
      };
    },
  },
  {
    name: "a body nested 9 levels deep",
    code: "BadRequest",
    status: 400,
    run: async ({ call }) => ({ res: await call(create({ x: [[[[[[[[1]]]]]]]] })) }),
  },
  {
    name: "a negative size",
    code: "BadRequest",
    status: 400,
    run: async ({ call }) => ({ res: await call(create({ size: -1 })) }),
  },
  {
    name: "metadata with an upper-case name",
    code: "BadRequest",
    status: 400,
    run: async ({ call }) => ({ res: await call(create({ metadata: { Foo: "x" } })) }),
  },
  {
    name: "a url request for a '..' key",
    code: "InvalidKey",
    status: 400,
    options: { read: () => true },
    run: async ({ call }) => ({ res: await call({ v: 1, op: "url", key: "a/../b" }) }),
  },
  {
    name: "a file over maxSize",
    code: "TooLarge",
    status: 413,
    options: { limits: { maxSize: 100 } },
    run: async ({ call }) => ({ res: await call(create({ size: 101 })) }),
  },
  {
    name: "a file under minSize",
    code: "TooSmall",
    status: 400,
    options: { limits: { minSize: 100 } },
    run: async ({ call }) => ({ res: await call(create({ size: 99 })) }),
  },
  {
    name: "a content type outside the allowed list",
    code: "ContentTypeNotAllowed",
    status: 415,
    options: { limits: { contentTypes: ["image/*"] } },
    run: async ({ call }) => ({ res: await call(create({ contentType: "text/html" })) }),
  },
  {
    name: "part number 0",
    code: "InvalidPartNumber",
    status: 400,
    run: async ({ call }) => {
      const up = await createMultipart(call);
      return { res: await call({ v: 1, op: "sign", ...up, parts: [{ partNumber: 0, size: 1 }] }), token: up.token };
    },
  },
  {
    name: "a part beyond the last part of a known size",
    code: "InvalidPartNumber",
    status: 400,
    run: async ({ call }) => {
      const up = await createMultipart(call, { size: 20 * MiB }); // 3 parts of 8 MiB
      return { res: await call({ v: 1, op: "sign", ...up, parts: [{ partNumber: 4, size: 1 }] }), token: up.token };
    },
  },
  {
    name: "a part beyond maxSize / partSize of an unknown size",
    code: "TooManyParts",
    status: 400,
    options: { limits: { maxSize: 16 * MiB } },
    run: async ({ call }) => {
      const up = await createMultipart(call, { size: null });
      return { res: await call({ v: 1, op: "sign", ...up, parts: [{ partNumber: 3, size: 1 }] }), token: up.token };
    },
  },
  {
    name: "a tampered token",
    code: "InvalidToken",
    status: 403,
    run: async ({ call }) => {
      const up = await createMultipart(call);
      const token = tamper(up.token);
      return { res: await call({ v: 1, op: "sign", ...up, token, parts: [{ partNumber: 1, size: 8 * MiB }] }), token };
    },
  },
  {
    name: "a token of another key",
    code: "InvalidToken",
    status: 403,
    run: async ({ call }) => {
      const up = await createMultipart(call);
      return { res: await call({ v: 1, op: "list", ...up, key: "uploads/other" }), token: up.token };
    },
  },
  {
    name: "an expired token",
    code: "TokenExpired",
    status: 403,
    options: { tokenExpiresInMs: 60_000 },
    run: async (env) => {
      const up = await createMultipart(env.call);
      clock.now += 61_000;
      return { res: await env.call({ v: 1, op: "list", ...up }), token: up.token };
    },
  },
  {
    name: "a failed authorize",
    code: "NotAuthorized",
    status: 401,
    run: async ({ call }) => ({ res: await call(create(), { user: null }) }),
  },
  {
    name: "another user's upload",
    code: "NotAuthorized",
    status: 403,
    run: async ({ call }) => {
      const up = await createMultipart(call, {}, "alice");
      return { res: await call({ v: 1, op: "abort", ...up }, { user: "bob" }), token: up.token };
    },
  },
  {
    name: "url without a read hook",
    code: "NotAuthorized",
    status: 403,
    run: async ({ call }) => ({ res: await call({ v: 1, op: "url", key: "a/b.png" }) }),
  },
  {
    name: "url refused by read",
    code: "NotAuthorized",
    status: 403,
    options: { read: () => false },
    run: async ({ call }) => ({ res: await call({ v: 1, op: "url", key: "a/b.png" }) }),
  },
  {
    name: "an upload S3 no longer has",
    code: "UploadNotFound",
    status: 404,
    stubs: { ListPartsCommand: () => Promise.reject(s3Error("NoSuchUpload", 404)) },
    run: async ({ call }) => {
      const up = await createMultipart(call);
      return { res: await call({ v: 1, op: "list", ...up }), token: up.token };
    },
  },
  {
    name: "an upload S3 no longer has, as Ceph RGW says it (NoSuchKey)",
    code: "UploadNotFound",
    status: 404,
    stubs: { ListPartsCommand: () => Promise.reject(s3Error("NoSuchKey", 404)) },
    run: async ({ call }) => {
      const up = await createMultipart(call);
      return { res: await call({ v: 1, op: "list", ...up }), token: up.token };
    },
  },
  {
    name: "complete with a gap in the parts",
    code: "InvalidPartOrder",
    status: 400,
    run: async ({ call }) => {
      const up = await createMultipart(call);
      const parts = [1, 3, 4].map((n) => ({ partNumber: n, etag: `"e${n}"` }));
      return { res: await call({ v: 1, op: "complete", ...up, parts }), token: up.token };
    },
  },
  {
    name: "complete with fewer parts than the size needs",
    code: "InvalidPartOrder",
    status: 400,
    run: async ({ call }) => {
      const up = await createMultipart(call);
      const parts = [1, 2].map((n) => ({ partNumber: n, etag: `"e${n}"` }));
      return { res: await call({ v: 1, op: "complete", ...up, parts }), token: up.token };
    },
  },
  {
    name: "S3 InvalidPart at complete",
    code: "InvalidPart",
    status: 400,
    stubs: { CompleteMultipartUploadCommand: () => Promise.reject(s3Error("InvalidPart", 400)) },
    run: async ({ call }) => {
      const up = await createMultipart(call);
      const parts = [1, 2, 3].map((n) => ({ partNumber: n, etag: `"e${n}"` }));
      return { res: await call({ v: 1, op: "complete", ...up, parts }), token: up.token };
    },
  },
  {
    name: "S3 EntityTooSmall at complete",
    code: "InvalidPart",
    status: 400,
    stubs: { CompleteMultipartUploadCommand: () => Promise.reject(s3Error("EntityTooSmall", 400)) },
    run: async ({ call }) => {
      const up = await createMultipart(call);
      const parts = [1, 2, 3].map((n) => ({ partNumber: n, etag: `"e${n}"` }));
      return { res: await call({ v: 1, op: "complete", ...up, parts }), token: up.token };
    },
  },
  {
    name: "a GET",
    code: "MethodNotAllowed",
    status: 405,
    run: async ({ call }) => ({ res: await call(undefined, { method: "GET" }) }),
  },
  {
    name: "an unmapped S3 error",
    code: "InternalError",
    status: 502,
    stubs: { CreateMultipartUploadCommand: () => Promise.reject(s3Error("SlowDown", 503)) },
    run: async ({ call }) => ({ res: await call(create({ size: 20 * MiB })) }),
  },
  {
    name: "S3 unreachable",
    code: "InternalError",
    status: 502,
    stubs: {
      CreateMultipartUploadCommand: () =>
        Promise.reject(
          Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
            code: "ECONNREFUSED",
            $metadata: { attempts: 3 },
          }),
        ),
    },
    run: async ({ call }) => ({ res: await call(create({ size: 20 * MiB })) }),
  },
  {
    name: "an authorize that throws (its database is down)",
    code: "InternalError",
    status: 500,
    options: {
      authorize: () => {
        throw new Error(`db down: ${SECRET}`);
      },
    },
    run: async ({ call }) => ({ res: await call(create()) }),
  },
  {
    name: "a key policy returning an invalid key",
    code: "InternalError",
    status: 500,
    options: { keyPolicy: () => "../escape" },
    run: async ({ call }) => ({ res: await call(create()) }),
  },
  {
    name: "an unexpected exception in limits.check",
    code: "InternalError",
    status: 500,
    options: {
      limits: {
        check: () => {
          throw new Error(`db down: ${SECRET} ${SECRET_ACCESS_KEY}`);
        },
      },
    },
    run: async ({ call }) => ({ res: await call(create()) }),
  },
];

/** The clock of the signer under test (advanced by the TokenExpired row). */
const clock = { now: Date.UTC(2030, 0, 1) };

describe("handleS3Edge answers every error code with its status", () => {
  it("covers every ServerErrorCode (the source of truth: SERVER_ERROR_STATUS)", () => {
    expect(new Set(rows.map((r) => r.code))).toEqual(new Set(Object.keys(SERVER_ERROR_STATUS)));
    // Each code is also answered at its default status by at least one row.
    for (const [code, status] of Object.entries(SERVER_ERROR_STATUS)) {
      expect(
        rows.some((r) => r.code === code && r.status === status),
        code,
      ).toBe(true);
    }
  });

  it.each(rows)("$code ($status) for $name", async (row) => {
    clock.now = Date.UTC(2030, 0, 1);
    const env = setup({ now: () => clock.now, ...row.options }, row.stubs);
    const { res, token } = await row.run(env);
    expect(res.status).toBe(row.status);
    const error = (res.json as { error: { code: string; message: string } }).error;
    expect(error.code).toBe(row.code);
    expect(typeof error.message).toBe("string");
    expect(error.message.length).toBeGreaterThan(0);
    for (const secret of [SECRET, SECRET_ACCESS_KEY, "X-Amz-Signature", "X-Amz-Credential", "deadbeef", "db down"]) {
      expect(res.text).not.toContain(secret);
    }
    if (token !== undefined) expect(res.text).not.toContain(token);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(env.errors.at(-1)?.error).toBeInstanceOf(SignerError);
    expect(env.errors.at(-1)?.error.code).toBe(row.code);
    if (row.status === 405) expect(res.headers.get("allow")).toBe("POST");
  });

  it("hands the raw cause of a 500 to onError only", async () => {
    const env = setup({
      limits: {
        check: () => {
          throw new Error("db down");
        },
      },
    });
    const res = await env.call(create());
    expect((res.json as { error: { message: string } }).error.message).toBe("internal error");
    const cause = env.errors[0]?.error.cause;
    expect(cause).toBeInstanceOf(Error);
    expect((cause as Error).message).toBe("db down");
    expect(env.errors[0]?.op).toBe("create");
  });

  it("passes a SignerError thrown by limits.check through (a quota)", async () => {
    const env = setup({
      limits: {
        check: () => {
          throw new SignerError("TooLarge", "quota of 1 GB exceeded");
        },
      },
    });
    const res = await env.call(create());
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: { code: "TooLarge", message: "quota of 1 GB exceeded" } });
  });

  it("keeps answering when onError itself throws", async () => {
    const env = setup({
      onError: () => {
        throw new Error("logger down");
      },
    });
    const res = await env.call(create(), { user: null });
    expect(res.status).toBe(401);
  });
});
