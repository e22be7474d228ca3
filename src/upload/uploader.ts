/**
 * `createUploader`: many uploads, one concurrency limit, one aggregate state.
 * Options are checked here once (`options.ts`); uploads never re-check them.
 */
import { createState, Emitter, immediate, progressState, type Observable } from "../core/observable.js";
import { redactUrl } from "../core/errors.js";
import { answeredError, createEndpoint } from "../endpoint/client.js";
import { resolveEndpointUrl } from "../endpoint/location.js";
import { uploaderCreates } from "./creates.js";
import { ServerClock } from "./clock.js";
import type { Platform, UploadContext } from "./context.js";
import { checkOptions } from "./options.js";
import { Semaphore } from "./semaphore.js";
import { fetchTransport } from "./transports/fetch.js";
import { xhrTransport } from "./transports/xhr.js";
import type {
  AddOptions,
  ResumeRecord,
  UploadedObject,
  UploadEvents,
  UploadInput,
  UploaderOptions,
  UploaderState,
  UploadState,
} from "./types.js";
import { Upload } from "./upload.js";

/** Events of an uploader: each upload's events, with the upload. */
export type UploaderEvents = {
  [K in keyof UploadEvents]: UploadEvents[K] extends object ? { upload: Upload; value: UploadEvents[K] } : never;
} & {
  /** An upload was added. */
  add: { upload: Upload };
};

/** Uploads files through a signing endpoint. Framework-free: read `getState()`, `subscribe()` to changes. */
export interface Uploader extends Observable<UploaderState> {
  /** Queue an upload (and start it unless `autoStart: false`). */
  add(input: UploadInput, options?: AddOptions): Upload;
  /**
   * Queue several uploads (and start them unless `autoStart: false`), in order: files picked or
   * dropped together. Each is added as by `add()`, except that of more than 32 files, those after
   * the first `concurrency` have their size read afterwards, a task each (their `total`, and the
   * uploader's, is null until then): a picked File's size is a synchronous round trip to the
   * browser process, and a thousand of them would hold the page, and the first PUTs, for a while.
   * `options` applies to every file, or is a function of the file and its index (e.g. a
   * `filename` or `metadata` per file).
   */
  addAll(
    inputs: Iterable<UploadInput>,
    options?: AddOptions | ((input: UploadInput, index: number) => AddOptions),
  ): Upload[];
  /** Add and wait: resolves with the stored object. */
  upload(input: UploadInput, options?: AddOptions): Promise<UploadedObject>;
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
  /** Cancel an upload if it is unfinished and forget it from the state at once (`upload.remove()`). */
  remove(id: string): Promise<void>;
  /** Uploads of earlier sessions that can be resumed by adding the same file again. */
  resumable(): Promise<ResumeRecord[]>;
  /**
   * Give up the stored upload of `input` (a File or a path) without uploading anything: abort its
   * multipart upload on S3 (best effort) and remove its resume record. True when there was one.
   */
  discard(input: UploadInput, options?: AddOptions): Promise<boolean>;
}

const FINISHED = new Set(["done", "error", "cancelled"]);

/**
 * Most files whose sizes `addAll` reads at once. Reading a picked File's size is a synchronous
 * round trip to the browser process (0.3-0.6 ms on an idle machine, several ms on a busy one): up
 * to this many stay under a long task (50 ms) on an idle machine and every upload has its `total`
 * at once; of a longer list, the sizes after the first files' are read a task each.
 */
const SIZES_AT_ONCE = 32;

