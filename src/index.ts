/**
 * `s3edge`: the client for browsers and Web runtimes. (Node resolves `s3edge`
 * to `node.ts`, the same API wired with Node's file paths, node:http and a file
 * store.)
 */
import type { Uploader } from "./upload/uploader.js";
import { createUploaderFor } from "./upload/uploader.js";
import { webPlatform } from "./upload/platform.js";
import type { UploaderOptions } from "./upload/types.js";

export * from "./client.js";

/**
 * Create an uploader that sends files straight to S3 through the signing
 * endpoint of `s3edge/server`: multipart with parallel parts, retries,
 * progress, pause/resume/cancel and resume after a reload.
 *
 * @example
 * const uploader = createUploader({ endpoint: "/api/s3edge" });
 * const { key, cdnUrl } = await uploader.upload(input.files[0]);
 */
export function createUploader(options: UploaderOptions): Uploader {
  return createUploaderFor(webPlatform, options);
}
