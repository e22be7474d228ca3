/**
 * The protocol's operations, one table: `signer.run(op, ...)` and its typed
 * methods (`signer.create`...) both dispatch through it, and `handleS3Edge`
 * calls `signer.run`. Each operation validates its own input (`unknown` on the
 * way in), so no cast is needed between the wire and the code.
 */
import type { Operation, UrlResponse } from "../core/protocol.js";
import { keyProblem } from "../core/keys.js";
import type { SignerRuntime } from "./context.js";
import { SignerError } from "./errors.js";
import { createUpload } from "./op-create.js";
import { createMany } from "./op-create-many.js";
import { abortUpload, completeUpload, listParts, signParts } from "./op-multipart.js";
import { MAX_URL_LIFETIME_MS } from "./options.js";
import { presignGetObject } from "./presign.js";
import type { OperationResults, SignerContext } from "./types.js";
import { isRecord } from "./validate.js";

/** One operation: the runtime, the unchecked input, the caller. */
export type OperationHandler<O extends Operation> = (
  rt: SignerRuntime,
  input: unknown,
  ctx: SignerContext,
) => Promise<OperationResults[O]>;

/** Every operation of the protocol, by name. */
export type OperationTable = { readonly [O in Operation]: OperationHandler<O> };

/** A presigned GET of `key`, valid `expiresInMs` (default the signer's `urlExpiresInMs`). */
export async function presignGet(rt: SignerRuntime, key: unknown, expiresInMs?: number): Promise<UrlResponse> {
  const problem = typeof key === "string" ? keyProblem(key) : "key must be a string";
  if (problem !== undefined || typeof key !== "string")
    throw new SignerError("InvalidKey", `invalid key: ${problem ?? "key must be a string"}`);
  if (
    expiresInMs !== undefined &&
    (!Number.isSafeInteger(expiresInMs) || expiresInMs < 1000 || expiresInMs > MAX_URL_LIFETIME_MS)
  ) {
    throw new SignerError(
      "BadRequest",
      `expiresInMs must be an integer number of milliseconds from 1000 to ${MAX_URL_LIFETIME_MS}`,
    );
  }
  const timing = rt.timing(expiresInMs);
  const url = await presignGetObject(rt.aws, rt.bucket, key, timing);
  return { url, expiresAt: timing.expiresAt };
}

/** The `url` operation: the application's `read` decides, then a presigned GET. */
async function readUrl(rt: SignerRuntime, input: unknown, ctx: SignerContext): Promise<UrlResponse> {
  const { read } = rt.options;
  if (read === undefined) {
    throw new SignerError("NotAuthorized", "reading through this endpoint is not enabled", { status: 403 });
  }
  const key = isRecord(input) ? input.key : undefined;
  if (typeof key !== "string") throw new SignerError("BadRequest", "key must be a string");
  const problem = keyProblem(key);
  if (problem !== undefined) throw new SignerError("InvalidKey", `invalid key: ${problem}`);
  if ((await read(key, ctx)) !== true) {
    throw new SignerError("NotAuthorized", "not allowed to read this key", { status: 403 });
  }
  return presignGet(rt, key);
}

/** The table. */
export const OPERATIONS: OperationTable = Object.freeze({
  create: createUpload,
  createMany,
  sign: signParts,
  list: listParts,
  complete: completeUpload,
  abort: abortUpload,
  url: readUrl,
});
