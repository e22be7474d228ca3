/**
 * Moving one upload's bytes: plan the parts, dispatch them lowest-first through
 * the uploader's shared semaphore, send each with retries (`send-part.ts`), and
 * finally `complete`. The lifecycle around it (session, pause, cancel, cleanup,
 * state) is `upload.ts`'s.
 */
import { AbortError } from "../core/errors.js";
import { partCount, partRange } from "../core/parts.js";
import type { UploadContext } from "./context.js";
import { MAX_BATCH, PartUrls, type SignedUrl } from "./part-urls.js";
import { sendPartOnce, type Part } from "./send-part.js";
import type { Session } from "./session.js";
import type { SequentialSource, UploadedObject, UploadSource, UploadState, UploadWarning } from "./types.js";

export type { Part } from "./send-part.js";

/** Reason of the run signal's abort when the upload is paused (not cancelled). */
export const PAUSE = new AbortError("Upload paused");

/** What the transfer needs from its upload. */
export interface TransferHooks {
  /** The signal of the current run: aborted with {@link PAUSE} on pause, and on cancel. */
  run(): AbortSignal;
  /** Aborted on cancel only. */
  cancelled: AbortSignal;
  /** Resolves while not paused; rejects once cancelled. */
  whileActive(): Promise<void>;
  /** The first PUT was handed to the transport, or the transfer is about to wait for a slot: the next upload may open. */
  opened(): void;
  /** Run with the upload's retry policy; `beforeRetry` runs before each wait. */
  attempt<T>(fn: () => Promise<T>, signal: AbortSignal, partNumber?: number, beforeRetry?: () => void): Promise<T>;
  set(patch: Partial<UploadState>): void;
  /** Bytes done or in flight changed. */
  progress(loaded: number): void;
  /** A part is stored on S3. */
  partDone(part: Part & { etag: string }): void;
  warn(warning: UploadWarning): void;
}

/** One upload's parts. */
export class Transfer {
  readonly #parts = new Map<number, Part>();
  readonly #active = new Set<Part>();
  readonly #running = new Set<Promise<void>>();
  #doneBytes = 0;
  #partsDone = 0;

  constructor(
    readonly session: Session,
    readonly source: UploadSource,
    readonly ctx: UploadContext,
    readonly hooks: TransferHooks,
  ) {}

