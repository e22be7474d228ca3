/**
 * One file's upload: open a session (create or resume), send the parts through
 * the uploader's shared concurrency limit, complete, and on cancel or failure
 * abort the multipart upload so that nothing is left in the bucket.
 *
 * State is a framework-free observable (`getState`/`subscribe`); discrete
 * events go through `on`.
 */
import { AbortError, S3EdgeError, S3Error } from "../core/errors.js";
import { Emitter, createState, type State } from "../core/observable.js";
import { partCount, partRange } from "../core/parts.js";
import type { SignedPart, UploadResult } from "../core/protocol.js";
import { PartUrls } from "./part-urls.js";
import { isExpiredUrl, putPart } from "./put-part.js";
import { retrying, toS3EdgeError, untilAborted } from "./retrying.js";
import { openSession, type Session } from "./session.js";
import { Speedometer } from "./speed.js";
import type { UploadContext } from "./context.js";
import type { AddOptions, PartBody, UploadEvents, UploadInput, UploadSource, UploadState } from "./types.js";

interface Part {
  n: number;
  start: number;
  size: number;
  body?: PartBody;
  etag?: string;
  checksum?: string;
  loaded: number;
  state: "pending" | "running" | "done";
}

const PAUSE = new AbortError("Upload paused");
const changed = (what: string): S3EdgeError =>
  new S3EdgeError("SourceChanged", `The source changed while it was uploaded: ${what}`);

/** One upload. Create it with `uploader.add()`. */
export class Upload {
  /** Unique within the uploader. */
  readonly id: string;
  readonly #state: State<UploadState>;
  readonly #events = new Emitter<UploadEvents>();
  readonly #ctx: UploadContext;
  readonly #input: UploadInput;
  readonly #options: AddOptions;
  readonly #cancel = new AbortController();
  readonly #promise: Promise<UploadResult>;
  readonly #parts = new Map<number, Part>();
  readonly #active = new Set<Part>();
  readonly #running = new Set<Promise<void>>();
  readonly #speed = new Speedometer();
  #run = new AbortController();
  #gate: { promise: Promise<void>; open(): void } | undefined;
  #begin!: () => void;
  #started = false;
  #doneBytes = 0;
  #session: Session | undefined;
  #saving: Promise<void> = Promise.resolve();

