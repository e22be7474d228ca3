/**
 * One attempt at one part (or at the single PUT): get its URL, read its bytes,
 * checksum them when asked, PUT them, and judge S3's answer. A 403 on a URL at
 * or past its expiry (in server time) is an expired URL, whatever the message
 * says: the URL is dropped and the error made retryable, so the retry signs
 * it again. Retries, bookkeeping and state are `transfer.ts`'s.
 */
import { InternalError, S3Error } from "../core/errors.js";
import type { UploadContext } from "./context.js";
import { PartUrls, type SignedUrl } from "./part-urls.js";
import { inBrowser, putPart, type PutOutcome } from "./put-part.js";
import type { PartBody, UploadSource } from "./types.js";

/** A part's bookkeeping. */
export interface Part {
  n: number;
  start: number;
  size: number;
  /** Bytes read ahead (sequential sources), held until the part is stored. */
  body?: PartBody;
  etag?: string;
  checksum?: string;
  /** Whether S3 echoed the part's checksum (only when one was sent). */
  verified?: boolean;
  loaded: number;
  state: "pending" | "running" | "done";
}

/** What an attempt needs besides the part. */
export interface AttemptContext {
  ctx: UploadContext;
  source: UploadSource;
  /** The multipart upload's URLs, or the single PUT's one URL. */
  urls: PartUrls | SignedUrl;
  signal: AbortSignal;
  /** The request was handed to the transport. */
  onSend?(): void;
  onProgress(loaded: number): void;
}

/** Bytes of the part: read ahead, or sliced now. */
function bodyOf(part: Part, source: UploadSource): Promise<PartBody> {
  if (part.body) return Promise.resolve(part.body);
  if (source.kind === "random") return source.slice(part.start, part.start + part.size);
  throw new InternalError(`part ${part.n} of a sequential source was dispatched before its bytes were read`);
}

/** Send `part` once; resolves with S3's answer (the ETag may be `null` only for a single PUT). */
export async function sendPartOnce(part: Part, a: AttemptContext): Promise<PutOutcome> {
  const { ctx, urls, source } = a;
  const multipart = urls instanceof PartUrls;
  const sign = (): Promise<SignedUrl> =>
    multipart
      ? urls.get({ partNumber: part.n, size: part.size, ...(part.checksum && { checksum: part.checksum }) })
      : Promise.resolve(urls);
  // Without a checksum the URL does not depend on the bytes: ask first, so that parts starting
  // together share one signing round trip while their bytes are read. (Waiting for the URL before
  // slicing was measured in Chromium: 256 MiB picked files went from 1.33x Uppy's throughput to
  // 0.91x, so the slice is taken first; see docs/performance.md "Browser uploads".)
  const early = ctx.checksum ? undefined : sign();
  early?.catch(() => undefined);
  let body = await bodyOf(part, source);
  if (ctx.checksum && multipart && part.checksum === undefined) {
    body = body instanceof Uint8Array ? body : new Uint8Array(await body.arrayBuffer());
    // Loaded on first use: applications without checksums do not ship CRC32's tables.
    const { crc32, crc32ToBase64 } = await import("../core/crc32.js");
    part.checksum = crc32ToBase64(crc32(body));
  }
  const signed = await (early ?? sign());
  const what = multipart ? `part ${part.n}` : "the object";
  try {
    const outcome = await putPart({
      transport: ctx.transport,
      url: signed.url,
      headers: signed.headers,
      body,
      signal: a.signal,
      stallTimeoutMs: ctx.stallTimeoutMs,
      what,
      onDate: (date) => a.ctx.clock.observe(date),
      ...(a.onSend && { onSend: a.onSend }),
      onProgress: a.onProgress,
    });
    if (outcome.etag === null && multipart) {
      throw inBrowser()
        ? (await import("./failures.js")).corsETagMissing(what, 200)
        : new S3Error(`S3 answered 2xx for ${what} without an ETag header`, { status: 200 });
    }
    return outcome;
  } catch (error) {
    // A 403 may be an expired URL (rare: loaded only then).
    throw error instanceof S3Error && error.status === 403
      ? (await import("./expired.js")).expiredOr(error, signed, part.n, a)
      : error;
  } finally {
    // The request is over: a body read for this attempt goes back to the source's pool.
    if (!part.body) source.release?.(body);
  }
}
