/**
 * Minimal typings for s3rver 3.7.1 (it ships none): only what the S3 fixture uses.
 * `S3rver` extends Koa, so `callback()` is a `node:http` request listener.
 */
declare module "s3rver" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  /** A bucket to create at start, with its configuration XML documents (CORS, website). */
  export interface S3rverBucketConfig {
    name: string;
    configs?: Array<string | Buffer>;
  }

  /** Options of the s3rver constructor that the fixture uses. */
  export interface S3rverOptions {
    directory: string;
    silent?: boolean;
    address?: string;
    port?: number;
    vhostBuckets?: boolean;
    configureBuckets?: S3rverBucketConfig[];
  }

  /** The s3rver app (a Koa application). */
  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Creates the configured buckets on disk (what `run()` does before listening). */
    configureBuckets(): Promise<unknown>;
    /** A `node:http` request listener serving the S3 API. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    /** Koa error events (s3rver emits one for every S3 error it answers). */
    on(event: "error", listener: (error: unknown) => void): this;
    /** The winston logger s3rver creates. */
    logger: { close(): void };
  }
}
