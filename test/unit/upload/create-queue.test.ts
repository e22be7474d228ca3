/**
 * The uploader's create queue: alone and at once until the server announces `createMany`, then
 * the creates of one task in one request (at most what the server takes), each file resolved,
 * refused, retried or cancelled alone; an older server's refusal falls back to lone creates.
 */
import { describe, expect, it } from "vitest";

import { EndpointError, InternalError } from "../../../src/index.js";
import type { CreateFile, CreateManyError, CreateResponse } from "../../../src/index.js";
import type { EndpointCall } from "../../../src/endpoint/client.js";
import { createQueue } from "../../../src/upload/create-queue.js";
import { uploaderCreates } from "../../../src/upload/creates.js";

type Sent = { op: string; body: Record<string, unknown>; signal: AbortSignal | undefined };

const single = (key: string, createMany?: number): CreateResponse => ({
  mode: "single",
  key,
  url: `https://s3.test/b/${key}?X-Amz-Signature=x`,
  headers: {},
  expiresAt: 0,
  s3Url: `https://s3.test/b/${key}`,
  ...(createMany !== undefined && { createMany }),
});

const multipart = (key: string): CreateResponse => ({
  mode: "multipart",
  key,
  uploadId: `id-${key}`,
  token: `token-${key}`,
  partSize: 8,
  expiresAt: 0,
  s3Url: `https://s3.test/b/${key}`,
});

const file = (filename: string): CreateFile => ({ filename, contentType: "image/png", size: 10 });

