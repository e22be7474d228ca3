/**
 * The `create` operation: validate, apply the limits and the application's
 * check, choose the key, then answer either one presigned PUT (small files)
 * or a new multipart upload with its token.
 */
import { ConfigError } from "../core/errors.js";
import { keyProblem, sanitizeFilename } from "../core/keys.js";
import { partCount, partRange } from "../core/parts.js";
import { MAX_FILES_PER_CREATE, REQUEST_ID, TARGET_ID } from "../core/protocol.js";
import type { CreateResponse } from "../core/protocol.js";
import type { SignerRuntime } from "./context.js";
import { SignerError, fromS3Error, internalError } from "./errors.js";
import { checkCreate, planPartSize } from "./limits.js";
import { presignPut } from "./presign.js";
import { signBatch } from "./sign-batch.js";
import { uploadsOfKey } from "./siblings.js";
import type { CreateInput, SignerContext } from "./types.js";
import { validateCreate } from "./validate.js";

/**
 * The default key policy: `uploads/<uuid>/<sanitized file name>`. The uuid is `input.requestKey`
 * when the client sent a `requestId` (so a retried create gets the same key), else random.
 */
export function defaultKeyPolicy(input: CreateInput): string {
  return `uploads/${input.requestKey ?? globalThis.crypto.randomUUID()}/${sanitizeFilename(input.filename)}`;
}

/** The create's `requestId`, checked (`BadRequest` unless absent or 16..64 of `[A-Za-z0-9_-]`). */
function validRequestId(req: unknown): string | undefined {
  const id = typeof req === "object" && req !== null ? (req as Record<string, unknown>).requestId : undefined;
  if (id === undefined) return undefined;
  if (typeof id !== "string" || !REQUEST_ID.test(id)) {
    throw new SignerError(
      "BadRequest",
      "requestId must be 16 to 64 characters of A-Z, a-z, 0-9, '_' and '-' when given",
    );
  }
  return id;
}

/** The target the client prefers, when it is one of the signer's (anything else is ignored, never an error). */
function preferredTarget(req: unknown, ids: readonly string[]): string | undefined {
  const id = typeof req === "object" && req !== null ? (req as Record<string, unknown>).target : undefined;
  return typeof id === "string" && TARGET_ID.test(id) && ids.includes(id) ? id : undefined;
}

/**
 * The runtime of the target this upload goes to: the application's `chooseTarget`, else the
 * client's preference when it names a configured target, else the first target. A preference
 * is only ever compared with the configured ids: it is never used as a bucket name.
 */
async function chooseTarget(
  rt: SignerRuntime,
  req: unknown,
  input: CreateInput,
  ctx: SignerContext,
): Promise<SignerRuntime> {
  if (rt.targetIds.length < 2) return rt;
  const preferred = preferredTarget(req, rt.targetIds);
  const choose = rt.options.chooseTarget;
  const id = choose === undefined ? preferred : await choose({ preferred, targets: rt.targetIds, input }, ctx);
  const chosen = await rt.at(id);
  if (chosen === undefined) {
    throw internalError(
      new ConfigError(
        "chooseTarget",
        `chooseTarget returned ${JSON.stringify(String(id)).slice(0, 80)}, which is not the id of a target`,
      ),
    );
  }
  return chosen;
}

/**
 * Whether `key` is provably this create's: it holds the request key as a whole path segment,
 * and the client did not supply that value itself (in its file name or metadata), so only this
 * user's retries of this requestId can produce it.
 */
export function isRequestScoped(key: string, input: CreateInput): boolean {
  const rk = input.requestKey;
  if (rk === undefined || !key.split("/").includes(rk)) return false;
  return !input.filename.includes(rk) && !Object.values(input.metadata).some((v) => v.includes(rk));
}

async function chooseKey(rt: SignerRuntime, input: CreateInput, ctx: SignerContext): Promise<string> {
  const policy = rt.options.keyPolicy ?? defaultKeyPolicy;
  const key: unknown = await policy(input, ctx);
  if (typeof key !== "string") throw internalError(new ConfigError("keyPolicy", "keyPolicy did not return a string"));
  const problem = keyProblem(key);
  if (problem !== undefined) {
    // A policy returning an invalid key is a bug of the server, not of the client.
    throw internalError(new ConfigError("keyPolicy", `keyPolicy returned an invalid key: ${problem}`));
  }
  return key;
}