/** @internal Build an uploader for a platform (the entries pass theirs). */
export function createUploaderFor(platform: Platform, options: UploaderOptions): Uploader {
  const checked = checkOptions(options);
  const choice = options.transport ?? "auto";
  const now = options.now ?? Date.now;
  const clock = new ServerClock(now);
  const call = createEndpoint(
    {
      endpoint: options.endpoint,
      endpointTimeoutMs: checked.endpointTimeoutMs,
      ...(options.headers && { headers: options.headers }),
      ...(options.credentials && { credentials: options.credentials }),
      ...(options.fetch && { fetch: options.fetch }),
    },
    { onDate: (date) => clock.observe(date) },
  );
  const ctx: UploadContext = {
    call,
    create: uploaderCreates(call, (result) =>
      answeredError("create", redactUrl(resolveEndpointUrl(options.endpoint)), result.status, { ...result }),
    ),
    transport:
      typeof choice === "object"
        ? choice
        : choice === "fetch"
          ? fetchTransport(options.fetch)
          : choice === "xhr"
            ? xhrTransport()
            : platform.transport(options.fetch),
    semaphore: new Semaphore(checked.concurrency),
    // The first session opens alone (a server answers one create sooner than the first of several
    // sent together), then up to `concurrency` at once: the first PUT of a batch starts sooner.
    opening: new Semaphore(checked.concurrency, 1),
    retry: checked.retry,
    stallTimeoutMs: checked.stallTimeoutMs,
    offlineTimeoutMs: checked.offlineTimeoutMs,
    partSize: checked.partSize,
    checksum: options.checksum,
    store: options.store === false ? undefined : (options.store ?? platform.store()),
    toSource: platform.toSource,
    offline: platform.offline,
    onLine: platform.onLine,
    now,
    clock,
  };

  const uploads: Upload[] = [];
  const events = new Emitter<UploaderEvents>();
  const state = createState<UploaderState>(aggregate([]), progressState());
  /** While `addAll` adds, the aggregate is computed once at the end (or when read), not once per file. */
  let holding = false;
  let stale = false;
  const publish = (): void => {
    stale = false;
    state.set(aggregate(uploads.map((u) => u.getState())));
  };
  const refresh = immediate((): void => (holding ? void (stale = true) : publish()));
  let seq = 0;
  const forget = (upload: Upload): void => {
    const index = uploads.indexOf(upload);
    if (index >= 0) uploads.splice(index, 1);
    refresh();
  };

  const add = (input: UploadInput, addOptions: AddOptions = {}, sizeLater = false): Upload => {
    const upload = new Upload(`u${++seq}`, input, addOptions, ctx, forget, sizeLater);
    uploads.push(upload);
    upload.subscribe(refresh);
    for (const name of ["part", "retry", "warning", "success", "error", "restart"] as const) {
      upload.on(name, (value) => events.emit(name, { upload, value } as never));
    }
    refresh();
    events.emit("add", { upload });
    if (options.autoStart !== false) upload.start();
    return upload;
  };

  const addAll: Uploader["addAll"] = (inputs, each = {}) => {
    const list = [...inputs];
    // Of a long list, the files after the first ones have their sizes read later, a task each.
    const later = list.length > SIZES_AT_ONCE ? checked.concurrency : list.length;
    const outer = holding;
    holding = true;
    try {
      return list.map((input, i) => add(input, typeof each === "function" ? each(input, i) : each, i >= later));
    } finally {
      holding = outer;
      if (!holding && stale) publish();
    }
  };

  return {
    getState: () => {
      if (stale) publish(); // read while addAll adds: never behind
      return state.getState();
    },
    subscribe: state.subscribe,
    add,
    addAll,
    upload: (input, addOptions) => add(input, addOptions).done(),
    get: (id) => uploads.find((u) => u.id === id),
    on: (event, listener) => events.on(event, listener),
    pauseAll() {
      for (const u of uploads) u.pause();
    },
    resumeAll() {
      for (const u of uploads) u.resume();
    },
    remove: async (id) => uploads.find((u) => u.id === id)?.remove(),
    cancelAll: async () => {
      await Promise.all(uploads.map((u) => u.cancel()));
    },
    clearFinished() {
      for (let i = uploads.length - 1; i >= 0; i--) {
        if (FINISHED.has((uploads[i] as Upload).getState().status)) uploads.splice(i, 1);
      }
      refresh();
    },
    discard: async (input, addOptions = {}) => {
      const store = ctx.store;
      if (!store) return false;
      const source = await ctx.toSource(input, addOptions);
      try {
        const fingerprint = source.kind === "random" ? source.fingerprint : undefined;
        return fingerprint ? await (await import("./resume.js")).discardStored(ctx.call, store, fingerprint) : false;
      } finally {
        await source.close();
      }
    },
    resumable: async () => {
      const at = clock.now();
      const listed = await Promise.resolve(ctx.store?.list()).catch(() => undefined);
      if (!listed?.length) return [];
      const { parseResumeRecord } = await import("./stores/record.js");
      return listed.flatMap((raw: unknown) => {
        const record = parseResumeRecord(raw);
        return record && record.expiresAt > at ? [record] : [];
      });
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
