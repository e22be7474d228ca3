/**
 * S3-side set-up of a test bucket, through the S3 API (works on RGW and on any S3): the bucket,
 * a CORS rule for browsers (any origin; GET/PUT/POST/HEAD/DELETE; any header; `ExposeHeaders`
 * ETag) and a public-read bucket policy (anonymous GetObject, which the CDN fallback needs).
 */
import {
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutBucketPolicyCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";

/** Where and as whom to reach S3 (path-style). */
export interface S3Access {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** How a test bucket is set up. */
export interface BucketSetup {
  /** Whether the CORS rule exposes `ETag` to browsers. Default true. */
  exposeETag?: boolean;
  /** Whether anonymous GetObject is allowed (bucket policy). Default true. */
  publicRead?: boolean;
}

/** A path-style client without the SDK's default checksums (TESTING.md). Destroy it when done. */
export function s3ClientFor(access: S3Access, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint: access.endpoint,
    region: access.region,
    credentials: { ...access.credentials },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...extra,
  });
}

/** The public-read policy of `bucket`: anyone may GET its objects (not list them). */
export function publicReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PublicRead",
        Effect: "Allow",
        Principal: "*",
        Action: ["s3:GetObject"],
        Resource: [`arn:aws:s3:::${bucket}/*`],
      },
    ],
  });
}

/** Creates `bucket` (an existing one of ours is fine) with its CORS rule and, unless told, the public-read policy. */
export async function createTestBucket(access: S3Access, bucket: string, setup: BucketSetup = {}): Promise<void> {
  const client = s3ClientFor(access);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
      if ((error as { name?: string }).name !== "BucketAlreadyOwnedByYou") throw error;
    });
    await client.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: ["*"],
              AllowedMethods: ["GET", "PUT", "POST", "HEAD", "DELETE"],
              AllowedHeaders: ["*"],
              ExposeHeaders: setup.exposeETag === false ? ["x-amz-request-id"] : ["ETag", "x-amz-request-id"],
              MaxAgeSeconds: 600,
            },
          ],
        },
      }),
    );
    if (setup.publicRead !== false)
      await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicReadPolicy(bucket) }));
  } finally {
    client.destroy();
  }
}
