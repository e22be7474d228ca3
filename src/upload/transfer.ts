/**
 * Moving one upload's bytes: plan the parts, dispatch them lowest-first through
 * the uploader's shared semaphore, read each part's bytes, get its URL, PUT it
 * with retries, and finally `complete`. The lifecycle around it (session,
 * pause, cancel, cleanup, state) is `upload.ts`'s.
 */
import { AbortError, S3EdgeError, S3Error } from "../core/errors.js";
import { partCount, partRange } from "../core/parts.js";
import type { SignedPart, UploadResult } from "../core/protocol.js";
import type { UploadContext } from "./context.js";
import { PartUrls } from "./part-urls.js";
import { isExpiredUrl, putPart } from "./put-part.js";
import type { Session } from "./session.js";
import type { PartBody, UploadSource, UploadState } from "./types.js";

/** A part's bookkeeping. */
export interface Part {
  n: number;
  start: number;
  size: number;
  body?: PartBody;
  etag?: string;
  checksum?: string;
  loaded: number;
  state: "pending" | "running" | "done";
}

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
  /** Run with the upload's retry policy; `beforeRetry` runs before each wait. */
  attempt<T>(fn: () => Promise<T>, signal: AbortSignal, partNumber?: number, beforeRetry?: () => void): Promise<T>;
  set(patch: Partial<UploadState>): void;
  /** Bytes done or in flight changed. */
  progress(loaded: number): void;
  /** A part is stored on S3. */
  partDone(part: Part & { etag: string }): void;
}

const changed = (what: string): S3EdgeError =>
  new S3EdgeError("SourceChanged", `The source changed while it was uploaded: ${what}`);

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
  async run(): Promise<UploadResult> {
    const { session, source, ctx, hooks } = this;
    const size = source.size;
    const single = session.mode === "single";
    const partSize = single ? Math.max(size ?? 0, 1) : session.partSize;
    const count = size === null ? null : single ? 1 : partCount(size, partSize);
    const stored = new Map(single ? [] : session.done.map((p) => [p.partNumber, p]));
    for (let n = 1; count !== null && n <= count && source.slice; n++) {
      const { start, end } = single ? { start: 0, end: size ?? 0 } : partRange(n, partSize, size ?? 0);
      const part: Part = { n, start, size: end - start, loaded: 0, state: "pending" };
      const done = stored.get(n);
      if (done) {
        Object.assign(part, { state: "done", etag: done.etag }, done.checksum && { checksum: done.checksum });
        this.#doneBytes += part.size;
        this.#partsDone++;
      }
      this.#parts.set(n, part);
    }
    hooks.set({ partCount: count, partsDone: this.#partsDone });
    this.#progress();

    const urls =
      session.mode === "multipart"
        ? new PartUrls({
            sign: (parts) => hooks.attempt(() => ctx.call("sign", { ...session.ref, parts }, hooks.cancelled), hooks.cancelled),
            lookahead: (after, room) => this.#lookahead(after, room, partSize, size, count),
          })
        : undefined;

    let next = 1;
    let ended = false;
    let failure: unknown;
    for (;;) {
      await hooks.whileActive();
      if (failure) throw failure;
      let part = [...this.#parts.values()].find((p) => p.state === "pending");
      if (!part && (source.slice || ended)) {
        if (!this.#running.size) break;
        await Promise.race(this.#running);
        continue;
      }
      const release = await ctx.semaphore.acquire(hooks.cancelled);
      if (hooks.run().aborted || failure) {
        release();
        continue;
      }
      if (!part) {
        try {
          part = await this.#readPart(next, partSize, count);
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
      const { key, s3Url, cdnUrl } = session;
      return { key, etag: parts[0]?.etag ?? "", size: size ?? 0, s3Url, ...(cdnUrl !== undefined && { cdnUrl }) };
    }
    hooks.set({ status: "completing" });
    const list = parts.map(({ n, etag, checksum }) => ({ partNumber: n, etag: etag ?? "", ...(checksum && { checksum }) }));
    return hooks.attempt(() => ctx.call("complete", { ...session.ref, parts: list }, hooks.cancelled), hooks.cancelled);
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
  #lookahead(after: number, room: number, partSize: number, size: number | null, count: number | null): Array<{ partNumber: number; size: number }> {
    if (this.ctx.checksum) return [];
    const out: Array<{ partNumber: number; size: number }> = [];
    if (this.source.slice) {
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

  /** The next part of a sequential source, or undefined at its end. */
  async #readPart(n: number, partSize: number, count: number | null): Promise<Part | undefined> {
    const size = this.source.size;
    const read = this.source.read as (n: number) => Promise<Uint8Array>;
    const range = size === null ? { start: 0, end: partSize } : partRange(n, partSize, size);
    const expected = range.end - range.start;
    const body = await read(expected);
    if (size !== null && body.byteLength !== expected) throw changed(`expected ${size} bytes, the stream ended early`);
    if (size !== null && n === count && (await read(1)).byteLength) throw changed(`the stream is longer than ${size} bytes`);
    if (size === null && !body.byteLength && n > 1) {
      this.hooks.set({ total: this.#doneBytes, partCount: n - 1 });
      return undefined;
    }
    const part: Part = { n, start: (n - 1) * partSize, size: body.byteLength, body, loaded: 0, state: "pending" };
    this.#parts.set(n, part);
    if (size === null && body.byteLength < partSize) this.hooks.set({ total: part.start + part.size, partCount: n });
    return part;
  }

  async #sendPart(part: Part, urls: PartUrls | undefined): Promise<void> {
    const { hooks, ctx, session } = this;
    const signal = hooks.run();
    part.state = "running";
    this.#active.add(part);
    const reset = (): void => {
      part.loaded = 0;
      this.#progress();
    };
    try {
      part.etag = await hooks.attempt(
        async () => {
          const sign = (): Promise<SignedPart> =>
            session.mode === "single"
              ? Promise.resolve({ url: session.url, headers: session.headers })
              : (urls as PartUrls).get({ partNumber: part.n, size: part.size, ...(part.checksum && { checksum: part.checksum }) });
          // Without a checksum the URL does not depend on the bytes: ask first, so that parts
          // starting together share one signing round trip while their bytes are read.
          const early = ctx.checksum ? undefined : sign();
          early?.catch(() => undefined);
          let body = part.body ?? (await (this.source.slice as NonNullable<UploadSource["slice"]>)(part.start, part.start + part.size));
          if (ctx.checksum && part.checksum === undefined) {
            body = body instanceof Uint8Array ? body : new Uint8Array(await body.arrayBuffer());
            // Loaded on first use: applications without checksums do not ship CRC32's tables.
            const { crc32, crc32ToBase64 } = await import("../core/crc32.js");
            part.checksum = crc32ToBase64(crc32(body));
          }
          const signed = await (early ?? sign());
          try {
            return await putPart({
              transport: ctx.transport,
              ...signed,
              body,
              signal,
              stallTimeoutMs: ctx.stallTimeoutMs,
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
          } finally {
            // The request is over: a body read for this attempt goes back to the source's pool.
            if (!part.body) this.source.release?.(body);
          }
        },
        signal,
        part.n,
        reset,
      );
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
    part.state = "done";
    if (part.body) this.source.release?.(part.body);
    delete part.body;
    this.#doneBytes += part.size;
    hooks.set({ partsDone: ++this.#partsDone });
    this.#progress();
    hooks.partDone(part as Part & { etag: string });
  }
}
