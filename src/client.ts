/**
 * Everything the client entries (`s3edge` in browsers and in Node) share. The
 * entries add their platform's `createUploader`.
 */
export {
  S3EdgeError,
  EndpointError,
  S3Error,
  NetworkError,
  TimeoutError,
  AbortError,
  InvalidInputError,
  ConfigError,
  SourceChangedError,
  CorsETagMissingError,
  InternalError,
  isS3EdgeError,
  redactUrl,
  type ErrorCode,
  type ClientErrorCode,
  type ServerErrorCode,
} from "./core/errors.js";
export type { Observable } from "./core/observable.js";
export { encodeKey, decodeKey, keyProblem, assertValidKey, sanitizeFilename, MAX_KEY_BYTES } from "./core/keys.js";
export { cdnObjectUrl, s3ObjectUrl, type OriginSpec } from "./core/urls.js";
export { S3_LIMITS, choosePartSize } from "./core/parts.js";
export { crc32, crc32ToBase64 } from "./core/crc32.js";
export {
  createHostHealth,
  type HostHealth,
  type HostHealthOptions,
  type HostState,
  type HostStatus,
} from "./core/health.js";
export { PROTOCOL_VERSION } from "./core/protocol.js";
export type * from "./core/protocol.js";
export type { RetryOptions } from "./core/retry.js";
export type * from "./upload/types.js";
export type { Uploader, UploaderEvents } from "./upload/uploader.js";
export type { Upload } from "./upload/upload.js";
export { memoryStore } from "./upload/stores/memory.js";
export { webStorageStore, type WebStorage, type WebStorageStoreOptions } from "./upload/stores/web-storage.js";
export { indexedDbStore } from "./upload/stores/indexed-db.js";
export { fetchTransport } from "./upload/transports/fetch.js";
export { xhrTransport } from "./upload/transports/xhr.js";
export * from "./delivery/index.js";
