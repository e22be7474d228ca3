/**
 * The client's half of idempotent `create`: one random `requestId` per upload, the same on every
 * retry of that upload's create, another for another upload.
 */
import { describe, expect, it } from "vitest";

import { REQUEST_ID } from "../../../src/core/protocol.js";
import { createUploader } from "../../../src/index.js";
import { createTokenCodec } from "../../../src/server/token.js";
import { SECRET } from "./helpers.js";

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("the uploader's create", () => {
  it("sends one requestId per upload, the same on each retry of its create", async () => {
    const creates: Array<Record<string, unknown>> = [];
    const fetchStub = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      if (body["op"] !== "create") throw new Error(`unexpected op ${String(body["op"])}`);
      creates.push(body);
      // Each upload: its first create meets a 503 (retried), its second a 400 (final).
      const tries = creates.filter((c) => c["filename"] === body["filename"]).length;
      return tries === 1
        ? json(503, { error: { code: "InternalError", message: "try again" } })
        : json(400, { error: { code: "BadRequest", message: "stop here" } });
    };
    const uploader = createUploader({
      endpoint: "http://app.test/api/s3edge",
      store: false,
      fetch: fetchStub as typeof fetch,
      retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const a = uploader.add(new Uint8Array(10), { filename: "a.bin" });
    await expect(a.done()).rejects.toThrow(/stop here/);
    const b = uploader.add(new Uint8Array(10), { filename: "b.bin" });
    await expect(b.done()).rejects.toThrow(/stop here/);

    const ids = (name: string) => creates.filter((c) => c["filename"] === name).map((c) => c["requestId"]);
    expect(ids("a.bin")).toHaveLength(2);
    expect(ids("a.bin")[0]).toBe(ids("a.bin")[1]);
    expect(String(ids("a.bin")[0])).toMatch(REQUEST_ID);
    expect(ids("b.bin")[0]).toBe(ids("b.bin")[1]);
    expect(ids("b.bin")[0]).not.toBe(ids("a.bin")[0]);
    // Only the create sent again says so (the server then looks for the upload of the first).
    const retries = (name: string) => creates.filter((c) => c["filename"] === name).map((c) => c["retry"]);
    expect(retries("a.bin")).toEqual([undefined, true]);
    expect(retries("b.bin")).toEqual([undefined, true]);
  });
});

describe("request keys", () => {
  it("depend on the secret, the user and the requestId, and on nothing else", async () => {
    const codec = createTokenCodec(SECRET);
    const other = createTokenCodec(`${SECRET}-other`);
    const key = await codec.requestKey("alice", "req_0123456789abcdef");
    expect(await codec.requestKey("alice", "req_0123456789abcdef")).toBe(key);
    expect(await other.requestKey("alice", "req_0123456789abcdef")).not.toBe(key);
    expect(await codec.requestKey("bob", "req_0123456789abcdef")).not.toBe(key);
    // A requestId never holds "\n" (the server validates it), so "<user>\n<requestId>" names one pair.
    expect(await codec.requestKey("alice\nreq_0123456789abcdef", "req_0123456789abcdef")).not.toBe(key);
  });

  it("a token's request-scope flag is part of what its MAC covers, and only `true` is accepted", async () => {
    const codec = createTokenCodec(SECRET);
    const payload = {
      k: "uploads/x/a.bin",
      u: "up-1",
      s: "alice",
      e: Date.now() + 60_000,
      z: 1,
      p: 5 * 1024 * 1024,
      t: "a/b",
    };
    expect((await codec.verify(await codec.issue({ ...payload, r: true }), Date.now())).r).toBe(true);
    expect((await codec.verify(await codec.issue(payload), Date.now())).r).toBeUndefined();
    const forged = await codec.issue({ ...payload, r: false as unknown as true });
    await expect(codec.verify(forged, Date.now())).rejects.toMatchObject({ code: "InvalidToken" });
    // Adding the flag to a token's payload breaks its MAC.
    const plain = await codec.issue(payload);
    const [, mac] = plain.split(".");
    const flagged = Buffer.from(JSON.stringify({ ...payload, r: true })).toString("base64url");
    await expect(codec.verify(`${flagged}.${mac}`, Date.now())).rejects.toMatchObject({ code: "InvalidToken" });
  });
});
