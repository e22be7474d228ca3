/**
 * Delivery: key -> CDN/S3 URLs, and CDN-first reads that fall back to S3.
 */
export { createEdge } from "./edge.js";
export { presignWith, type PresignWithOptions } from "./presign.js";
export { FallbackError, type HostFailure } from "./errors.js";
export type * from "./types.js";
