/**
 * Presigned URLs of a batch of parts of one multipart upload, answered as the
 * protocol's `SignResponse`: what `sign` answers, and what `create` carries
 * for the first parts when the client asks (`signParts`).
 */
import type { SignResponse, SignedPart } from "../core/protocol.js";
import type { SignerRuntime } from "./context.js";
import { partHeaders, type PartToSign } from "./presign.js";
import { presignPartsFast } from "./presign-fast.js";

/** Sign `parts` (sizes and checksums already checked) of the upload `uploadId` of `key`. */
export async function signBatch(
  rt: SignerRuntime,
  upload: { key: string; uploadId: string },
  parts: PartToSign[],
): Promise<SignResponse> {
  const timing = rt.timing();
  const urls = await presignPartsFast(
    rt.signing,
    { bucket: rt.bucket, key: upload.key, uploadId: upload.uploadId },
    parts,
    timing,
  );
  const signed: Record<string, SignedPart> = {};
  parts.forEach((part, i) => {
    signed[String(part.partNumber)] = { url: urls[i] ?? "", headers: partHeaders(part) };
  });
  return { urls: signed, expiresAt: timing.expiresAt };
}
