/**
 * Pause and resume at every stage of an upload, over the XHR transport (a fake XMLHttpRequest that
 * keeps the standard's rule: `abort()` before `send()` fires no event). Each stage is reached
 * deterministically by holding the endpoint call or PUT of that stage until the test lets it go,
 * and resume comes either at once (before the pause has settled) or once the held call answered.
 *
 * The defect this pins down: a part whose URL or bytes were still on their way when the pause came
 * was handed to the transport with an already-aborted signal; the XHR transport called `abort()`
 * on a request it had not sent, no event ever came, the part stayed "running" forever (holding a
 * slot of the uploader's semaphore), and after Resume the upload never finished.
 */
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AbortError, createUploader, type Upload, type UploadState } from "../../../src/node.js";
import { fetchTransport } from "../../../src/upload/transports/fetch.js";
import { xhrTransport } from "../../../src/upload/transports/xhr.js";
import type { Transport } from "../../../src/upload/types.js";
import { ENDPOINT, S3, bytes, fakeBackend, type FakeBackend } from "./fake-backend.js";
import { FakeXHR } from "./fake-xhr.js";

const server = setupServer();
let backend: FakeBackend;

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  vi.stubGlobal("XMLHttpRequest", FakeXHR);
});
afterEach(() => server.resetHandlers());
afterAll(() => {
  server.close();
  vi.unstubAllGlobals();
});

const KiB = 1024;
/** Small parts keep the test fast; the fake backend does not enforce S3's 5 MiB minimum. */
const PART = 256 * KiB;

/**
 * A hand-written transport over fetch that, like XHR, only listens for aborts to come: handed a
 * signal that is already aborted, it never settles (the `Transport` contract does not forbid it).
 */
function listenerOnlyTransport(): Transport {
  const inner = fetchTransport();
  return {
    reportsProgress: false,
    put: (request) => (request.signal.aborted ? new Promise<never>(() => undefined) : inner.put(request)),
  };
}

let transport: "xhr" | Transport = "xhr";

function setup(concurrency: number) {
  FakeXHR.created.length = 0;
  backend = fakeBackend({ partSize: PART, threshold: PART });
  server.use(...backend.handlers);
  return createUploader({
    endpoint: ENDPOINT,
    store: false,
    transport,
    concurrency,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
  });
}

