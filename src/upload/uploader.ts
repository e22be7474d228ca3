/**
 * `createUploader`: many uploads, one concurrency limit, one aggregate state.
 * Options are normalised here once; uploads never re-check them.
 */
import { InvalidInputError } from "../core/errors.js";
import { createState, Emitter, type Observable } from "../core/observable.js";
import type { UploadResult } from "../core/protocol.js";
import { DEFAULT_RETRY } from "../core/retry.js";
import type { Platform, UploadContext } from "./context.js";
import { createEndpoint } from "./endpoint.js";
import { Semaphore } from "./semaphore.js";
import { fetchTransport } from "./transports/fetch.js";
import { xhrTransport } from "./transports/xhr.js";
import type {
  AddOptions,
  ResumeRecord,
  UploadEvents,
  UploadInput,
  UploaderOptions,
  UploaderState,
  UploadState,
} from "./types.js";
import { Upload } from "./upload.js";

/** Events of an uploader: each upload's events, with the upload. */
export type UploaderEvents = { [K in keyof UploadEvents]: UploadEvents[K] extends object ? { upload: Upload; value: UploadEvents[K] } : never } & {
  /** An upload was added. */
  add: { upload: Upload };
};

/** Uploads files through a signing endpoint. Framework-free: read `getState()`, `subscribe()` to changes. */
export interface Uploader extends Observable<UploaderState> {
  /** Queue an upload (and start it unless `autoStart: false`). */
  add(input: UploadInput, options?: AddOptions): Upload;
  /** Add and wait: resolves with the stored object. */
  upload(input: UploadInput, options?: AddOptions): Promise<UploadResult>;
  /** An upload by id. */
  get(id: string): Upload | undefined;
  /** Listen to the events of all uploads. */
  on<K extends keyof UploaderEvents>(event: K, listener: (value: UploaderEvents[K]) => void): () => void;
  pauseAll(): void;
  resumeAll(): void;
  /** Cancel every unfinished upload (aborting their multipart uploads); resolves when all are cancelled. */
  cancelAll(): Promise<void>;
  /** Forget finished uploads (done, error, cancelled) from the state. */
  clearFinished(): void;
  /** Uploads of earlier sessions that can be resumed by adding the same file again. */
  resumable(): Promise<ResumeRecord[]>;
}

const FINISHED = new Set(["done", "error", "cancelled"]);

/** @internal Build an uploader for a platform (the entries pass theirs). */
export function createUploaderFor(platform: Platform, options: UploaderOptions): Uploader {
  if (!options || typeof options.endpoint !== "string" || !options.endpoint) {
    throw new InvalidInputError("createUploader: `endpoint` (the URL of your s3edge/server endpoint) is required");
  }
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidInputError("createUploader: `concurrency` must be a whole number >= 1");
  }
  const choice = options.transport ?? "auto";
  const ctx: UploadContext = {
    call: createEndpoint({
      url: options.endpoint,
      ...(options.headers && { headers: options.headers }),
      ...(options.credentials && { credentials: options.credentials }),
      ...(options.fetch && { fetch: options.fetch }),
      ...(options.endpointTimeoutMs && { timeoutMs: options.endpointTimeoutMs }),
    }),
    transport:
      typeof choice === "object"
        ? choice
        : choice === "fetch"
          ? fetchTransport(options.fetch)
          : choice === "xhr"
            ? xhrTransport()
            : platform.transport(options.fetch),
    semaphore: new Semaphore(concurrency),
    retry: { ...DEFAULT_RETRY, ...options.retry },
    stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
    offlineTimeoutMs: options.offlineTimeoutMs ?? 300_000,
    partSize: options.partSize,
    checksum: options.checksum,
    store: options.store === false ? undefined : (options.store ?? platform.store()),
    toSource: platform.toSource,
    offline: platform.offline,
    now: Date.now,
  };

  const uploads: Upload[] = [];
  const events = new Emitter<UploaderEvents>();
  const state = createState<UploaderState>(aggregate([]));
  const refresh = (): void => state.set(aggregate(uploads.map((u) => u.getState())));
  let seq = 0;

  const add = (input: UploadInput, addOptions: AddOptions = {}): Upload => {
    const upload = new Upload(`u${++seq}`, input, addOptions, ctx);
    uploads.push(upload);
    upload.subscribe(refresh);
    for (const name of ["part", "retry", "success", "error", "restart"] as const) {
      upload.on(name, (value) => events.emit(name, { upload, value } as never));
    }
    refresh();
    events.emit("add", { upload });
    if (options.autoStart !== false) upload.start();
    return upload;
  };

  return {
    getState: state.getState,
    subscribe: state.subscribe,
    add,
    upload: (input, addOptions) => add(input, addOptions).done(),
    get: (id) => uploads.find((u) => u.id === id),
    on: (event, listener) => events.on(event, listener),
    pauseAll: () => uploads.forEach((u) => u.pause()),
    resumeAll: () => uploads.forEach((u) => u.resume()),
    cancelAll: async () => {
      await Promise.all(uploads.map((u) => u.cancel()));
    },
    clearFinished() {
      for (let i = uploads.length - 1; i >= 0; i--) {
        if (FINISHED.has((uploads[i] as Upload).getState().status)) uploads.splice(i, 1);
      }
      refresh();
    },
    resumable: async () => {
      const now = Date.now();
      return ((await ctx.store?.list()) ?? []).filter((record) => record.expiresAt > now);
    },
  };
}

function aggregate(states: UploadState[]): UploaderState {
  let loaded = 0;
  let total: number | null = 0;
  let speed = 0;
  let active = 0;
  for (const s of states) {
    loaded += s.loaded;
    total = total === null || s.total === null ? null : total + s.total;
    if (!FINISHED.has(s.status)) {
      active++;
      speed += s.speed;
    }
  }
  const eta = total !== null && speed > 0 ? (total - loaded) / speed : null;
  return { uploads: states, loaded, total, speed, eta, active };
}
