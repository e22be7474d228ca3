/**
 * One file's upload: open a session (create or resume), send the parts through
 * the uploader's shared concurrency limit, complete, and on cancel or failure
 * abort the multipart upload so that nothing is left in the bucket.
 *
 * State is a framework-free observable (`getState`/`subscribe`); discrete
 * events go through `on`.
 */
import { AbortError } from "../core/errors.js";
import { Emitter, createState, progressState, type State } from "../core/observable.js";
import type { UploadContext } from "./context.js";
import { createAttempts, type Attempts } from "./attempts.js";
import { toS3EdgeError, untilAborted } from "./retrying.js";
import { openSession, type Session } from "./session.js";
import { Speedometer } from "./speed.js";
import { PAUSE, Transfer } from "./transfer.js";
import { RecordKeeper } from "./record-keeper.js";
import { asBlob, initialState, isStream } from "./upload-state.js";
import { readBlobSize } from "./sources/blob.js";
import type {
  AddOptions,
  UploadedObject,
  UploadEvents,
  UploadInput,
  UploadSource,
  UploadState,
  UploadWarning,
} from "./types.js";

const noop = (): void => undefined;

/** One upload. Create it with `uploader.add()`. */
export class Upload {
  /** Unique within the uploader. */
  readonly id: string;
  readonly #state: State<UploadState>;
  readonly #events = new Emitter<UploadEvents>();
  readonly #ctx: UploadContext;
  readonly #input: UploadInput;
  readonly #options: AddOptions;
  readonly #onRemove: (upload: Upload) => void;
  #cancel = new AbortController();
  #promise: Promise<UploadedObject>;
  #speed = new Speedometer();
  #run = new AbortController();
  #gate: { promise: Promise<void>; open(): void } | undefined;
  #begin!: () => void;
  /** Gives back this upload's opening slot (see {@link Upload.#opened}). */
  #opening: (() => void) | undefined;
  #started = false;
  #session: Session | undefined;
  #transfer: Transfer | undefined;
  readonly #keeper: RecordKeeper;
  /** Runs endpoint calls and PUTs with the retry policy, emitting `retry` events. */
  readonly #attempts: Attempts;
  readonly #warned = new Set<UploadWarning["code"]>();

