/**
 * The `create` operation: validate, apply the limits and the application's
 * check, choose the key, then answer either one presigned PUT (small files)
 * or a new multipart upload with its token.
 */
import { ConfigError } from "../core/errors.js";
import { keyProblem, sanitizeFilename } from "../core/keys.js";
import type { CreateResponse } from "../core/protocol.js";
import type { SignerRuntime } from "./context.js";
import { SignerError, fromS3Error, internalError } from "./errors.js";
import { checkCreate, planPartSize } from "./limits.js";
import { presignPut } from "./presign.js";
import type { CreateInput, SignerContext } from "./types.js";
import { validateCreate } from "./validate.js";

/** The default key policy: `uploads/<uuid>/<sanitized file name>`. */
export function defaultKeyPolicy(input: CreateInput): string {
  return `uploads/${globalThis.crypto.randomUUID()}/${sanitizeFilename(input.filename)}`;
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
export async function createUpload(rt: SignerRuntime, req: unknown, ctx: SignerContext): Promise<CreateResponse> {
  const valid = validateCreate(req);
  const input: CreateInput = {
    filename: valid.filename,
    contentType: valid.contentType,
    size: valid.size,
    metadata: valid.metadata,
  };
  checkCreate(input, rt.limits);
  await rt.limits.check?.(input, ctx);
  const key = await chooseKey(rt, input, ctx);
  const urls = await rt.urls(key);
  const { aws, bucket } = rt;

  if (input.size !== null && input.size < rt.limits.multipartThreshold) {
    const timing = rt.timing();
    const { url, headers } = await presignPut(
      aws,
      { bucket, key, contentType: input.contentType, size: input.size, metadata: input.metadata },
      timing,
    );
    return { mode: "single", key, url, headers, expiresAt: timing.expiresAt, ...urls };
  }

  const partSize = planPartSize(input.size, valid.partSize, rt.limits);
  let uploadId: string | undefined;
  try {
    const out = await aws.client.send(
      new aws.sdk.s3.CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ContentType: input.contentType,
        Metadata: input.metadata,
        ...(valid.checksum === undefined ? {} : { ChecksumAlgorithm: valid.checksum }),
      }),
    );
    uploadId = out.UploadId;
  } catch (error) {
    throw fromS3Error(error);
  }
  if (typeof uploadId !== "string" || uploadId === "") {
    throw new SignerError("InternalError", "S3 answered no UploadId", { status: 502 });
  }
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
  });
  return { mode: "multipart", key, uploadId, partSize, token, expiresAt, ...urls };
}
