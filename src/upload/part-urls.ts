/**
 * Presigned part URLs for one multipart upload, signed in batches ahead of need.
 *
 * Requests for URLs made in the same turn of the event loop travel in one
 * `sign` call, joined by up to {@link MAX_BATCH} parts the upload will need next
 * (its `lookahead`), so a 1,000-part upload costs about ten signing round trips.
 * A URL close to its expiry, or refused by S3 as expired (`invalidate`), is
 * signed again. URLs live in memory only: they are never stored or logged.
 */
import { EndpointError } from "../core/errors.js";
import type { SignedPart, SignPart, SignResponse } from "../core/protocol.js";

/** Most parts one `sign` call asks for (the server's limit too). */
export const MAX_BATCH = 100;
/** A URL is not handed out when it expires within this margin (server time)... */
const EXPIRY_MARGIN_MS = 60_000;
/** ...unless it was signed this recently (tolerates a client clock that runs ahead). */
const FRESH_MS = 30_000;

/** A presigned URL and when it expires (epoch ms, server time). */
export interface SignedUrl extends SignedPart {
  expiresAt: number;
}

interface Entry extends SignedUrl {
  size: number;
  checksum: string | undefined;
  expiresAt: number;
  signedAt: number;
}

interface Inflight {
  part: SignPart;
  promise: Promise<void>;
}

/** Options of {@link PartUrls}. */
export interface PartUrlsOptions {
  /** Calls `sign` (with the caller's retry policy). */
  sign: (parts: SignPart[]) => Promise<SignResponse>;
  /** Parts to sign along with a batch whose highest part number is `after`. */
  lookahead?: (after: number, room: number) => SignPart[];
  /** Server time (epoch ms), which `expiresAt` is in. Default `Date.now`. */
  now?: () => number;
}

/** Presigned URLs of one upload's parts. */
export class PartUrls {
  readonly #options: PartUrlsOptions;
  readonly #now: () => number;
  readonly #cache = new Map<number, Entry>();
  readonly #inflight = new Map<number, Inflight>();
  #batch = new Map<number, SignPart>();
  #batchPromise: Promise<void> | undefined;
  /** Whether to sign parts ahead (false once the server refused a batch with guessed parts). */
  #guess = true;

  constructor(options: PartUrlsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** A URL for `part`, signed for its exact size and checksum. */
  async get(part: SignPart): Promise<SignedUrl> {
    for (;;) {
      const hit = this.#hit(part);
      if (hit) return hit;
      const inflight = this.#inflight.get(part.partNumber);
      if (inflight && sameSigning(inflight.part, part)) {
        await inflight.promise;
        const signed = this.#hit(part);
        if (signed) return signed;
        throw new EndpointError("sign", `the answer has no URL for part ${part.partNumber}`);
      }
      if (inflight) await inflight.promise.catch(() => undefined);
      else this.#enqueue(part);
    }
  }

  /**
   * Take URLs signed elsewhere (the `create` answer's `signed`, for the first parts), for the
   * parts listed with their sizes: the same as if a `sign` call had answered them.
   */
  seed(parts: SignPart[], answer: SignResponse): void {
    this.#store(parts, answer, this.#now());
  }

  /** Forget the URL of a part (S3 refused it as expired). */
  invalidate(partNumber: number): void {
    this.#cache.delete(partNumber);
  }

  #hit(part: SignPart): SignedUrl | undefined {
    const entry = this.#cache.get(part.partNumber);
    if (!entry || !sameSigning(entry, part)) return undefined;
    const now = this.#now();
    if (entry.expiresAt - now < EXPIRY_MARGIN_MS && now - entry.signedAt > FRESH_MS) return undefined;
    return { url: entry.url, headers: entry.headers, expiresAt: entry.expiresAt };
  }

  #enqueue(part: SignPart): void {
    this.#batch.set(part.partNumber, part);
    this.#batchPromise ??= new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => this.#flush());
    this.#track(part, this.#batchPromise);
  }

  #track(part: SignPart, promise: Promise<void>): void {
    promise.catch(() => undefined);
    this.#inflight.set(part.partNumber, { part, promise });
  }

  async #flush(): Promise<void> {
    const promise = this.#batchPromise as Promise<void>;
    const parts = [...this.#batch.values()];
    this.#batch = new Map();
    this.#batchPromise = undefined;
    const requested = parts.length;
    const highest = Math.max(...parts.map((p) => p.partNumber));
    for (const extra of (this.#guess && this.#options.lookahead?.(highest, MAX_BATCH - parts.length)) || []) {
      if (parts.length >= MAX_BATCH) break;
      if (this.#hit(extra) || this.#inflight.has(extra.partNumber)) continue;
      parts.push(extra);
      this.#track(extra, promise);
    }
    try {
      for (let i = 0; i < parts.length; i += MAX_BATCH) {
        let chunk = parts.slice(i, i + MAX_BATCH);
        const signedAt = this.#now();
        let answer: SignResponse;
        try {
          answer = await this.#options.sign(chunk);
        } catch (error) {
          // Parts signed ahead are a guess (a stream's length, the server's part limit):
          // when the server refuses the batch, ask again for the parts really needed.
          if (requested === chunk.length || !(error instanceof EndpointError) || error.retryable) throw error;
          this.#guess = false; // once refused, sign only what is needed
          chunk = chunk.slice(0, requested);
          answer = await this.#options.sign(chunk);
        }
        this.#store(chunk, answer, signedAt);
      }
    } finally {
      for (const part of parts) {
        if (this.#inflight.get(part.partNumber)?.promise === promise) this.#inflight.delete(part.partNumber);
      }
    }
  }

  #store(parts: SignPart[], answer: SignResponse, signedAt: number): void {
    for (const part of parts) {
      const signed = answer.urls[String(part.partNumber)];
      if (!signed || typeof signed.url !== "string") continue;
      this.#cache.set(part.partNumber, {
        url: signed.url,
        headers: signed.headers ?? {},
        size: part.size,
        checksum: part.checksum,
        expiresAt: answer.expiresAt,
        signedAt,
      });
    }
  }
}

function sameSigning(a: { size: number; checksum?: string | undefined }, b: SignPart): boolean {
  return a.size === b.size && a.checksum === b.checksum;
}

/** A 403 on a URL this close to its expiry (or past it) is taken for an expired URL, whatever S3's message. */
const EXPIRED_MARGIN_MS = 10_000;

/**
 * True when a URL that expires at `expiresAt` should be considered expired at
 * server time `now`: S3 (or Ceph RGW, whose "expired" 403 has no message)
 * refused it for its age, so signing it again is worth one more attempt.
 */
export function pastExpiry(expiresAt: number, now: number): boolean {
  return now >= expiresAt - EXPIRED_MARGIN_MS;
}
