/**
 * The multipart uploads S3 holds for one exact key (ListMultipartUploads), and the cleanup of a
 * request-scoped key's orphans: a create retried inside the S3 SDK (its first answer lost) or by
 * the client can leave a second upload of the same key that nobody will ever complete.
 */
import type { ListMultipartUploadsCommandOutput } from "@aws-sdk/client-s3";

import type { SignerRuntime } from "./context.js";
import { fromS3Error } from "./errors.js";

/** One multipart upload in progress. */
export interface PendingUpload {
  uploadId: string;
  /** When S3 says it began, epoch milliseconds (0 when it does not say). */
  initiated: number;
}

/** Pages read at most (1,000 uploads each): more uploads of one key are not a retry's. */
const MAX_PAGES = 10;

/** The uploads in progress of exactly `key`, oldest first (then by uploadId). */
export async function uploadsOfKey(rt: SignerRuntime, key: string): Promise<PendingUpload[]> {
  const found: PendingUpload[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let out: ListMultipartUploadsCommandOutput;
    try {
      out = await rt.aws.client.send(
        new rt.aws.sdk.s3.ListMultipartUploadsCommand({
          Bucket: rt.bucket,
          Prefix: key,
          ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
          ...(uploadIdMarker === undefined ? {} : { UploadIdMarker: uploadIdMarker }),
        }),
      );
    } catch (error) {
      throw fromS3Error(error);
    }
    for (const u of out.Uploads ?? []) {
      // The prefix also matches longer keys ("a/b" lists "a/bc"): only this exact key counts.
      if (u.Key !== key || typeof u.UploadId !== "string" || u.UploadId === "") continue;
      found.push({ uploadId: u.UploadId, initiated: u.Initiated?.getTime() ?? 0 });
    }
    const nextKey = out.NextKeyMarker;
    const nextId = out.NextUploadIdMarker;
    if (out.IsTruncated !== true || (nextKey === keyMarker && nextId === uploadIdMarker)) break;
    keyMarker = nextKey;
    uploadIdMarker = nextId;
  }
  return found.sort(
    (a, b) => a.initiated - b.initiated || (a.uploadId < b.uploadId ? -1 : a.uploadId > b.uploadId ? 1 : 0),
  );
}

/**
 * Abort every upload of exactly `key` but `keep`. Best effort: the caller's own operation has
 * succeeded already, so a failure here is reported through `onFailure` and never thrown; what
 * it leaves is what a lifecycle rule (`AbortIncompleteMultipartUpload`) is for.
 * Answers how many uploads were aborted.
 */
export async function abortSiblings(
  rt: SignerRuntime,
  key: string,
  keep: string,
  onFailure?: (error: unknown) => void,
): Promise<number> {
  let aborted = 0;
  try {
    for (const { uploadId } of await uploadsOfKey(rt, key)) {
      if (uploadId === keep) continue;
      try {
        await rt.aws.client.send(
          new rt.aws.sdk.s3.AbortMultipartUploadCommand({ Bucket: rt.bucket, Key: key, UploadId: uploadId }),
        );
        aborted++;
      } catch (error) {
        onFailure?.(error);
      }
    }
  } catch (error) {
    onFailure?.(error);
  }
  return aborted;
}