  /** Wait for the PUTs in flight to settle (before aborting the upload on S3). */
  settle(): Promise<unknown> {
    return Promise.allSettled(this.#running);
  }

  /** Send every part and complete; resolves with the stored object. */
  async run(): Promise<UploadedObject> {
    const { session, source, ctx, hooks } = this;
    const size = source.size;
    const single = session.mode === "single";
    const partSize = single ? Math.max(size ?? 0, 1) : session.partSize;
    const count = size === null ? null : single ? 1 : partCount(size, partSize);
    if (source.kind === "random") this.#plan(source.size, partSize, single);
    hooks.set({ partCount: count, partsDone: this.#partsDone });
    this.#progress();

    const urls: PartUrls | SignedUrl =
      session.mode === "multipart"
        ? new PartUrls({
            sign: (parts) =>
              hooks.attempt(() => ctx.call("sign", { ...session.ref, parts }, hooks.cancelled), hooks.cancelled),
            lookahead: (after, room) => this.#lookahead(after, room, partSize, size, count),
            now: () => ctx.clock.now(),
          })
        : { url: session.url, headers: session.headers, expiresAt: session.expiresAt };
    // URLs signed with the create answer, for the first parts (sized as `sign` would be asked).
    if (urls instanceof PartUrls && session.mode === "multipart" && session.signed)
      urls.seed(this.#lookahead(0, MAX_BATCH, partSize, size, count), session.signed);

    let next = 1;
    let ended = source.kind === "random";
    let failure: unknown;
    for (;;) {
      await hooks.whileActive();
      if (failure) throw failure;
      let part = [...this.#parts.values()].find((p) => p.state === "pending");
      if (!part && ended) {
        if (!this.#running.size) break;
        await Promise.race(this.#running);
        continue;
      }
      let release = ctx.semaphore.tryAcquire();
      if (!release) {
        hooks.opened(); // waiting for a slot: the next upload may open meanwhile
        release = await ctx.semaphore.acquire(hooks.cancelled);
      }
      if (hooks.run().aborted || failure) {
        release();
        continue;
      }
      if (!part && source.kind === "sequential") {
        try {
          part = await this.#readPart(source, next, partSize, single);
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
      if (!part) {
        release();
        continue;
      }
      const task: Promise<void> = this.#sendPart(part, urls)
        .catch((error: unknown) => void (failure ??= error))
        .finally(() => {
          release();
          this.#running.delete(task);
        });
      this.#running.add(task);
    }

    const parts = [...this.#parts.values()].sort((a, b) => a.n - b.n);
    if (session.mode === "single") {
      const { key, s3Url, cdnUrl, target } = session;
      return {
        key,
        etag: parts[0]?.etag ?? "",
        size: size ?? 0,
        s3Url,
        ...(cdnUrl !== undefined && { cdnUrl }),
        ...(target && { target }),
      };
    }
    hooks.set({ status: "completing" });
    const list = parts.map(({ n, etag, checksum }) => ({
      partNumber: n,
      etag: etag ?? "",
      ...(checksum && { checksum }),
    }));
    const result = await hooks.attempt(
      () => ctx.call("complete", { ...session.ref, parts: list }, hooks.cancelled),
      hooks.cancelled,
    );
    return ctx.checksum ? { ...result, checksumVerified: parts.every((p) => p.verified === true) } : result;
  }

  /** The parts of a random-access source; those S3 already holds (resume) are done. */
  #plan(size: number, partSize: number, single: boolean): void {
    const stored = new Map(this.session.mode === "multipart" ? this.session.done.map((p) => [p.partNumber, p]) : []);
    const count = single ? 1 : partCount(size, partSize);
    for (let n = 1; n <= count; n++) {
      const { start, end } = single ? { start: 0, end: size } : partRange(n, partSize, size);
      const part: Part = { n, start, size: end - start, loaded: 0, state: "pending" };
      const done = stored.get(n);
      if (done) {
        // S3 keeps a part's checksum only after verifying it: a listed checksum is a verified part.
        Object.assign(
          part,
          { state: "done", etag: done.etag, verified: done.checksum !== undefined },
          done.checksum && { checksum: done.checksum },
        );
        this.#doneBytes += part.size;
        this.#partsDone++;
      }
      this.#parts.set(n, part);
    }
  }

  #progress(): void {
    let loaded = this.#doneBytes;
    for (const part of this.#active) loaded += part.loaded;
    this.hooks.progress(loaded);
  }

  /**
   * Parts to sign along with a batch, when their sizes (and no checksums) are known in advance:
   * every part not done yet of a random-access source (running ones included: they may still be
   * reading their bytes); the next part numbers of a stream, sized by the plan (a stream of
   * unknown length is assumed to go on in full parts).
   */
  #lookahead(
    after: number,
    room: number,
    partSize: number,
    size: number | null,
    count: number | null,
  ): Array<{ partNumber: number; size: number }> {
    if (this.ctx.checksum) return [];
    const out: Array<{ partNumber: number; size: number }> = [];
    if (this.source.kind === "random") {
      for (const part of this.#parts.values()) {
        if (out.length >= room) break;
        if (part.state !== "done") out.push({ partNumber: part.n, size: part.size });
      }
      return out;
    }
    for (let n = after + 1; n <= (count ?? 10_000) && out.length < room; n++) {
      const range = size === null ? { start: 0, end: partSize } : partRange(n, partSize, size);
      out.push({ partNumber: n, size: range.end - range.start });
    }
    return out;
  }

  /** The next part of a sequential source (which checks its declared size), or undefined at its end. */
  async #readPart(source: SequentialSource, n: number, partSize: number, single: boolean): Promise<Part | undefined> {
    const size = source.size;
    const range =
      size === null ? { start: 0, end: partSize } : single ? { start: 0, end: size } : partRange(n, partSize, size);
    const body = await source.read(range.end - range.start);
    if (size === null && !body.byteLength && n > 1) {
      this.hooks.set({ total: this.#doneBytes, partCount: n - 1 });
      return undefined;
    }
    const part: Part = { n, start: (n - 1) * partSize, size: body.byteLength, body, loaded: 0, state: "pending" };
    this.#parts.set(n, part);
    if (size === null && body.byteLength < partSize) this.hooks.set({ total: part.start + part.size, partCount: n });
    return part;
  }

  async #sendPart(part: Part, urls: PartUrls | SignedUrl): Promise<void> {
    const { hooks, ctx } = this;
    const signal = hooks.run();
    part.state = "running";
    this.#active.add(part);
    const reset = (): void => {
      part.loaded = 0;
      this.#progress();
    };
    const attempt = {
      ctx,
      source: this.source,
      urls,
      signal,
      onSend: () => hooks.opened(),
      onProgress: (loaded: number) => {
        part.loaded = Math.min(loaded, part.size);
        this.#progress();
      },
    };
    let etag: string | null;
    let checksumEchoed: boolean;
    try {
      ({ etag, checksumEchoed } = await hooks.attempt(() => sendPartOnce(part, attempt), signal, part.n, reset));
      const unverified = part.checksum !== undefined && !checksumEchoed;
      // Warnings (and their messages) are loaded only when there is one; the part stays in flight meanwhile.
      if (etag === null || unverified) {
        const warnings = await import("./warnings.js").catch(() => undefined);
        warnings?.warnAbout(part.n, etag === null, unverified, hooks.warn);
      }
    } catch (error) {
      part.loaded = 0;
      if (signal.reason === PAUSE && !hooks.cancelled.aborted) {
        part.state = "pending";
        return;
      }
      throw error;
    } finally {
      this.#active.delete(part);
    }
    if (part.checksum !== undefined) part.verified = checksumEchoed;
    part.state = "done";
    part.etag = etag ?? "";
    if (part.body) this.source.release?.(part.body);
    delete part.body;
    this.#doneBytes += part.size;
    hooks.set({ partsDone: ++this.#partsDone });
    this.#progress();
    hooks.partDone(part as Part & { etag: string });
  }
}
