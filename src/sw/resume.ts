/**
 * A CDN body that breaks or goes silent half-way goes on from S3: the worker
 * reads the CDN's answer (readable answers only: `cors` mode), and when the
 * stream errors or no byte comes for `idleMs` while the page waits for one, it
 * asks S3 for the rest (`Range: bytes=<next>-<end>`) and splices it in. The
 * page (a `fetch()`, a `<video>`) sees one answer with every byte in order.
 *
 * The splice is only made when it is known to be right: S3 must answer 206 with
 * exactly the missing length, and the same `ETag` when both hosts expose one
 * (`Access-Control-Expose-Headers: ETag`); otherwise the body errors, as it would have.
 */

/** Where a readable CDN answer sits in the object: first byte, last byte (inclusive), size. */
export interface Span {
  start: number;
  end: number | undefined;
  size: number | undefined;
}

/** The byte range a request asks for (`Range: bytes=<start>-[<end>]`), if any. */
export function requestedRange(request: Request): { start: number; end: number | undefined } | undefined {
  const m = /^bytes=(\d+)-(\d*)$/.exec(request.headers.get("range") ?? "");
  return m ? { start: Number(m[1]), end: m[2] ? Number(m[2]) : undefined } : undefined;
}

/**
 * The span of a readable 200 or 206 answer; undefined when it cannot be known.
 * `Content-Range` is visible to the worker only when the host exposes it;
 * otherwise a 206 to `bytes=<start>-` is placed by its length.
 */
export function spanOf(response: Response, asked?: { start: number; end: number | undefined }): Span | undefined {
  const length = response.headers.get("content-length");
  const size = length === null ? undefined : Number(length);
  if (response.status === 200) return { start: 0, end: size === undefined ? undefined : size - 1, size };
  if (response.status !== 206) return undefined;
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
  if (range !== null)
    return { start: Number(range[1]), end: Number(range[2]), size: range[3] === "*" ? undefined : Number(range[3]) };
  if (asked === undefined || size === undefined) return undefined;
  const end = asked.start + size - 1;
  return { start: asked.start, end, size: asked.end === undefined ? end + 1 : undefined };
}

/**
 * An answer the worker builds itself with `body`: it has the page's URL (a
 * `<video>` refuses ranges of one resource from two origins), the visible
 * headers of `response`, and the `Content-Range` of `span` for a 206.
 */
export function rebuilt(response: Response, body: ReadableStream<Uint8Array> | null, span: Span | undefined): Response {
  const headers = new Headers(response.headers);
  headers.set("accept-ranges", "bytes");
  if (response.status === 206 && span?.end !== undefined)
    headers.set("content-range", `bytes ${span.start}-${span.end}/${span.size ?? "*"}`);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/** Fetch the rest of the object from S3: bytes `from`..`end` (to the end when undefined). */
export type FetchRest = (from: number, end: number | undefined) => Promise<Response>;

const etag = (response: Response): string | undefined => response.headers.get("etag")?.replace(/^W\//, "") || undefined;

/** Why the CDN's body was given up: it errored, or stayed silent. */
export type BreakReason = "network" | "timeout";

/**
 * `response` (a readable 200/206 from a CDN, spanning `span`) with a body that
 * goes on from S3 when the CDN's breaks; `onBreak` is told before S3 is asked.
 */
export function resumable(
  response: Response,
  span: Span,
  idleMs: number,
  rest: FetchRest,
  onBreak: (reason: BreakReason) => void,
): Response {
  const body = response.body;
  if (body === null) return response;
  let reader = body.getReader();
  let next = span.start;
  let spliced = false;
  const silent = Symbol("silent");

  async function splice(reason: BreakReason, cause: unknown): Promise<void> {
    reader.cancel().catch(() => undefined);
    onBreak(reason);
    const s3 = await rest(next, span.end);
    const missing = span.end === undefined ? undefined : span.end - next + 1;
    const length = s3.headers.get("content-length");
    const tag = etag(response);
    const good =
      s3.status === 206 &&
      (missing === undefined || length === null || Number(length) === missing) &&
      (tag === undefined || etag(s3) === undefined || etag(s3) === tag);
    if (!good || s3.body === null) {
      s3.body?.cancel().catch(() => undefined);
      throw cause;
    }
    reader = s3.body.getReader();
    spliced = true;
  }

  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = spliced
            ? await reader.read()
            : await Promise.race([
                reader.read(),
                new Promise<never>((_, reject) => {
                  timer = setTimeout(() => reject(silent), idleMs);
                }),
              ]);
        } catch (error) {
          if (spliced) throw error;
          await splice(
            error === silent ? "timeout" : "network",
            error === silent ? new TypeError("CDN body stalled") : error,
          );
          continue;
        } finally {
          clearTimeout(timer);
        }
        if (chunk.done) {
          controller.close();
          return;
        }
        next += chunk.value.byteLength;
        controller.enqueue(chunk.value);
        return;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return rebuilt(response, stream, span);
}