  /** @internal Use `uploader.add()`. */
  constructor(
    id: string,
    input: UploadInput,
    options: AddOptions,
    ctx: UploadContext,
    onRemove: (upload: Upload) => void = () => undefined,
    sizeLater = false,
  ) {
    this.id = id;
    this.#ctx = ctx;
    this.#input = input;
    this.#options = options;
    this.#onRemove = onRemove;
    this.#keeper = new RecordKeeper(ctx.store);
    this.#attempts = createAttempts(ctx, {
      offline: () => this.#state.getState().offline,
      setOffline: (offline) => this.#set({ offline }),
      retry: (event) => this.#events.emit("retry", event),
    });
    this.#state = createState<UploadState>(initialState(id, input, options, !sizeLater), progressState());
    const blob = sizeLater ? asBlob(input) : undefined;
    // A task of its own, so that answers and PUTs that are ready go first (see `uploader.addAll`).
    if (blob)
      setTimeout(() => {
        if (this.#state.getState().total === null) this.#set({ total: readBlobSize(blob) });
      }, 0);
    // `start()` runs the upload's first steps at once, not a microtask later: the first file of a
    // batch sends its `create` before the application has added the other files.
    this.#promise = new Promise<UploadedObject>((resolve) => (this.#begin = () => resolve(this.#execute())));
    this.#promise.catch(noop);
    options.signal?.addEventListener("abort", () => void this.cancel(), { once: true });
    if (options.signal?.aborted) void this.cancel();
  }

  /** Current state; a new object after each change. */
  getState = (): UploadState => this.#state.getState();
  /** Listen to state changes; returns the unsubscribe function. */
  subscribe = (listener: (state: UploadState) => void): (() => void) => this.#state.subscribe(listener);
  /** Listen to an event (`part`, `retry`, `warning`, `success`, `error`, `restart`); returns the function that stops listening. */
  on<K extends keyof UploadEvents>(event: K, listener: (value: UploadEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Resolves with the stored object, rejects with an S3EdgeError (code `Aborted` when cancelled). */
  done(): Promise<UploadedObject> {
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
    this.#opened();
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

  /**
   * Whether {@link retry} can start this upload again: it failed (status `error`) and its input
   * can be read again (a File, Blob, bytes or path; a stream cannot).
   */
  canRetry(): boolean {
    return this.#state.getState().status === "error" && !isStream(this.#input);
  }

  /**
   * Start again after an error (see {@link canRetry}; otherwise does nothing and returns false).
   * The new attempt continues the stored multipart upload when the failed one could not be
   * aborted (the network was gone) and the store still holds its record, else starts over.
   * `done()` then returns the new attempt's promise.
   */
  retry(): boolean {
    if (!this.canRetry()) return false;
    const { filename, total } = this.#state.getState();
    this.#cancel = new AbortController();
    this.#run = new AbortController();
    this.#session = undefined;
    this.#attempts.reset();
    this.#speed = new Speedometer();
    this.#state.set({ ...initialState(this.id, this.#input, this.#options), filename, total });
    this.#promise = this.#execute();
    this.#promise.catch(noop);
    return true;
  }

  /**
   * Cancel the upload if it is not finished, and leave the uploader's list (its state and
   * `get()`) at once. Resolves once the cancellation is done.
   */
  remove(): Promise<void> {
    const cancelled = this.cancel();
    this.#onRemove(this);
    return cancelled;
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
    return this.#promise.then(noop, noop);
  }

  /**
   * The session is open and the first PUT is on its way (or the transfer waits, or is paused, or
   * ended): the next upload may open its session. Holding the slot until then keeps the other
   * uploads' first steps (main-thread work) from delaying this upload's first PUT.
   */
  #opened(): void {
    this.#opening?.();
    this.#opening = undefined;
  }

  #finished(): boolean {
    const { status } = this.#state.getState();
    return status === "done" || status === "error" || status === "cancelled";
  }

  #set(patch: Partial<UploadState>): void {
    this.#state.set({ ...this.#state.getState(), ...patch });
  }

  #progress(loaded: number): void {
    const { total, status } = this.#state.getState();
    const speed = status === "uploading" ? this.#speed.update(loaded, this.#ctx.now()) : 0;
    const eta = total !== null && speed > 0 ? Math.max(0, (total - loaded) / speed) : null;
    this.#set({ loaded, speed, eta });
  }

  /** Emit a warning, once per kind. */
  #warn(warning: UploadWarning): void {
    if (this.#warned.has(warning.code)) return;
    this.#warned.add(warning.code);
    this.#events.emit("warning", warning);
  }

  async #whileActive(): Promise<void> {
    const signal = this.#cancel.signal;
    if (this.#gate) this.#opened(); // paused before its first PUT: others open meanwhile
    while (this.#gate && !signal.aborted) await untilAborted(this.#gate.promise, signal);
    if (signal.aborted) throw signal.reason;
  }

  async #execute(): Promise<UploadedObject> {
    const ctx = this.#ctx;
    const signal = this.#cancel.signal;
    let source: UploadSource | undefined;
    try {
      if (signal.aborted) throw signal.reason;
      // The slot first: of a batch, only uploads that may open their session now do any work (the
      // first `create` waits for no other file's first steps); the rest stay "queued". Up to the
      // `create` request nothing waits when nothing has to (a free slot, a Blob's source, a store
      // that knows it has no record), so that request leaves within `start()`.
      this.#opening = ctx.opening.tryAcquire() ?? (await ctx.opening.acquire(signal));
      const made = ctx.toSource(this.#input, this.#options);
      source = made instanceof Promise ? await made : made;
      const filename = this.#options.filename ?? source.name;
      this.#set({ filename, total: source.size, ...(!this.#gate && { status: "uploading" }) });
      const session = await openSession({
        call: ctx.call,
        create: ctx.create,
        // A first session that needs a retry no longer opens alone: the others go on meanwhile.
        attempt: (fn) => this.#attempts.run(fn, signal, undefined, () => ctx.opening.widen()),
        source,
        filename,
        contentType: this.#options.contentType ?? (source.type || "application/octet-stream"),
        metadata: this.#options.metadata,
        partSize: ctx.partSize,
        checksum: ctx.checksum,
        store: ctx.store,
        signal,
        now: () => ctx.clock.now(),
        onRestart: (event) => this.#events.emit("restart", event),
      });
      this.#session = session;
      this.#set({ key: session.key, resumed: session.resumed });
      if (signal.aborted) throw signal.reason;
      this.#transfer = new Transfer(session, source, ctx, {
        run: () => this.#run.signal,
        cancelled: signal,
        whileActive: () => this.#whileActive(),
        attempt: (fn, s, n, before) => this.#attempts.run(fn, s, n, before),
        opened: () => this.#opened(),
        set: (patch) => this.#set(patch),
        progress: (loaded) => this.#progress(loaded),
        partDone: (part) => {
          const verified = part.checksum !== undefined && { checksumVerified: part.verified === true };
          this.#events.emit("part", { partNumber: part.n, size: part.size, etag: part.etag, ...verified });
          this.#keeper.save(this.#session, part);
        },
        warn: (warning) => this.#warn(warning),
      });
      const result = await this.#transfer.run();
      // Only a multipart upload has a record: opening a single PUT left none (a record found then
      // was resumed or removed), and each removal is a storage write (a browser-process round trip).
      if (session.mode === "multipart") await this.#keeper.forget(source);
      this.#set({ status: "done", result, loaded: result.size, total: result.size, speed: 0, eta: 0 });
      this.#events.emit("success", result);
      return result;
    } catch (thrown) {
      this.#opened();
      const cancelled = signal.aborted;
      const error = toS3EdgeError(cancelled ? signal.reason : thrown);
      this.#run.abort(error);
      await this.#transfer?.settle();
      const cleaned = await this.#abortOnServer();
      if (source && (cleaned || cancelled)) await this.#keeper.forget(source);
      this.#set({ status: cancelled ? "cancelled" : "error", error, speed: 0, eta: null });
      if (!cancelled) this.#events.emit("error", error);
      throw error;
    } finally {
      this.#opened(); // e.g. resumed with every part on S3 already: no PUT
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
      await this.#attempts.run(() => this.#ctx.call("abort", session.ref, signal), signal);
      return true;
    } catch {
      return false; // Left for the bucket's lifecycle rule, and resumable from the store.
    }
  }
}