/** A fake endpoint: each request waits for the test to answer it. */
function fakeEndpoint() {
  const sent: Sent[] = [];
  const pending: Array<{ resolve(value: unknown): void; reject(error: unknown): void }> = [];
  const call = ((op: string, body: Record<string, unknown>, signal?: AbortSignal) => {
    sent.push({ op, body, signal });
    return new Promise((resolve, reject) => {
      pending.push({ resolve, reject });
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  }) as EndpointCall;
  const answer = (index: number, value: unknown): void => pending[index]?.resolve(value);
  const fail = (index: number, error: unknown): void => pending[index]?.reject(error);
  return { call, sent, answer, fail };
}

/** A queue over a fake endpoint with a manual flush. */
function setup() {
  const endpoint = fakeEndpoint();
  let flushes: Array<() => void> = [];
  const create = createQueue({
    call: endpoint.call,
    fileError: (r: CreateManyError) =>
      new EndpointError("create", `${r.error.code} (HTTP ${r.status})`, { status: r.status }),
    schedule: (flush) => void flushes.push(flush),
  });
  const flush = (): void => {
    const now = flushes;
    flushes = [];
    for (const f of now) f();
  };
  /** Learn that the server takes `most` files per createMany (a first lone create announces it). */
  const learn = async (most: number): Promise<void> => {
    const first = create(file("first.png"), new AbortController().signal);
    endpoint.answer(endpoint.sent.length - 1, single("first", most));
    await first;
  };
  return { ...endpoint, create, flush, flushes: () => flushes.length, learn };
}

/** The file names a `createMany` request carried. */
const filesOf = (sent: Sent | undefined): string[] => ((sent?.body.files ?? []) as CreateFile[]).map((f) => f.filename);

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("create queue", () => {
  it("sends each create alone and at once until an answer announces createMany", async () => {
    const q = setup();
    const signal = new AbortController().signal;
    const a = q.create(file("a.png"), signal);
    const b = q.create(file("b.png"), signal);
    expect(q.sent.map((s) => [s.op, s.body.filename])).toEqual([
      ["create", "a.png"],
      ["create", "b.png"],
    ]);
    expect(q.flushes()).toBe(0);
    q.answer(0, single("a")); // an older server: no createMany
    q.answer(1, single("b"));
    expect((await a).key).toBe("a");
    expect((await b).key).toBe("b");
    q.create(file("c.png"), signal);
    expect(q.sent.at(-1)?.op).toBe("create");
  });

  it("then sends the creates of one task together, each file resolved with its own answer", async () => {
    const q = setup();
    await q.learn(16);
    const signal = new AbortController().signal;
    const asked = ["a.png", "b.png", "c.png"].map((name) => q.create(file(name), signal));
    expect(q.sent).toHaveLength(1); // nothing more before the task ends
    q.flush();
    expect(q.sent).toHaveLength(2);
    expect(q.sent[1]?.op).toBe("createMany");
    expect(filesOf(q.sent[1])).toEqual(["a.png", "b.png", "c.png"]);
    q.answer(1, { results: [single("a", 16), multipart("b"), single("c", 16)] });
    expect((await Promise.all(asked)).map((r) => r.key)).toEqual(["a", "b", "c"]);
  });

  it("sends at most what the server takes per request, and a lone file as a plain create", async () => {
    const q = setup();
    await q.learn(2);
    const signal = new AbortController().signal;
    for (const name of ["a", "b", "c", "d", "e"]) void q.create(file(`${name}.png`), signal).catch(() => undefined);
    q.flush();
    expect(q.sent.slice(1).map((s) => [s.op, s.op === "create" ? 1 : (s.body.files as unknown[]).length])).toEqual([
      ["createMany", 2],
      ["createMany", 2],
      ["create", 1],
    ]);
  });

  it("rejects a refused file alone with the endpoint's error, and the others resolve", async () => {
    const q = setup();
    await q.learn(16);
    const signal = new AbortController().signal;
    const ok = q.create(file("ok.png"), signal);
    const refused = q.create(file("big.png"), signal);
    q.flush();
    q.answer(1, { results: [single("ok", 16), { status: 413, error: { code: "TooLarge", message: "too large" } }] });
    expect((await ok).key).toBe("ok");
    const error = await refused.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointError);
    expect((error as EndpointError).status).toBe(413);
  });

  it("rejects every file with the request's error (each upload then retries on its own)", async () => {
    const q = setup();
    await q.learn(16);
    const signal = new AbortController().signal;
    const asked = [q.create(file("a.png"), signal), q.create(file("b.png"), signal)];
    q.flush();
    const down = new EndpointError("createMany", "HTTP 503", { status: 503, retryable: true });
    q.fail(1, down);
    expect(await Promise.all(asked.map((p) => p.catch((e: unknown) => e)))).toEqual([down, down]);
  });

  it("falls back to lone creates when the server refuses createMany as a bad request", async () => {
    const q = setup();
    await q.learn(16);
    const signal = new AbortController().signal;
    const asked = [q.create(file("a.png"), signal), q.create(file("b.png"), signal)];
    q.flush();
    q.fail(1, new EndpointError("createMany", "BadRequest: unknown operation (HTTP 400)", { status: 400 }));
    await settle();
    expect(q.sent.slice(2).map((s) => [s.op, s.body.filename])).toEqual([
      ["create", "a.png"],
      ["create", "b.png"],
    ]);
    q.answer(2, single("a"));
    q.answer(3, single("b"));
    expect((await Promise.all(asked)).map((r) => r.key)).toEqual(["a", "b"]);
    q.create(file("c.png"), signal);
    expect(q.sent.at(-1)?.op).toBe("create"); // no longer batched
  });

  it("leaves a file cancelled while waiting out of the request", async () => {
    const q = setup();
    await q.learn(16);
    const cancel = new AbortController();
    const gone = q.create(file("gone.png"), cancel.signal);
    void q.create(file("a.png"), new AbortController().signal);
    void q.create(file("b.png"), new AbortController().signal);
    cancel.abort(new Error("cancelled"));
    await expect(gone).rejects.toThrow("cancelled");
    q.flush();
    expect(filesOf(q.sent[1])).toEqual(["a.png", "b.png"]);
  });

  it("rejects a file cancelled in flight at once, aborts its multipart upload when it comes, and cancels the request only when every file is", async () => {
    const q = setup();
    await q.learn(16);
    const first = new AbortController();
    const second = new AbortController();
    const a = q.create(file("a.png"), first.signal);
    const b = q.create(file("b.png"), second.signal);
    q.flush();
    first.abort(new Error("a cancelled"));
    await expect(a).rejects.toThrow("a cancelled");
    expect(q.sent[1]?.signal?.aborted).toBe(false); // b still needs the answer
    q.answer(1, { results: [multipart("a"), single("b", 16)] });
    expect((await b).key).toBe("b");
    await settle();
    expect(q.sent.slice(2).map((s) => [s.op, s.body])).toEqual([
      ["abort", { key: "a", uploadId: "id-a", token: "token-a" }],
    ]);

    const third = new AbortController();
    const fourth = new AbortController();
    const c = q.create(file("c.png"), third.signal);
    const d = q.create(file("d.png"), fourth.signal);
    q.flush();
    third.abort(new Error("c cancelled"));
    fourth.abort(new Error("d cancelled"));
    await Promise.allSettled([c, d]);
    expect(q.sent.at(-1)?.signal?.aborted).toBe(true);
  });

  it("rejects the files an answer has no result for", async () => {
    const q = setup();
    await q.learn(16);
    const signal = new AbortController().signal;
    const a = q.create(file("a.png"), signal);
    const b = q.create(file("b.png"), signal);
    q.flush();
    q.answer(1, { results: [single("a", 16)] });
    expect((await a).key).toBe("a");
    await expect(b).rejects.toBeInstanceOf(InternalError);
  });
});

describe("create queue: request size", () => {
  it("keeps each createMany under 48 KiB of files, so that long names and metadata never make a 413", async () => {
    const q = setup();
    await q.learn(16);
    const signal = new AbortController().signal;
    const heavy = (i: number): CreateFile => ({
      filename: `${"é".repeat(500)}-${i}.png`, // 1,000 bytes of UTF-8
      contentType: "image/png",
      size: 10,
      metadata: { note: "x".repeat(2000) },
    });
    for (let i = 0; i < 16; i++) void q.create(heavy(i), signal).catch(() => undefined);
    q.flush();
    const requests = q.sent.slice(1);
    expect(requests.length).toBeGreaterThan(1);
    let files = 0;
    for (const r of requests) {
      const body = { v: 1, op: r.op, ...r.body };
      expect(new TextEncoder().encode(JSON.stringify(body)).byteLength).toBeLessThan(64 * 1024);
      files += r.op === "createMany" ? (r.body.files as unknown[]).length : 1;
    }
    expect(files).toBe(16);
  });
});

describe("the uploader's creates", () => {
  it("go alone until an answer announces createMany, then through the queue (loaded then), one request per task", async () => {
    const endpoint = fakeEndpoint();
    const create = uploaderCreates(endpoint.call, () => new Error("refused"));
    const signal = new AbortController().signal;
    const first = create(file("first.png"), signal);
    const second = create(file("second.png"), signal); // before any answer: alone too
    expect(endpoint.sent.map((s) => s.op)).toEqual(["create", "create"]);
    endpoint.answer(0, single("first", 16));
    endpoint.answer(1, single("second", 16));
    await Promise.all([first, second]);
    await import("../../../src/upload/create-queue.js"); // the queue's code is loaded (statically here: at once)
    await settle();
    const later = ["a.png", "b.png", "c.png"].map((name) => create(file(name), signal));
    expect(endpoint.sent).toHaveLength(2); // waiting for the end of the task
    await settle();
    expect(endpoint.sent.slice(2).map((s) => [s.op, filesOf(s)])).toEqual([
      ["createMany", ["a.png", "b.png", "c.png"]],
    ]);
    endpoint.answer(2, { results: [single("a", 16), single("b", 16), single("c", 16)] });
    expect((await Promise.all(later)).map((r) => r.key)).toEqual(["a", "b", "c"]);
  });

  it("never batch for a server that does not announce createMany", async () => {
    const endpoint = fakeEndpoint();
    const create = uploaderCreates(endpoint.call, () => new Error("refused"));
    const signal = new AbortController().signal;
    const first = create(file("first.png"), signal);
    endpoint.answer(0, single("first"));
    await first;
    await settle();
    for (const name of ["a.png", "b.png"]) void create(file(name), signal);
    await settle();
    expect(endpoint.sent.map((s) => s.op)).toEqual(["create", "create", "create"]);
  });
});