  /** @internal Use `uploader.add()`. */
  constructor(id: string, input: UploadInput, options: AddOptions, ctx: UploadContext) {
    this.id = id;
    this.#ctx = ctx;
    this.#input = input;
    this.#options = options;
    this.#state = createState<UploadState>({
      id,
      filename: options.filename ?? (input instanceof Blob && "name" in input ? String(input.name) : "file"),
      status: "queued",
      loaded: 0,
      total: input instanceof Blob ? input.size : (options.size ?? null),
      speed: 0,
      eta: null,
      partsDone: 0,
      partCount: null,
      key: undefined,
      resumed: false,
      result: undefined,
      error: undefined,
    });
    this.#promise = new Promise<void>((resolve) => (this.#begin = resolve)).then(() => this.#execute());
    this.#promise.catch(() => undefined);
    options.signal?.addEventListener("abort", () => void this.cancel(), { once: true });
    if (options.signal?.aborted) void this.cancel();
  }

  /** Current state; a new object after each change. */
  getState = (): UploadState => this.#state.getState();
  /** Listen to state changes; returns the unsubscribe function. */
  subscribe = (listener: (state: UploadState) => void): (() => void) => this.#state.subscribe(listener);
  /** Listen to an event (`part`, `retry`, `success`, `error`, `restart`); returns the function that stops listening. */
  on<K extends keyof UploadEvents>(event: K, listener: (value: UploadEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Resolves with the stored object, rejects with an S3EdgeError (code `Aborted` when cancelled). */
  done(): Promise<UploadResult> {
    return this.#promise;
  }

  /** Start the upload (automatic unless `autoStart: false`). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#begin();
  }

  /** Stop sending: parts in flight are dropped and sent again on `resume()`. */
  pause(): void {
    if (this.#gate || this.#finished()) return;
    let open!: () => void;
    this.#gate = { promise: new Promise<void>((resolve) => (open = resolve)), open };
    this.#run.abort(PAUSE);
    this.#set({ status: "paused", speed: 0, eta: null });
  }

  /** Continue after `pause()`. */
  resume(): void {
    const gate = this.#gate;
    if (!gate || this.#finished()) return;
    this.#gate = undefined;
    this.#run = new AbortController();
    this.#set({ status: this.#started ? "uploading" : "queued" });
    gate.open();
  }

  /** Cancel and abort the multipart upload on S3. Resolves once the server has been told. */
  cancel(): Promise<void> {
    if (!this.#finished()) {
      const reason = new AbortError("Upload cancelled");
      this.#cancel.abort(reason);
      this.#run.abort(reason);
      this.#gate?.open();
      this.start();
    }
    return this.#promise.then(
      () => undefined,
      () => undefined,
    );
  }

  #finished(): boolean {
    const { status } = this.#state.getState();
    return status === "done" || status === "error" || status === "cancelled";
  }

  #set(patch: Partial<UploadState>): void {
    this.#state.set({ ...this.#state.getState(), ...patch });
  }

  #progress(): void {
    let loaded = this.#doneBytes;
    for (const part of this.#active) loaded += part.loaded;
    const { total, status } = this.#state.getState();
    const speed = status === "uploading" ? this.#speed.update(loaded, this.#ctx.now()) : 0;
    const eta = total !== null && speed > 0 ? Math.max(0, (total - loaded) / speed) : null;
    this.#set({ loaded, speed, eta });
  }

  /** Run `fn` with the retry policy; `part` gets its progress reset before each retry. */
  #attempt<T>(fn: () => Promise<T>, signal: AbortSignal = this.#cancel.signal, part?: Part): Promise<T> {
    return retrying(fn, {
      retry: this.#ctx.retry,
      signal,
      offline: this.#ctx.offline,
      onRetry: ({ attempt, delayMs, error }) => {
        if (part) {
          part.loaded = 0;
          this.#progress();
        }
        this.#events.emit("retry", { attempt, delayMs, error, ...(part && { partNumber: part.n }) });
      },
    });
  }

  async #whileActive(): Promise<void> {
    const signal = this.#cancel.signal;
    while (this.#gate && !signal.aborted) await untilAborted(this.#gate.promise, signal);
    if (signal.aborted) throw signal.reason;
  }

  async #execute(): Promise<UploadResult> {
    const ctx = this.#ctx;
    const signal = this.#cancel.signal;
    let source: UploadSource | undefined;
    try {
      if (signal.aborted) throw signal.reason;
      source = await ctx.toSource(this.#input, this.#options);
      const filename = this.#options.filename ?? source.name;
      this.#set({ filename, total: source.size, ...(!this.#gate && { status: "uploading" }) });
      const session = await openSession({
        call: ctx.call,
        attempt: (fn) => this.#attempt(fn),
        source,
        filename,
        contentType: this.#options.contentType ?? (source.type || "application/octet-stream"),
        metadata: this.#options.metadata,
        partSize: ctx.partSize,
        checksum: ctx.checksum,
        store: ctx.store,
        signal,
        now: ctx.now,
        onRestart: (event) => this.#events.emit("restart", event),
      });
      this.#session = session;
      this.#set({ key: session.key, resumed: session.resumed });
      if (signal.aborted) throw signal.reason;
      const result = await this.#transfer(session, source);
      if (source.fingerprint) await ctx.store?.remove(source.fingerprint).catch(() => undefined);
      this.#set({ status: "done", result, loaded: result.size, total: result.size, speed: 0, eta: 0 });
      this.#events.emit("success", result);
      return result;
    } catch (thrown) {
      const cancelled = signal.aborted;
      const error = toS3EdgeError(cancelled ? signal.reason : thrown);
      this.#run.abort(error);
      await Promise.allSettled(this.#running);
      const cleaned = await this.#abortOnServer();
      if (source?.fingerprint && (cleaned || cancelled)) await ctx.store?.remove(source.fingerprint).catch(() => undefined);
      this.#set({ status: cancelled ? "cancelled" : "error", error, speed: 0, eta: null });
      if (!cancelled) this.#events.emit("error", error);
      throw error;
    } finally {
      await source?.close();
    }
  }

  /** Abort the multipart upload (once); true when the server confirmed. */
  async #abortOnServer(): Promise<boolean> {
    const session = this.#session;
    if (session?.mode !== "multipart") return true;
    this.#session = undefined;
    try {
      const signal = AbortSignal.timeout(60_000);
      await this.#attempt(() => this.#ctx.call("abort", session.ref, signal), signal);
      return true;
    } catch {
      return false; // Left for the bucket's lifecycle rule, and resumable from the store.
    }
  }

  async #transfer(session: Session, source: UploadSource): Promise<UploadResult> {
    const ctx = this.#ctx;
    const size = source.size;
    const single = session.mode === "single";
    const partSize = single ? Math.max(size ?? 0, 1) : session.partSize;
    const count = size === null ? null : single ? 1 : partCount(size, partSize);
    const done = new Set(single ? [] : session.done.map((p) => p.partNumber));
    for (let n = 1; count !== null && n <= count && source.slice; n++) {
      const { start, end } = single ? { start: 0, end: size ?? 0 } : partRange(n, partSize, size ?? 0);
      const stored = single ? undefined : session.done.find((p) => p.partNumber === n);
      const part: Part = { n, start, size: end - start, loaded: 0, state: done.has(n) ? "done" : "pending" };
      if (stored) {
        part.etag = stored.etag;
        if (stored.checksum) part.checksum = stored.checksum;
        this.#doneBytes += part.size;
      }
      this.#parts.set(n, part);
    }
    this.#set({ partCount: count, partsDone: done.size });
    this.#progress();

    const urls =
      session.mode === "multipart"
        ? new PartUrls({
            sign: (parts) => this.#attempt(() => ctx.call("sign", { ...session.ref, parts }, this.#cancel.signal)),
            lookahead: (after, room) => this.#lookahead(after, room, partSize, size),
          })
        : undefined;

    let next = 1;
    let ended = false;
    let failure: unknown;
    for (;;) {
      await this.#whileActive();
      if (failure) throw failure;
      let part = [...this.#parts.values()].find((p) => p.state === "pending");
      const read = !part && !source.slice && !ended;
      if (!part && !read) {
        if (!this.#running.size) break;
        await Promise.race(this.#running);
        continue;
      }
      const release = await ctx.semaphore.acquire(this.#cancel.signal);
      if (this.#gate || failure) {
        release();
        continue;
      }
      if (!part) {
        try {
          part = await this.#readPart(source, next, partSize, size, count);
        } catch (error) {
          release();
          throw error;
        }
        if (!part || part.size < partSize || next === count) ended = true;
        if (!part) {
          release();
          continue;
        }
        next++;
      }
      const task: Promise<void> = this.#sendPart(part, session, source, urls)
        .catch((error: unknown) => void (failure ??= error))
        .finally(() => {
          release();
          this.#running.delete(task);
        });
      this.#running.add(task);
    }

    const parts = [...this.#parts.values()].sort((a, b) => a.n - b.n);
    if (session.mode === "single") {
      const { key, s3Url, cdnUrl } = session;
      return { key, etag: parts[0]?.etag ?? "", size: size ?? 0, s3Url, ...(cdnUrl !== undefined && { cdnUrl }) };
    }
    this.#set({ status: "completing" });
    const list = parts.map(({ n, etag, checksum }) => ({ partNumber: n, etag: etag ?? "", ...(checksum && { checksum }) }));
    return this.#attempt(() => ctx.call("complete", { ...session.ref, parts: list }, this.#cancel.signal));
  }

  /** Parts to sign along with a batch, when their sizes (and no checksums) are known in advance. */
  #lookahead(after: number, room: number, partSize: number, size: number | null): Array<{ partNumber: number; size: number }> {
    if (this.#ctx.checksum) return [];
    const out: Array<{ partNumber: number; size: number }> = [];
    if (size === null) {
      for (let n = after + 1; n <= Math.min(after + Math.min(room, 16), 10_000); n++) out.push({ partNumber: n, size: partSize });
      return out;
    }
    // Every part not done yet, running ones included: they may still be reading their bytes.
    for (const part of this.#parts.values()) {
      if (out.length >= room) break;
      if (part.state !== "done") out.push({ partNumber: part.n, size: part.size });
    }
    return out;
  }

  /** The next part of a sequential source, or undefined at its end. */
  async #readPart(source: UploadSource, n: number, partSize: number, size: number | null, count: number | null): Promise<Part | undefined> {
    const read = source.read as (n: number) => Promise<Uint8Array>;
    const range = size === null ? { start: 0, end: partSize } : partRange(n, partSize, size);
    const expected = range.end - range.start;
    const body = await read(expected);
    if (size !== null && body.byteLength !== expected) throw changed(`expected ${size} bytes, the stream ended early`);
    if (size !== null && n === count && (await read(1)).byteLength) throw changed(`the stream is longer than ${size} bytes`);
    if (size === null && !body.byteLength && n > 1) {
      this.#set({ total: this.#doneBytes, partCount: n - 1 });
      return undefined;
    }
    const part: Part = { n, start: (n - 1) * partSize, size: body.byteLength, body, loaded: 0, state: "pending" };
    this.#parts.set(n, part);
    if (size === null && body.byteLength < partSize) this.#set({ total: part.start + part.size, partCount: n });
    return part;
  }

  async #sendPart(part: Part, session: Session, source: UploadSource, urls: PartUrls | undefined): Promise<void> {
    const signal = this.#run.signal;
    part.state = "running";
    this.#active.add(part);
    try {
      part.etag = await this.#attempt(
        async () => {
          const sign = (): Promise<SignedPart> =>
            urls
              ? urls.get({ partNumber: part.n, size: part.size, ...(part.checksum && { checksum: part.checksum }) })
              : Promise.resolve({ url: (session as { url: string }).url, headers: (session as { headers: Record<string, string> }).headers });
          // Without a checksum the URL does not depend on the bytes: ask first, so that parts
          // starting together share one signing round trip while their bytes are read.
          const early = this.#ctx.checksum ? undefined : sign();
          early?.catch(() => undefined);
          let body = part.body ?? (await (source.slice as NonNullable<UploadSource["slice"]>)(part.start, part.start + part.size));
          if (this.#ctx.checksum && part.checksum === undefined) {
            body = body instanceof Uint8Array ? body : new Uint8Array(await body.arrayBuffer());
            // Loaded on first use: applications without checksums do not ship CRC32's tables.
            const { crc32, crc32ToBase64 } = await import("../core/crc32.js");
            part.checksum = crc32ToBase64(crc32(body));
          }
          const signed = await (early ?? sign());
          try {
            return await putPart({
              transport: this.#ctx.transport,
              ...signed,
              body,
              signal,
              stallTimeoutMs: this.#ctx.stallTimeoutMs,
              what: urls ? `part ${part.n}` : "the object",
              onProgress: (loaded) => {
                part.loaded = Math.min(loaded, part.size);
                this.#progress();
              },
            });
          } catch (error) {
            if (!isExpiredUrl(error)) throw error;
            if (!urls) throw new S3Error("The presigned URL expired before the object was sent; add the file again", { status: 403 });
            urls.invalidate(part.n);
            throw error;
          }
        },
        signal,
        part,
      );
    } catch (error) {
      part.loaded = 0;
      if (signal.reason === PAUSE && !this.#cancel.signal.aborted) {
        part.state = "pending";
        return;
      }
      throw error;
    } finally {
      this.#active.delete(part);
    }
    part.state = "done";
    delete part.body;
    this.#doneBytes += part.size;
    this.#set({ partsDone: this.#state.getState().partsDone + 1 });
    this.#progress();
    this.#events.emit("part", { partNumber: part.n, size: part.size, etag: part.etag });
    this.#save(part);
  }

  /** Record a finished part in the resume store (writes are serialised, failures ignored). */
  #save(part: Part): void {
    const record = this.#session?.mode === "multipart" ? this.#session.record : undefined;
    const store = this.#ctx.store;
    if (!record || !store || !part.etag) return;
    record.parts.push({ partNumber: part.n, etag: part.etag, size: part.size, ...(part.checksum && { checksum: part.checksum }) });
    this.#saving = this.#saving.then(() => store.set(record)).catch(() => undefined);
  }
}
