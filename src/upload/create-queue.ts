/**
 * Opening uploads with as few requests as the server allows. Until a `create`
 * answer says the server has `createMany`, each upload sends its own `create`
 * at once (the first upload of a batch must not wait for the others). After
 * that, the creates asked for within one task leave together, one `createMany`
 * per 16 files (or the server's smaller limit): 20 files added at once cost
 * 2 to 6 requests instead of 20, and the server and the browser handle fewer
 * requests while the first PUTs run. Each file still fails, retries and is
 * cancelled alone.
 */
import { InternalError, isS3EdgeError } from "../core/errors.js";
import { createManyLimit, type CreateFile, type CreateManyError, type CreateResponse } from "../core/protocol.js";
import type { EndpointCall } from "../endpoint/client.js";

/** Opens one upload: answers its `create` result, or rejects with the error a lone `create` would have. */
export type CreateCall = (file: CreateFile, signal: AbortSignal) => Promise<CreateResponse>;

/** Runs `flush` after the current task (the default: `setTimeout(flush, 0)`). */
export type FlushScheduler = (flush: () => void) => void;

interface Waiting {
  file: CreateFile;
  signal: AbortSignal;
  resolve(answer: CreateResponse): void;
  reject(error: unknown): void;
  /** Stops listening to `signal`. */
  done(): void;
}

/** What {@link createQueue} needs. */
export interface CreateQueueOptions {
  call: EndpointCall;
  /** The error of one file a `createMany` answer refused (the endpoint's error of a lone `create`). */
  fileError(result: CreateManyError): Error;
  /** Most files per request the server announced so far (default 0: none, each create alone until one is announced). */
  most?: number;
  schedule?: FlushScheduler;
}

/**
 * Most bytes of files' JSON in one `createMany`: the server reads at most 64 KiB of a request, and
 * 16 files with 1 KiB names and 2 KB of metadata each would need more.
 */
export const BATCH_BYTES = 48 * 1024;

const encoder = new TextEncoder();

/** Whether an answer is a file's failure. */
const isFailure = (result: CreateResponse | CreateManyError): result is CreateManyError => "error" in result;

/** A {@link CreateCall} that sends several files per request once the server says it can. */
export function createQueue({
  call,
  fileError,
  most: announced = 0,
  schedule = (flush) => void setTimeout(flush, 0),
}: CreateQueueOptions): CreateCall {
  /** Most files per request: 0 until a `create` answer announces `createMany`. */
  let most = createManyLimit(announced);
  let waiting: Waiting[] = [];
  let scheduled = false;

  const learn = (answer: CreateResponse): CreateResponse => {
    most = createManyLimit(answer.createMany);
    return answer;
  };

  const alone = (w: Waiting): void => {
    call("create", w.file, w.signal).then(
      (answer) => {
        w.done();
        w.resolve(learn(answer));
      },
      (error: unknown) => {
        w.done();
        w.reject(error);
      },
    );
  };

  /** A file cancelled while its `createMany` was on its way: its multipart upload is aborted (best effort). */
  const abandon = (answer: CreateResponse): void => {
    if (answer.mode !== "multipart") return;
    const { key, uploadId, token } = answer;
    call("abort", { key, uploadId, token }, AbortSignal.timeout(60_000)).catch(() => undefined);
  };

  const together = (group: Waiting[]): void => {
    // The request is cancelled only when every file in it is.
    const controller = new AbortController();
    const onAbort = (): void => {
      if (group.every((w) => w.signal.aborted)) controller.abort();
    };
    for (const w of group) w.signal.addEventListener("abort", onAbort, { once: true });
    const settled = (): void => {
      for (const w of group) {
        w.signal.removeEventListener("abort", onAbort);
        w.done();
      }
    };
    call("createMany", { files: group.map((w) => w.file) }, controller.signal).then(
      ({ results }) => {
        settled();
        group.forEach((w, i) => {
          const result = results[i];
          if (result === undefined) {
            w.reject(
              new InternalError(`the signing endpoint answered ${results.length} results for ${group.length} files`),
            );
          } else if (isFailure(result)) {
            w.reject(fileError(result));
          } else if (w.signal.aborted) {
            abandon(result);
          } else {
            w.resolve(learn(result));
          }
        });
      },
      (error: unknown) => {
        settled();
        if (isS3EdgeError(error) && (error.status === 400 || error.status === 413)) {
          // The server no longer knows `createMany` (an older version deployed meanwhile), or takes
          // smaller requests than this one: one by one.
          most = 0;
          for (const w of group) if (!w.signal.aborted) alone(w);
          return;
        }
        for (const w of group) w.reject(error);
      },
    );
  };

  const send = (group: Waiting[]): void => {
    if (group.length === 1) alone(group[0] as Waiting);
    else if (group.length > 1) together(group);
  };

  const flush = (): void => {
    scheduled = false;
    const ready = waiting.filter((w) => !w.signal.aborted);
    waiting = [];
    // Groups of at most `most` files and BATCH_BYTES of JSON (long names and metadata make fewer per request).
    let group: Waiting[] = [];
    let bytes = 0;
    for (const w of ready) {
      const size = encoder.encode(JSON.stringify(w.file)).byteLength + 1;
      if (group.length >= most || (group.length > 0 && bytes + size > BATCH_BYTES)) {
        send(group);
        group = [];
        bytes = 0;
      }
      group.push(w);
      bytes += size;
    }
    send(group);
  };

  return (file, signal) =>
    new Promise<CreateResponse>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        waiting = waiting.filter((w) => w !== entry);
        reject(signal.reason);
      };
      const entry: Waiting = {
        file,
        signal,
        resolve,
        reject,
        done: () => signal.removeEventListener("abort", onAbort),
      };
      signal.addEventListener("abort", onAbort, { once: true });
      if (most < 2) return alone(entry); // not known to have createMany: at once, alone
      waiting.push(entry);
      if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    });
}