/** Run `create` (the input is validated here). */
export async function createUpload(base: SignerRuntime, req: unknown, ctx: SignerContext): Promise<CreateResponse> {
  const valid = validateCreate(req);
  const requestId = validRequestId(req);
  const input: CreateInput = {
    filename: valid.filename,
    contentType: valid.contentType,
    size: valid.size,
    metadata: valid.metadata,
    ...(requestId === undefined ? {} : { requestId, requestKey: await base.codec.requestKey(ctx.user.id, requestId) }),
  };
  checkCreate(input, base.limits);
  await base.limits.check?.(input, ctx);
  const rt = await chooseTarget(base, req, input, ctx);
  const key = await chooseKey(rt, input, ctx);
  const urls = await rt.urls(key);
  const probes = await rt.probes();
  // `createMany`: this server takes several files in one request (clients learn it here).
  const where = {
    ...(rt.target && { target: rt.target }),
    ...(probes && { targets: probes }),
    createMany: MAX_FILES_PER_CREATE,
  };
  const { signing, bucket } = rt;

  if (input.size !== null && input.size < rt.limits.multipartThreshold) {
    const timing = rt.timing();
    const { url, headers } = await presignPut(
      signing,
      { bucket, key, contentType: input.contentType, size: input.size, metadata: input.metadata },
      timing,
    );
    return { mode: "single", key, url, headers, expiresAt: timing.expiresAt, ...urls, ...where };
  }

  const partSize = planPartSize(input.size, valid.partSize, rt.limits);
  const scoped = isRequestScoped(key, input);
  // A retry of this create whose first answer was lost: S3 may hold its upload already. (A first
  // attempt has none to find: listing is spared. A duplicate started anyway, by a client that did
  // not say `retry`, is aborted at `complete` with the key's other uploads.)
  let uploadId: string | undefined = scoped && valid.retry ? (await uploadsOfKey(rt, key))[0]?.uploadId : undefined;
  if (uploadId === undefined) uploadId = await createMultipart(rt, key, input, valid.checksum);
  const expiresAt = rt.now() + rt.tokenExpiresInMs;
  const token = await rt.codec.issue({
    k: key,
    u: uploadId,
    s: ctx.user.id,
    e: expiresAt,
    z: input.size,
    p: partSize,
    ...(valid.checksum === undefined ? {} : { c: valid.checksum }),
    t: input.contentType,
    ...(scoped ? { r: true as const } : {}),
    ...(rt.target && { g: rt.target.id }),
  });
  // The first parts' URLs, when asked: the client's first PUT then needs no `sign` round trip.
  const first =
    valid.signParts && input.size !== null && !valid.checksum
      ? Math.min(valid.signParts, partCount(input.size, partSize))
      : 0;
  const signed =
    first > 0
      ? await signBatch(
          rt,
          { key, uploadId },
          Array.from({ length: first }, (_, i) => {
            const { start, end } = partRange(i + 1, partSize, input.size as number);
            return { partNumber: i + 1, size: end - start, checksum: undefined };
          }),
        )
      : undefined;
  return { mode: "multipart", key, uploadId, partSize, token, expiresAt, ...(signed && { signed }), ...urls, ...where };
}

/** CreateMultipartUpload; answers the new uploadId. */
async function createMultipart(
  rt: SignerRuntime,
  key: string,
  input: CreateInput,
  checksum: "CRC32" | undefined,
): Promise<string> {
  const { aws, bucket } = rt;
  let uploadId: string | undefined;
  try {
    const out = await aws.client.send(
      new aws.sdk.s3.CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ContentType: input.contentType,
        Metadata: input.metadata,
        ...(checksum === undefined ? {} : { ChecksumAlgorithm: checksum }),
      }),
    );
    uploadId = out.UploadId;
  } catch (error) {
    throw fromS3Error(error);
  }
  if (typeof uploadId !== "string" || uploadId === "") {
    throw new SignerError("InternalError", "S3 answered no UploadId", { status: 502 });
  }
  return uploadId;
}
