/**
 * What the integration/browser global setup shares with tests through `inject("s3")`.
 */

/** Connection facts of the run-wide S3 fixture (no functions: it crosses process boundaries). */
export interface S3Info {
  /** `http://127.0.0.1:<port>`: path-style S3 endpoint. */
  endpoint: string;
  bucket: string;
  region: "us-east-1";
  accessKeyId: string;
  secretAccessKey: string;
  /** s3rver's data directory (objects live at `<directory>/<bucket>/...`). */
  directory: string;
}

declare module "vitest" {
  /** Values provided by test/support/global-setup.ts. */
  export interface ProvidedContext {
    s3: S3Info;
  }
}
