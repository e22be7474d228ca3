/**
 * `upload.retry()` after an error (a new attempt; it continues the stored multipart upload when
 * the failed one could not be aborted), `canRetry()`, and `upload.remove()` / `uploader.remove(id)`.
 */
import { HttpResponse, delay, http } from "msw";
import { describe, expect, it, vi } from "vitest";
import { createUploader, memoryStore, type UploaderOptions } from "../../../src/node.js";
import { Semaphore } from "../../../src/upload/semaphore.js";
import { ENDPOINT, bytes, fakeBackend, s3Error, type FakeBackend, useMswServer } from "./fake-backend.js";

const MiB = 1024 * 1024;
const server = useMswServer();
let backend: FakeBackend;

function setup(options: Partial<UploaderOptions> = {}) {
  backend = fakeBackend();
  server.use(...backend.handlers);
  return createUploader({
    endpoint: ENDPOINT,
    store: false,
    retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
}

const refuseOnce = (partNumber: number) => (call: { partNumber: number }, attempt: number) =>
  call.partNumber === partNumber && attempt === 1 ? s3Error(403, "SignatureDoesNotMatch", "no") : undefined;

describe("upload.retry()", () => {
  it("starts a failed upload again and stores the exact bytes; done() is the new attempt's", async () => {
    const uploader = setup();
    backend.onPut = refuseOnce(2);
    const data = bytes(12 * MiB, 3);
    const upload = uploader.add(data, { filename: "again.bin" });
    await expect(upload.done()).rejects.toMatchObject({ code: "S3Error" });
    expect(upload.getState()).toMatchObject({ status: "error", error: { code: "S3Error" } });
    expect(upload.canRetry()).toBe(true);

    expect(upload.retry()).toBe(true);
    // A free opening slot: the new attempt starts at once.
    expect(upload.getState()).toMatchObject({ status: "uploading", error: undefined, loaded: 0 });
    const result = await upload.done();
    expect(result.size).toBe(data.byteLength);
    expect(Buffer.from(backend.objects.get(result.key) as Uint8Array).equals(data)).toBe(true);
    expect(upload.getState()).toMatchObject({ status: "done", loaded: data.byteLength });
    // The failed attempt's upload was aborted, so the retry created a new one.
    expect(backend.ops("create")).toHaveLength(2);
    expect(uploader.getState()).toMatchObject({ active: 0, loaded: data.byteLength });
  });

  it("continues the stored upload when the failed one could not be aborted: only the missing parts are sent", async () => {
    const uploader = setup({ store: memoryStore(), concurrency: 1 });
    backend.onPut = refuseOnce(3);
    // The endpoint cannot be reached to abort: the upload stays on S3 and in the store.
    backend.onCall = (body) => (body["op"] === "abort" ? new HttpResponse(null, { status: 503 }) : undefined);
    const data = bytes(16 * MiB, 4);
    const file = new File([new Uint8Array(data)], "kept.bin", { lastModified: 1 });
    const upload = uploader.add(file);
    await expect(upload.done()).rejects.toMatchObject({ code: "S3Error" });
    expect(backend.puts.map((p) => p.partNumber)).toEqual([1, 2, 3]);

    expect(upload.retry()).toBe(true);
    const result = await upload.done();
    expect(Buffer.from(backend.objects.get(result.key) as Uint8Array).equals(data)).toBe(true);
    expect(upload.getState().resumed).toBe(true);
    expect(backend.ops("create")).toHaveLength(1);
    expect(backend.ops("list")).toHaveLength(1);
    // Parts 1 and 2 were not sent again.
    expect(backend.puts.map((p) => p.partNumber)).toEqual([1, 2, 3, 3, 4]);
  });

  it("does nothing unless the upload failed, and never for a stream", async () => {
    const uploader = setup();
    const ok = uploader.add(bytes(1000), { filename: "ok.bin" });
    expect(ok.retry()).toBe(false);
    await ok.done();
    expect(ok.canRetry()).toBe(false);
    expect(ok.retry()).toBe(false);

    backend.onPut = () => s3Error(403, "AccessDenied", "no");
    const stream = uploader.add(
      (async function* () {
        yield bytes(1000);
      })(),
      { filename: "s.bin", size: 1000 },
    );
    await expect(stream.done()).rejects.toMatchObject({ code: "S3Error" });
    expect(stream.getState().status).toBe("error");
    expect(stream.canRetry()).toBe(false);
    expect(stream.retry()).toBe(false);
  });

  it("a cancelled upload cannot be retried", async () => {
    const uploader = setup({ autoStart: false });
    const upload = uploader.add(bytes(1000), { filename: "c.bin" });
    await upload.cancel();
    expect(upload.getState().status).toBe("cancelled");
    expect(upload.canRetry()).toBe(false);
    expect(upload.retry()).toBe(false);
  });
});

describe("remove", () => {
  it("upload.remove() cancels an unfinished upload, aborts it on S3 and leaves the uploader's state at once", async () => {
    const uploader = setup();
    let started!: () => void;
    const firstPut = new Promise<void>((resolve) => (started = resolve));
    backend.onPut = async () => {
      started();
      await delay("infinite");
      return undefined;
    };
    const upload = uploader.add(bytes(12 * MiB), { filename: "r.bin" });
    const other = uploader.add(bytes(10), { filename: "o.bin" });
    await firstPut;
    const removed = upload.remove();
    expect(uploader.getState().uploads.map((u) => u.id)).toEqual([other.id]);
    expect(uploader.get(upload.id)).toBeUndefined();
    await removed;
    expect(upload.getState().status).toBe("cancelled");
    await expect(upload.done()).rejects.toMatchObject({ code: "Aborted" });
    expect(backend.ops("abort")).toHaveLength(1);
  });

  it("uploader.remove(id) forgets a finished upload and keeps its result", async () => {
    const uploader = setup();
    const upload = uploader.add(bytes(10), { filename: "done.bin" });
    const result = await upload.done();
    await uploader.remove(upload.id);
    expect(uploader.getState().uploads).toEqual([]);
    expect(upload.getState()).toMatchObject({ status: "done", result });
    await expect(uploader.remove("nope")).resolves.toBeUndefined();
  });
});

describe("uploader.discard(input)", () => {
  it("aborts the stored upload of a file and removes its record, uploading nothing; false when there is none", async () => {
    const store = memoryStore();
    const uploader = setup({ store, concurrency: 1 });
    backend.onPut = refuseOnce(2);
    backend.onCall = (body) => (body["op"] === "abort" ? new HttpResponse(null, { status: 503 }) : undefined);
    const file = new File([new Uint8Array(bytes(12 * MiB, 5))], "stored.bin", { lastModified: 2 });
    await expect(uploader.add(file).done()).rejects.toMatchObject({ code: "S3Error" });
    expect(await store.list()).toHaveLength(1);
    delete backend.onCall;
    const puts = backend.puts.length;

    await expect(uploader.discard(file)).resolves.toBe(true);
    expect(await store.list()).toEqual([]);
    expect(backend.ops("abort").at(-1)).toMatchObject({ key: "uploads/stored.bin" });
    expect(backend.puts.length).toBe(puts);
    await expect(uploader.discard(file)).resolves.toBe(false);
    await expect(setup({ store: false }).discard(file)).resolves.toBe(false);
  });
});

describe("opening sessions", () => {
  it("at most `concurrency` creates are in flight at once, however many files are added together", async () => {
    const uploader = setup({ concurrency: 2 });
    let inFlight = 0;
    let most = 0;
    const { handlers } = backend;
    server.resetHandlers();
    server.use(
      http.post(ENDPOINT, async ({ request }) => {
        const body = (await request.clone().json()) as Record<string, unknown>;
        if (body["op"] !== "create") return undefined;
        most = Math.max(most, ++inFlight);
        await delay(30);
        inFlight--;
        return undefined; // answered by the fake backend
      }),
      ...handlers,
    );
    const uploads = Array.from({ length: 6 }, (_, i) => uploader.add(bytes(1000, i), { filename: `f${i}.bin` }));
    await Promise.all(uploads.map((u) => u.done()));
    expect(backend.ops("create")).toHaveLength(6);
    expect(most).toBe(2);
  });

  it("the first create goes alone; once it is answered, up to `concurrency` go together, and uploads waiting for their turn stay queued", async () => {
    const uploader = setup({ concurrency: 3 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inFlight = 0;
    let most = 0;
    const { handlers } = backend;
    server.resetHandlers();
    server.use(
      http.post(ENDPOINT, async ({ request }) => {
        const body = (await request.clone().json()) as Record<string, unknown>;
        if (body["op"] !== "create") return undefined;
        most = Math.max(most, ++inFlight);
        if (backend.ops("create").length === 0) await held;
        else await delay(30);
        inFlight--;
        return undefined; // answered by the fake backend
      }),
      ...handlers,
    );
    const uploads = Array.from({ length: 6 }, (_, i) => uploader.add(bytes(1000, i), { filename: `q${i}.bin` }));
    await delay(50);
    // The first create is held: no other was sent, and every other upload is still queued.
    expect(most).toBe(1);
    expect(uploads.map((u) => u.getState().status)).toEqual([
      "uploading",
      "queued",
      "queued",
      "queued",
      "queued",
      "queued",
    ]);
    release();
    await Promise.all(uploads.map((u) => u.done()));
    expect(backend.ops("create")).toHaveLength(6);
    expect(most).toBe(3);
  });

  it("a first create that needs a retry no longer goes alone: the other files' creates go out meanwhile", async () => {
    const uploader = setup({ concurrency: 3, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstAttempts = 0;
    const others: string[] = [];
    const { handlers } = backend;
    server.resetHandlers();
    server.use(
      http.post(ENDPOINT, async ({ request }) => {
        const body = (await request.clone().json()) as Record<string, unknown>;
        if (body["op"] !== "create") return undefined;
        if (body["filename"] !== "r0.bin") {
          others.push(String(body["filename"]));
          return undefined;
        }
        // The first file's create: refused once (retryable), then held until the others went out.
        if (++firstAttempts === 1)
          return HttpResponse.json({ error: { code: "Unavailable", message: "busy" } }, { status: 503 });
        await held;
        return undefined;
      }),
      ...handlers,
    );
    const uploads = Array.from({ length: 4 }, (_, i) => uploader.add(bytes(1000, i), { filename: `r${i}.bin` }));
    await vi.waitFor(() => expect(others).toHaveLength(3));
    expect(firstAttempts).toBe(2);
    release();
    await Promise.all(uploads.map((u) => u.done()));
  });
});

describe("Semaphore", () => {
  it("widen() gives out the held-back slots at once, and only those", async () => {
    const slots = new Semaphore(2, 1);
    const first = await slots.acquire();
    let second = false;
    let third = false;
    const waiting = [
      slots.acquire().then((release) => {
        second = true;
        return release;
      }),
      slots.acquire().then((release) => {
        third = true;
        return release;
      }),
    ];
    slots.widen();
    const releaseSecond = await waiting[0];
    expect(second).toBe(true);
    slots.widen(); // nothing more held: no extra slot
    await Promise.resolve();
    expect(third).toBe(false);
    first();
    (await waiting[1])?.();
    expect(third).toBe(true);
    releaseSecond?.();
  });

  it("gives out `first` slots until one comes back, then all of them, first come first served", async () => {
    const slots = new Semaphore(3, 1);
    const order: number[] = [];
    const holders = [0, 1, 2, 3].map((i) =>
      slots.acquire().then((release) => {
        order.push(i);
        return release;
      }),
    );
    const first = await holders[0];
    await Promise.resolve();
    expect(order).toEqual([0]);
    first?.();
    const rest = await Promise.all(holders.slice(1));
    expect(order).toEqual([0, 1, 2, 3]);
    // Three held now (1, 2, 3): a fifth waits until one comes back.
    let fifth = false;
    const waiting = slots.acquire().then((release) => {
      fifth = true;
      return release;
    });
    await Promise.resolve();
    expect(fifth).toBe(false);
    rest[0]?.();
    (await waiting)();
    expect(fifth).toBe(true);
  });
});
