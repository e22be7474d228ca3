/**
 * What the RGW global setup shares with test workers: the broker's URL through
 * `inject("rgwBroker")`, and the connection facts it answers.
 */

/** Connection facts of the run-wide RGW (plain data: it crosses process boundaries). */
export interface RgwInfo {
  /** `http://127.0.0.1:<port>`: path-style S3 endpoint. */
  endpoint: string;
  bucket: string;
  region: "us-east-1";
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Ceph version, e.g. "16.2.15". */
  version: string;
}

declare module "vitest" {
  /** Values provided by test/support/rgw/global-setup.ts. */
  export interface ProvidedContext {
    /** Base URL of the RGW broker (see broker.ts). */
    rgwBroker: string;
  }
}
