/**
 * `s3edge` in Node: the same API as the browser entry, wired with file paths
 * and Node streams as inputs, a keep-alive node:http transport, and a resume
 * store on disk.
 */
import type { Uploader } from "./upload/uploader.js";
import { createUploaderFor } from "./upload/uploader.js";
import { nodePlatform } from "./upload/node/platform.js";
import type { UploaderOptions } from "./upload/types.js";

export * from "./client.js";
export { fileStore, defaultCacheDir } from "./upload/node/file-store.js";
export { nodeHttpTransport, type NodeHttpTransportOptions } from "./upload/node/http-transport.js";

/**
 * Create an uploader (Node): accepts file paths, Buffers, Node and web streams.
 *
 * @example
 * const uploader = createUploader({ endpoint: "https://app.example.com/api/s3edge", headers: { authorization } });
 * const { key } = await uploader.upload("./video.mp4");
 */
export function createUploader(options: UploaderOptions): Uploader {
  return createUploaderFor(nodePlatform, options);
}
