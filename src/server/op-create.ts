/**
 * The `create` operation: validate, apply the limits and the application's
 * check, choose the key, then answer either one presigned PUT (small files)
 * or a new multipart upload with its token.
 */
import { CreateMultipartUploadCommand } from "@aws-sdk/client-s3";
import { keyProblem, sanitizeFilename } from "../core/keys.js";
import type { CreateRequest, CreateResponse } from "../core/protocol.js";
import type { SignerCore } from "./context.js";
import { SignerError, fromS3Error, internalError } from "./errors.js";
import { checkCreate, planPartSize } from "./limits.js";
import { presignPut } from "./presign.js";
import type { CreateInput, OpInput, SignerContext } from "./types.js";
import { validateCreate } from "./validate.js";

/** The default key policy: `uploads/<uuid>/<sanitized file name>`. */
export function defaultKeyPolicy(input: CreateInput): string {
  return `uploads/${globalThis.crypto.randomUUID()}/${sanitizeFilename(input.filename)}`;
}

async function chooseKey(core: SignerCore, input: CreateInput, ctx: SignerContext): Promise<string> {
  const policy = core.options.keyPolicy ?? defaultKeyPolicy;
  const key: unknown = await policy(input, ctx);
  const problem = typeof key === "string" ? keyProblem(key) : "keyPolicy did not return a string";
  if (problem !== undefined) {
    // A policy returning an invalid key is a bug of the server, not of the client.
    throw internalError(new TypeError(`s3edge: keyPolicy returned an invalid key: ${problem}`));
  }
  return key as string;
}

/** Run `create`. */
export async function createUpload(core: SignerCore, req: OpInput<CreateRequest>, ctx: SignerContext): Promise<CreateResponse> {
  const valid = validateCreate(req);
  const input: CreateInput = {
    filename: valid.filename,
    contentType: valid.contentType,
    size: valid.size,
    metadata: valid.metadata,
  };
  checkCreate(input, core.limits);
  await core.limits.check?.(input, ctx);
  const key = await chooseKey(core, input, ctx);
  await core.ready();
  const urls = await core.urls(key);
  const { client, bucket } = core;

  if (input.size !== null && input.size < core.limits.multipartThreshold) {
    const timing = core.timing();
    const { url, headers } = await presignPut(
      client,
      { bucket, key, contentType: input.contentType, size: input.size, metadata: input.metadata },
      timing,
    );
    return { mode: "single", key, url, headers, expiresAt: timing.expiresAt, ...urls };
  }

  const partSize = planPartSize(input.size, valid.partSize, core.limits);
  let uploadId: string | undefined;
  try {
    const out = await client.send(
      new CreateMultipartUploadCommand({
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
  const expiresAt = core.now() + core.tokenExpiresIn * 1000;
  const token = await core.codec.issue({
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
