/** What every upload of one uploader shares: normalised options and platform services. */
import type { ChecksumAlgorithm } from "../core/protocol.js";
import type { RetryOptions } from "../core/retry.js";
import type { EndpointCall } from "./endpoint.js";
import type { Semaphore } from "./semaphore.js";
import type { AddOptions, ResumeStore, Transport, UploadInput, UploadSource } from "./types.js";

/** @internal Built once by `createUploader`; the uploads never re-check options. */
export interface UploadContext {
  call: EndpointCall;
  transport: Transport;
  semaphore: Semaphore;
  retry: RetryOptions;
  stallTimeoutMs: number;
  offlineTimeoutMs: number;
  partSize: number | undefined;
  checksum: ChecksumAlgorithm | undefined;
  store: ResumeStore | undefined;
  toSource(input: UploadInput, options: AddOptions): UploadSource | Promise<UploadSource>;
  /** A promise that resolves when the network is back, or undefined when online. */
  offline(): Promise<void> | undefined;
  now(): number;
}

/** How a platform (browser, Node) provides sources, transports and the default store. */
export interface Platform {
  toSource(input: UploadInput, options: AddOptions): UploadSource | Promise<UploadSource>;
  /** The transport for `"auto"`. */
  transport(fetchImpl: typeof fetch | undefined): import("./types.js").Transport;
  /** The default resume store, if the platform has one. */
  store(): ResumeStore | undefined;
  offline(): Promise<void> | undefined;
}
