/**
 * The `createMany` operation: several `create`s in one round trip. Each file
 * goes through exactly the path of a lone `create` (validation, limits, the
 * application's `check`, `chooseTarget` and `keyPolicy`), and fails alone: its
 * result is then the error a lone `create` would have answered, with its status.
 * A batch of small files saves a request per file; clients send one only to a
 * server that announced `createMany` in a `create` answer.
 */
import { MAX_FILES_PER_CREATE, type CreateManyError, type CreateManyResponse } from "../core/protocol.js";
import type { SignerRuntime } from "./context.js";
import { SignerError, toSignerError } from "./errors.js";
import { createUpload } from "./op-create.js";
import type { SignerContext } from "./types.js";
import { isRecord } from "./validate.js";

/**
 * Files of one batch opened at once. Small files are signed without a request to S3; large ones
 * each start a multipart upload on S3, and a batch asks S3 for at most this many at once.
 */
const FILES_AT_ONCE = 4;

/** The error behind a failed file's result, for the handler's `onError` (a symbol key: never serialized). */
export const ITEM_ERROR: unique symbol = Symbol("s3edge.createMany.error");

/** A failed file's result, carrying its error for `onError` under {@link ITEM_ERROR}. */
export type FailedFile = CreateManyError & { [ITEM_ERROR]?: SignerError };

function failed(error: SignerError): FailedFile {
  return { error: { code: error.code, message: error.message }, status: error.status, [ITEM_ERROR]: error };
}

/** Run `createMany` (the input is validated here; each file as `create` validates it). */
export async function createMany(rt: SignerRuntime, req: unknown, ctx: SignerContext): Promise<CreateManyResponse> {
  const files = isRecord(req) ? req.files : undefined;
  if (!Array.isArray(files) || files.length === 0 || files.length > MAX_FILES_PER_CREATE) {
    throw new SignerError("BadRequest", `files must be an array of 1 to ${MAX_FILES_PER_CREATE} create requests`);
  }
  const results: CreateManyResponse["results"] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      try {
        results[index] = await createUpload(rt, files[index], ctx);
      } catch (error) {
        results[index] = failed(toSignerError(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILES_AT_ONCE, files.length) }, worker));
  return { results };
}