/** A promise and the function that resolves it. */
function hold(): { promise: Promise<void>; release(): void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

const statusOf = (upload: Upload, status: UploadState["status"]): Promise<void> =>
  new Promise((resolve) => {
    if (upload.getState().status === status) return resolve();
    const stop = upload.subscribe((s) => {
      if (s.status === status) {
        stop();
        resolve();
      }
    });
  });

type Stage = "before create answers" | "while signing" | "while parts are in flight" | "right after a part completes";
const STAGES: Stage[] = [
  "before create answers",
  "while signing",
  "while parts are in flight",
  "right after a part completes",
];

/**
 * Start an upload of three parts and pause it at `stage`. Resolves once paused, with
 * the function that lets the held call or PUT go (a no-op for the last stage, which holds nothing).
 */
async function pauseAt(
  stage: Stage,
  concurrency: number,
): Promise<{ upload: Upload; data: Uint8Array; release(): void; uploader: ReturnType<typeof setup> }> {
  const uploader = setup(concurrency);
  const held = hold();
  const reached = hold();
  let upload!: Upload;
  const pauseHere = async (): Promise<undefined> => {
    upload.pause();
    reached.release();
    await held.promise;
    return undefined;
  };
  let once = false;
  const first = (): boolean => !once && (once = true);
  if (stage === "before create answers")
    backend.onCall = (body) => (body["op"] === "create" && first() ? pauseHere() : undefined);
  if (stage === "while signing")
    backend.onCall = (body) => (body["op"] === "sign" && first() ? pauseHere() : undefined);
  if (stage === "while parts are in flight")
    backend.onPut = (call, attempt) => (call.partNumber === 1 && attempt === 1 ? pauseHere() : undefined);
  const data = bytes(2 * PART + 1000, 7);
  upload = uploader.add(data, { filename: `${stage}.bin` });
  if (stage === "right after a part completes") {
    const stop = upload.on("part", () => {
      stop();
      upload.pause();
      reached.release();
    });
  }
  await reached.promise;
  expect(upload.getState().status).toBe("paused");
  return { upload, data, release: held.release, uploader };
}

/** The upload finishes with S3 holding the exact bytes, and every semaphore slot came back (a second upload runs). */
async function expectFinished(upload: Upload, data: Uint8Array, uploader: ReturnType<typeof setup>): Promise<void> {
  const result = await upload.done();
  expect(result.size).toBe(data.byteLength);
  expect(Buffer.compare(backend.objects.get(result.key) as Uint8Array, data)).toBe(0);
  expect(upload.getState()).toMatchObject({
    status: "done",
    loaded: data.byteLength,
    total: data.byteLength,
    partsDone: 3,
  });
  const again = bytes(PART + 10, 8);
  const second = await uploader.upload(again, { filename: "after.bin" });
  expect(Buffer.compare(backend.objects.get(second.key) as Uint8Array, again)).toBe(0);
  expect(uploader.getState().active).toBe(0);
  // No request was ever abandoned unsent after an abort (the XHR standard's silent case).
  expect(FakeXHR.created.filter((x) => x.abortedBeforeSend)).toEqual([]);
}

describe.each([
  ["the XHR transport", (): "xhr" => "xhr"],
  ["a transport that only listens for aborts to come", listenerOnlyTransport],
] as const)("over %s", (_, make) => {
  beforeAll(() => {
    transport = make();
  });
  describe.each([1, 3])("pause and resume with %i part(s) in flight", (concurrency) => {
    describe.each(STAGES)("pausing %s", (stage) => {
      it("then resuming at once, before the pause has settled, finishes the upload", async () => {
        const { upload, data, release, uploader } = await pauseAt(stage, concurrency);
        upload.resume();
        expect(upload.getState().status).toBe("uploading");
        release();
        await expectFinished(upload, data, uploader);
      });

      it("then resuming once the held call has answered and the upload is idle finishes it, and nothing is sent while paused", async () => {
        const { upload, data, release, uploader } = await pauseAt(stage, concurrency);
        const puts = backend.puts.length;
        release();
        // Let the held call's answer, and everything it sets off, play out while paused.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(upload.getState().status).toBe("paused");
        expect(backend.puts.length).toBe(puts);
        upload.resume();
        await statusOf(upload, "done");
        await expectFinished(upload, data, uploader);
      });
    });
  });
});

describe("the XHR transport", () => {
  it("rejects with the signal's reason, sending nothing, when the signal is already aborted", async () => {
    const controller = new AbortController();
    const reason = new AbortError("Upload paused");
    controller.abort(reason);
    const before = FakeXHR.created.length;
    const put = xhrTransport().put({
      url: `${S3}/k?partNumber=1`,
      headers: {},
      body: new Uint8Array(4),
      signal: controller.signal,
      onProgress: () => undefined,
    });
    await expect(put).rejects.toBe(reason);
    expect(FakeXHR.created.slice(before).filter((x) => x.readyState !== 0 || x.abortedBeforeSend)).toEqual([]);
  });

  it("rejects with the signal's reason when aborted after sending", async () => {
    const controller = new AbortController();
    const reason = new AbortError("Upload paused");
    backend = fakeBackend();
    server.use(...backend.handlers);
    const held = hold();
    backend.onPut = async () => {
      controller.abort(reason);
      await held.promise;
      return undefined;
    };
    const put = xhrTransport().put({
      url: `${S3}/k`,
      headers: {},
      body: new Uint8Array(4),
      signal: controller.signal,
      onProgress: () => undefined,
    });
    await expect(put).rejects.toBe(reason);
    held.release();
  });
});
