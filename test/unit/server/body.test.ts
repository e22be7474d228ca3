/**
 * The request body, read after `authorize`: announced lengths over the limit
 * refused before reading, each operation's limit applied before `JSON.parse`,
 * a nesting-depth bound (a 2 MB deeply nested body is refused cheaply), a time
 * limit on slow bodies, and methods `Request` cannot carry answered 405.
 */
import { describe, expect, it } from "vitest";

import { MAX_BODY_BYTES, MAX_COMPLETE_BODY_BYTES, handleS3Edge } from "../../../src/server.js";
import type { SignerError } from "../../../src/server.js";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../../../src/server/body.js";
import { requestWithRefusedMethod } from "../../../src/server/method.js";
import { MiB, createMultipart, setup } from "./helpers.js";

type ErrorJson = { error: { code: string; message: string } };

function post(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  const init: RequestInit & { duplex: "half" } = {
    method: "POST",
    headers: { "content-type": "application/json", "x-user": "alice", ...headers },
    body,
    duplex: "half",
  };
  return new Request("http://app.test/api", init);
}

/** A body stream that records how much of it was pulled. */
function tracked(
  chunks: Uint8Array[],
  stallAfter = Infinity,
): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  let i = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (i >= stallAfter) return new Promise<void>(() => undefined);
        const next = chunks[i++];
        if (next === undefined) {
          controller.close();
          return undefined;
        }
        pulled += next.byteLength;
        controller.enqueue(next);
        return undefined;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

describe("nestedDeeperThan", () => {
  it("counts arrays and objects outside strings only", () => {
    expect(nestedDeeperThan('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(nestedDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(nestedDeeperThan('{"a":"[[[[[[[[[[{{{{{{{"}', 1)).toBe(false);
    expect(nestedDeeperThan('{"a":"\\"[[[[","b":1}', 1)).toBe(false);
    expect(nestedDeeperThan('{"a":"\\\\"}[[', 1)).toBe(true);
  });

  it("admits every body the protocol sends (3 levels) under MAX_JSON_DEPTH", () => {
    const complete = JSON.stringify({
      v: 1,
      op: "complete",
      key: "k",
      uploadId: "u",
      token: "t",
      parts: [{ partNumber: 1, etag: '"e"', checksum: "AAAAAA==" }],
    });
    expect(nestedDeeperThan(complete, 3)).toBe(false);
    expect(MAX_JSON_DEPTH).toBeGreaterThanOrEqual(3);
  });
});

describe("size limits before parsing", () => {
  it("refuses a 2 MB deeply nested body without parsing it: 413 for a non-complete op, 400 when it claims complete", async () => {
    const { handler } = setup();
    const nested = (op: string) => `{"v":1,"op":"${op}","x":${"[".repeat(999_000)}${"]".repeat(999_000)}}`;
    const create = await handler(post(nested("create")));
    expect(create.status).toBe(413);
    expect(((await create.json()) as ErrorJson).error.message).toBe(
      `request body is larger than ${MAX_BODY_BYTES} bytes`,
    );
    const complete = await handler(post(nested("complete")));
    expect(complete.status).toBe(400);
    expect(((await complete.json()) as ErrorJson).error.message).toBe(
      `request body nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
  });

  it("refuses an announced Content-Length over the complete limit before reading a byte", async () => {
    const { handler } = setup();
    const body = tracked([new Uint8Array(64 * 1024)]);
    const res = await handler(post(body.stream, { "content-length": String(MAX_COMPLETE_BODY_BYTES + 1) }));
    expect(res.status).toBe(413);
    expect(body.pulled()).toBe(0);
  });

  it("stops reading a body whose length was not announced once it passes the cap", async () => {
    const { handler } = setup();
    const body = tracked(Array.from({ length: 100 }, () => new Uint8Array(256 * 1024)));
    const res = await handler(post(body.stream));
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(MAX_COMPLETE_BODY_BYTES + 256 * 1024);
  });

  it("reads no more than 64 KiB of a body that does not name complete in its first 64 KiB", async () => {
    const { handler } = setup();
    const opening = new TextEncoder().encode('{"v":1,"op":"sign","pad":"');
    const body = tracked([opening, ...Array.from({ length: 200 }, () => new Uint8Array(16 * 1024).fill(0x61))]);
    const res = await handler(post(body.stream));
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorJson).error.message).toBe(`request body is larger than ${MAX_BODY_BYTES} bytes`);
    expect(body.pulled()).toBeLessThanOrEqual(MAX_BODY_BYTES + 16 * 1024);
  });

  it("accepts a complete body over 64 KiB (10,000 parts)", async () => {
    const { call } = setup({ limits: { maxSize: 5 * 1024 * 1024 * MiB } });
    const up = await createMultipart(call, { size: 10_000 * 5 * MiB, partSize: 5 * MiB });
    const parts = Array.from({ length: 10_000 }, (_, i) => ({ partNumber: i + 1, etag: `"${"0".repeat(32)}"` }));
    const res = await call({ v: 1, op: "complete", ...up, parts });
    expect(JSON.stringify(parts).length).toBeGreaterThan(MAX_BODY_BYTES);
    expect(res.status).toBe(200);
  });

  it("does not read the body of a caller authorize refuses", async () => {
    const { handler } = setup();
    const body = tracked([new Uint8Array(1024)]);
    const init: RequestInit & { duplex: "half" } = {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body.stream,
      duplex: "half",
    };
    const refused = await handler(new Request("http://app.test/api", init));
    expect(refused.status).toBe(401);
    expect(body.pulled()).toBe(0);
  });
});

describe("slow bodies", () => {
  it("answers 408 when the body does not arrive within bodyTimeoutMs", async () => {
    const env = setup();
    const errors: SignerError[] = [];
    const handler = handleS3Edge(env.signer, { bodyTimeoutMs: 30, onError: (error) => errors.push(error) });
    const body = tracked([new TextEncoder().encode('{"v":1,')], 1);
    const res = await handler(post(body.stream));
    expect(res.status).toBe(408);
    expect(((await res.json()) as ErrorJson).error).toEqual({
      code: "BadRequest",
      message: "request body not received within 30 ms",
    });
    expect(errors.map((e) => e.status)).toEqual([408]);
  });
});

describe("methods Request cannot carry", () => {
  it.each(["TRACE", "CONNECT", "TRACK"])("answers %s with 405 and reports it like any other error", async (method) => {
    const { signer } = setup();
    const seen: Array<[string, number]> = [];
    const handler = handleS3Edge(signer, { onError: (error, op) => seen.push([op, error.status]) });
    const res = await handler(requestWithRefusedMethod("http://app.test/api", method, new Headers()));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(((await res.json()) as ErrorJson).error).toEqual({
      code: "MethodNotAllowed",
      message: `method ${method} is not allowed: use POST`,
    });
    expect(seen).toEqual([["request", 405]]);
  });
});
