/**
 * How a batch starts (issue 20, the batch's first PUT): the first file's `create` leaves within
 * `add()` when nothing has to be waited for, an upload keeps its opening slot until its first PUT
 * is on its way, and a picked File's metadata is read once per upload.
 */
import { delay } from "msw";
import { describe, expect, it, vi } from "vitest";
import { createUploader, memoryStore, type ResumeStore, type UploaderOptions } from "../../../src/node.js";
import { Semaphore } from "../../../src/upload/semaphore.js";
import { ENDPOINT, bytes, fakeBackend, type FakeBackend, useMswServer } from "./fake-backend.js";

const server = useMswServer();
let backend: FakeBackend;

/** Requests as they are handed to `fetch` (endpoint calls by op, PUTs by file name), in order. */
function setup(options: Partial<UploaderOptions> = {}) {
  backend = fakeBackend();
  server.use(...backend.handlers);
  const sent: string[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = String(input);
    if (init?.method === "PUT") sent.push(`PUT ${decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "")}`);
    else {
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      const files = body["files"] as Array<{ filename: string }> | undefined;
      const names = files ? files.map((f) => f.filename).join(",") : body["filename"];
      sent.push(`${String(body["op"])}${names === undefined ? "" : ` ${String(names)}`}`);
    }
    return globalThis.fetch(input, init);
  };
  const uploader = createUploader({
    endpoint: ENDPOINT,
    store: false,
    fetch: recording,
    retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
  return { uploader, sent };
}

describe("a batch's first create", () => {
  it("leaves within add(), before the application adds the next file, when the store knows it holds no record", async () => {
    const { uploader, sent } = setup({ store: memoryStore() });
    const first = uploader.add(bytes(1000, 1), { filename: "a.bin" });
    expect(sent).toEqual(["create a.bin"]);
    expect(first.getState().status).toBe("uploading");
    const second = uploader.add(bytes(1000, 2), { filename: "b.bin" });
    expect(sent).toEqual(["create a.bin"]); // the second waits for its turn
    await Promise.all([first.done(), second.done()]);
    expect(backend.ops("create")).toHaveLength(2);
  });

  it("waits for the store's answer when the store cannot tell synchronously (no has()), or says it may hold a record", async () => {
    const memory = memoryStore();
    const gets: string[] = [];
    const { has: _has, ...withoutHas } = memory;
    const get = (f: string) => {
      gets.push(f);
      return memory.get(f);
    };
    const store: ResumeStore = { ...withoutHas, get };
    const { uploader, sent } = setup({ store });
    const file = new File([new Uint8Array(bytes(1000, 3))], "c.bin", { lastModified: 1 });
    const upload = uploader.add(file);
    expect(sent).toEqual([]);
    await upload.done();
    expect(gets).toHaveLength(1);
    expect(sent).toEqual(["create c.bin", "PUT c.bin"]);

    const maybe = setup({ store: { ...memory, has: () => true, get } });
    const second = maybe.uploader.add(new File([new Uint8Array(bytes(10, 4))], "d.bin", { lastModified: 1 }));
    expect(maybe.sent).toEqual([]); // "may hold one": get() is asked first
    await second.done();
    expect(gets).toHaveLength(2);
  });

  it("an upload keeps its opening slot until its first PUT is handed to the transport: the next create goes after it", async () => {
    const { uploader, sent } = setup({ concurrency: 4 });
    const uploads = ["e0.bin", "e1.bin", "e2.bin"].map((filename, i) => uploader.add(bytes(1000, i), { filename }));
    await Promise.all(uploads.map((u) => u.done()));
    expect(sent.slice(0, 3)).toEqual(["create e0.bin", "PUT e0.bin", "create e1.bin"]);
    expect(sent).toHaveLength(6);
  });

  it("an upload paused before its first PUT lets the next one open meanwhile", async () => {
    const { uploader, sent } = setup({ concurrency: 2 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    backend.onCall = async (body) => {
      if (body["filename"] === "p0.bin") await held;
      return undefined;
    };
    const paused = uploader.add(bytes(1000, 5), { filename: "p0.bin" });
    const other = uploader.add(bytes(1000, 6), { filename: "p1.bin" });
    await vi.waitFor(() => expect(backend.calls.length).toBe(0)); // the first create is held
    paused.pause();
    release();
    await other.done();
    expect(sent).toEqual(["create p0.bin", "create p1.bin", "PUT p1.bin"]);
    paused.resume();
    await paused.done();
    expect(sent.at(-1)).toBe("PUT p0.bin");
  });

  it("reads a picked File's size once when it is added and its lastModified once when it opens", async () => {
    let before: Record<string, number> | undefined;
    const { uploader } = setup({
      store: memoryStore(),
      transport: {
        reportsProgress: true, // as XHR (a transport without progress reads the size for its stall timer)
        put: async () => {
          before = { ...reads }; // what s3edge read before the PUT (a transport may read the size itself)
          return { status: 200, etag: '"e"', body: "", header: () => null };
        },
      },
    });
    const { file, reads } = countedFile("f.bin", bytes(1000, 7));
    const upload = uploader.add(file);
    expect(upload.getState().total).toBe(1000);
    const result = await upload.done();
    expect(result.size).toBe(1000);
    expect(before).toEqual({ size: 1, lastModified: 1 });
  });
});

/** A picked File whose `size` and `lastModified` reads are counted. */
function countedFile(name: string, data: Uint8Array) {
  const file = new File([new Uint8Array(data)], name, { lastModified: 5 });
  const reads = { size: 0, lastModified: 0 };
  for (const prop of ["size", "lastModified"] as const) {
    const getter =
      Object.getOwnPropertyDescriptor(File.prototype, prop)?.get ??
      Object.getOwnPropertyDescriptor(Blob.prototype, prop)?.get;
    Object.defineProperty(file, prop, {
      get() {
        reads[prop]++;
        return getter?.call(file) as number;
      },
    });
  }
  return { file, reads };
}

describe("uploader.addAll", () => {
  it("adds the files in order as add() does: the first create leaves before it returns, every total known", async () => {
    const { uploader, sent } = setup({ concurrency: 3 });
    const picked = Array.from({ length: 6 }, (_, i) => countedFile(`g${i}.bin`, bytes(1000 + i, 10 + i)));
    const uploads = uploader.addAll(picked.map((p) => p.file));
    expect(sent).toEqual(["create g0.bin"]);
    expect(uploads.map((u) => u.getState().total)).toEqual([1000, 1001, 1002, 1003, 1004, 1005]);
    expect(uploader.getState().uploads.map((u) => u.id)).toEqual(uploads.map((u) => u.id));
    const results = await Promise.all(uploads.map((u) => u.done()));
    expect(results.map((r) => r.size)).toEqual([1000, 1001, 1002, 1003, 1004, 1005]);
    for (const i of picked.keys()) {
      expect(Buffer.from(backend.objects.get(`uploads/g${i}.bin`) ?? [])).toEqual(bytes(1000 + i, 10 + i));
    }
  });

  it("of more than 32 files, reads the sizes after the first `concurrency` files' a task each, after it returns", async () => {
    const { uploader, sent } = setup({ concurrency: 2 });
    const picked = Array.from({ length: 40 }, (_, i) => countedFile(`m${i}.bin`, bytes(10 + i, i)));
    const uploads = uploader.addAll(picked.map((p) => p.file));
    expect(sent).toEqual(["create m0.bin"]);
    expect(uploads.slice(0, 3).map((u) => u.getState().total)).toEqual([10, 11, null]);
    expect(picked.slice(2).map((p) => p.reads.size)).toEqual(picked.slice(2).map(() => 0));
    expect(uploader.getState().total).toBeNull(); // not known until every size is
    await delay(0);
    expect(uploads[2]?.getState().total).toBe(12); // read in a task of its own
    const results = await Promise.all(uploads.map((u) => u.done()));
    expect(results.map((r) => r.size)).toEqual(picked.map((_, i) => 10 + i));
    expect(uploader.getState().total).toBe(picked.reduce((n, _, i) => n + 10 + i, 0));
    for (const i of picked.keys()) {
      expect(Buffer.from(backend.objects.get(`uploads/m${i}.bin`) ?? [])).toEqual(bytes(10 + i, i));
    }
  });

  it("applies an options object to every file, or a function of the file and its index", async () => {
    const { uploader } = setup();
    const named = uploader.addAll([bytes(10, 1), bytes(20, 2)], (input, i) => ({
      filename: `n${i}-${(input as Uint8Array).byteLength}.bin`,
      metadata: { index: String(i) },
    }));
    await Promise.all(named.map((u) => u.done()));
    expect(backend.ops("create")).toMatchObject([
      { filename: "n0-10.bin", metadata: { index: "0" } },
      { filename: "n1-20.bin", metadata: { index: "1" } },
    ]);
    const shared = new AbortController();
    const cancelled = uploader.addAll([bytes(10, 3), bytes(20, 4)], { signal: shared.signal });
    shared.abort();
    const outcomes = await Promise.allSettled(cancelled.map((u) => u.done()));
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(cancelled.map((u) => u.getState().status)).toEqual(["cancelled", "cancelled"]);
  });

  it("computes the uploader's state once for the whole list, yet getState() read meanwhile is never behind", async () => {
    const { uploader } = setup({ autoStart: false });
    const during: Array<[number, number | null]> = [];
    uploader.on("add", () => {
      const s = uploader.getState();
      during.push([s.uploads.length, s.total]);
    });
    const notified: number[] = [];
    uploader.subscribe((s) => notified.push(s.uploads.length));
    const blob = (n: number): Blob => new Blob([new Uint8Array(bytes(n, n))]);
    uploader.addAll([blob(1), blob(2), blob(3)]);
    expect(during).toEqual([
      [1, 1],
      [2, 3],
      [3, 6],
    ]);
    const quiet = createUploader({ endpoint: ENDPOINT, store: false, autoStart: false });
    const before = quiet.getState();
    quiet.addAll([blob(1), blob(2)]);
    const after = quiet.getState();
    expect(after).not.toBe(before);
    expect([after.uploads.length, after.total]).toEqual([2, 3]);
    await delay(50);
    expect(notified.at(-1)).toBe(3);
  });

  it("with autoStart: false sends nothing until each upload is started", async () => {
    const { uploader, sent } = setup({ autoStart: false });
    const uploads = uploader.addAll(new Set([bytes(10, 1), bytes(20, 2)]), (_, i) => ({ filename: `s${i}.bin` }));
    expect(uploads.map((u) => u.getState().status)).toEqual(["queued", "queued"]);
    await delay(0);
    expect(sent).toEqual([]);
    for (const u of uploads) u.start();
    expect((await Promise.all(uploads.map((u) => u.done()))).map((r) => r.size)).toEqual([10, 20]);
  });
});

describe("Semaphore.tryAcquire", () => {
  it("gives a free slot at once, none while others wait or none is free, and honours `first`", async () => {
    const slots = new Semaphore(2, 1);
    const first = slots.tryAcquire();
    expect(first).toBeTypeOf("function");
    expect(slots.tryAcquire()).toBeUndefined(); // `first` = 1: the second slot is held back
    const waiting = slots.acquire();
    first?.();
    first?.(); // giving back twice gives back once
    const second = await waiting;
    const third = slots.tryAcquire(); // the held-back slot is out now
    expect(third).toBeTypeOf("function");
    expect(slots.tryAcquire()).toBeUndefined();
    const queued = slots.acquire();
    second();
    expect(slots.tryAcquire()).toBeUndefined(); // the freed slot went to the one waiting
    (await queued)();
    third?.();
    await delay(0);
    expect(slots.tryAcquire()).toBeTypeOf("function");
  });
});
