/**
 * A 403 from S3 on a part or object PUT (loaded only then): an expired URL is
 * signed again. A 403 on a URL at or past its expiry (in server time) is an
 * expired URL whatever the message says (Ceph RGW says nothing).
 */
import { S3Error } from "../core/errors.js";
import { PartUrls, pastExpiry, type SignedUrl } from "./part-urls.js";
import { isExpiredUrl } from "./put-part.js";
import type { AttemptContext } from "./send-part.js";

/** `error`, or a retryable error when S3 refused the URL for its age (then dropped from the cache). */
export function expiredOr(error: S3Error, signed: SignedUrl, partNumber: number, a: AttemptContext): S3Error {
  const byAge = !isExpiredUrl(error) && pastExpiry(signed.expiresAt, a.ctx.clock.now());
  if (!isExpiredUrl(error) && !byAge) return error;
  if (!(a.urls instanceof PartUrls)) {
    return new S3Error(
      `The presigned URL of the object expired before it was sent (${error.message}); add the file again`,
      {
        status: 403,
        ...(error.s3Code !== undefined && { s3Code: error.s3Code }),
      },
    );
  }
  a.urls.invalidate(partNumber);
  if (!byAge) return error;
  return new S3Error(
    `${error.message}: its URL expired at ${new Date(signed.expiresAt).toISOString()} (server time), signing it again`,
    {
      status: 403,
      retryable: true,
      cause: error,
      ...(error.s3Code !== undefined && { s3Code: error.s3Code }),
    },
  );
}
