/**
 * Upload from the server itself (files, buffers, streams) through
 * `@aws-sdk/lib-storage`, which sends parts in parallel with the server's own
 * credentials. A file path is opened with a lazy `import("node:fs")`, so this
 * module loads in runtimes without a file system.
 */
import { AbortMultipartUploadCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import type { PutObjectCommandInput } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { AbortError, InvalidInputError } from "../core/errors.js";
import { assertValidKey } from "../core/keys.js";
import { S3_LIMITS } from "../core/parts.js";
import type { UploadResult } from "../core/protocol.js";
import type { SignerCore } from "./context.js";
import type { ServerUploadBody, ServerUploadOptions } from "./types.js";
import { validateMetadata } from "./validate.js";

async function openBody(
  body: ServerUploadBody,
): Promise<{ body: NonNullable<PutObjectCommandInput["Body"]>; size: number | undefined }> {
  if (typeof body === "string") {
    const fs = await import("node:fs");
    const stat = await fs.promises.stat(body);
    if (!stat.isFile()) throw new InvalidInputError("upload: the path is not a file");
    return { body: fs.createReadStream(body), size: stat.size };
  }
  if (body instanceof Uint8Array) return { body, size: body.byteLength };
  return { body: body as NonNullable<PutObjectCommandInput["Body"]>, size: undefined };
}

/** Upload `body` to `key`; resolves with the stored object. */
export async function serverUpload(
  core: SignerCore,
  key: string,
  input: ServerUploadBody,
  options: ServerUploadOptions = {},
): Promise<UploadResult> {
  assertValidKey(key);
  const metadata = validateMetadata(options.metadata);
  const partSize = options.partSize ?? 8 * 1024 * 1024;
  if (!Number.isSafeInteger(partSize) || partSize < S3_LIMITS.minPartSize || partSize > S3_LIMITS.maxPartSize) {
    throw new InvalidInputError("upload: partSize must be an integer from 5 MiB to 5 GiB");
  }
  const { signal } = options;
  if (signal?.aborted) throw new AbortError();
  const { body, size } = await openBody(input);
  const abortController = new AbortController();
  const upload = new Upload({
    client: core.client,
    params: {
      Bucket: core.bucket,
      Key: key,
      Body: body,
      ContentType: options.contentType ?? "application/octet-stream",
      Metadata: metadata,
    },
    partSize,
    queueSize: options.queueSize ?? 4,
    leavePartsOnError: false,
    abortController,
  });
  const { onProgress } = options;
  if (onProgress !== undefined) {
    upload.on("httpUploadProgress", (p) => {
      const total = p.total ?? size;
      onProgress(total === undefined ? { loaded: p.loaded ?? 0 } : { loaded: p.loaded ?? 0, total });
    });
  }
  const onAbort = (): void => abortController.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const out = await upload.done();
    const etag = "ETag" in out && typeof out.ETag === "string" ? out.ETag : "";
    let finalSize = size;
    if (finalSize === undefined) {
      const head = await core.client.send(new HeadObjectCommand({ Bucket: core.bucket, Key: key }));
      finalSize = head.ContentLength ?? 0;
    }
    return { key, etag, size: finalSize, ...(await core.urls(key)) };
  } catch (error) {
    // lib-storage answers an abort at once but aborts the multipart upload only
    // after its in-flight reads settle (never, for a stalled stream): abort it here.
    const uploadId = (upload as unknown as { uploadId?: unknown }).uploadId;
    if (typeof uploadId === "string") {
      await core.client
        .send(new AbortMultipartUploadCommand({ Bucket: core.bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
    }
    if (signal?.aborted) throw new AbortError("upload aborted", { cause: error });
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
