/**
 * `s3edge/node`: the client's Node-only building blocks (a resume store on disk, the
 * keep-alive `node:http` transport). The `node` condition of `s3edge` exports them too;
 * this subpath makes them resolve under every TypeScript resolution mode, including
 * `moduleResolution: "bundler"`, whose types for `s3edge` are the browser entry's.
 *
 * @example
 * import { createUploader } from "s3edge";
 * import { fileStore, nodeHttpTransport } from "s3edge/node";
 *
 * const uploader = createUploader({ endpoint, store: fileStore(), transport: nodeHttpTransport() });
 */
export { defaultCacheDir, fileStore } from "./upload/node/file-store.js";
export { type NodeHttpTransportOptions, nodeHttpTransport } from "./upload/node/http-transport.js";
