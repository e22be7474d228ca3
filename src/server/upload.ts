/**
 * Upload from the server itself (files, buffers, streams) through
 * `@aws-sdk/lib-storage` (an optional package, loaded on first use), which
 * sends parts in parallel with the server's own credentials. A file path is
 * opened with a lazy `import("node:fs")`, so this module loads in runtimes
 * without a file system.
 */
import type { PutObjectCommandInput } from "@aws-sdk/client-s3";

import { AbortError, ConfigError, InvalidInputError } from "../core/errors.js";
import { assertValidKey } from "../core/keys.js";
import { DEFAULT_PART_SIZE, S3_LIMITS } from "../core/parts.js";
import type { UploadResult } from "../core/protocol.js";
import type { SignerCore } from "./context.js";
import { loadPackage } from "./sdk.js";
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
  if (typeof body === "object" && body !== null)
    return { body: body as NonNullable<PutObjectCommandInput["Body"]>, size: undefined };
  throw new InvalidInputError("upload: body must be bytes, a Web or Node stream, or a file path");
}

/** `concurrency`, or its deprecated alias `queueSize`. */
function concurrencyOf(options: ServerUploadOptions): number {
  if (options.concurrency !== undefined && options.queueSize !== undefined) {
    throw new ConfigError(
      "concurrency",
      "upload: concurrency and queueSize are both set: keep concurrency (queueSize is its deprecated name)",
    );
  }
  const n = options.concurrency ?? options.queueSize ?? 4;
  if (!Number.isSafeInteger(n) || n < 1 || n > 64) {
    throw new InvalidInputError(`upload: concurrency must be an integer from 1 to 64, got ${String(n)}`);
  }
  return n;
}

/** The multipart upload lib-storage started, if it got that far. */
function uploadIdOf(upload: object): string | undefined {
  const id: unknown = Reflect.get(upload, "uploadId");
  return typeof id === "string" ? id : undefined;
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
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isSafeInteger(partSize) || partSize < S3_LIMITS.minPartSize || partSize > S3_LIMITS.maxPartSize) {
    throw new InvalidInputError("upload: partSize must be an integer from 5 MiB to 5 GiB");
  }
  const queueSize = concurrencyOf(options);
  const { signal } = options;
  if (signal?.aborted) throw new AbortError();
  const rt = await core.runtime();
  const { Upload } = await loadPackage(core.load, "@aws-sdk/lib-storage");
  const { client } = rt.aws;
  const { body, size } = await openBody(input);
  const abortController = new AbortController();
  const upload = new Upload({
    client,
    params: {
      Bucket: rt.bucket,
      Key: key,
      Body: body,
      ContentType: options.contentType ?? "application/octet-stream",
      Metadata: metadata,
    },
    partSize,
    queueSize,
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
      const head = await client.send(new rt.aws.sdk.s3.HeadObjectCommand({ Bucket: rt.bucket, Key: key }));
      finalSize = head.ContentLength ?? 0;
    }
    return { key, etag, size: finalSize, ...(await rt.urls(key)) };
  } catch (error) {
    // lib-storage answers an abort at once but aborts the multipart upload only
    // after its in-flight reads settle (never, for a stalled stream): abort it here.
    const uploadId = uploadIdOf(upload);
    if (uploadId !== undefined) {
      await client
        .send(new rt.aws.sdk.s3.AbortMultipartUploadCommand({ Bucket: rt.bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
    }
    if (signal?.aborted) throw new AbortError("upload aborted", { cause: error });
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
