/** What every upload of one uploader shares: checked options and platform services. */
import type { ChecksumAlgorithm } from "../core/protocol.js";
import type { RetryOptions } from "../core/retry.js";
import type { EndpointCall } from "../endpoint/client.js";
import type { ServerClock } from "./clock.js";
import type { CreateCall } from "./create-queue.js";
import type { Semaphore } from "./semaphore.js";
import type { AddOptions, ResumeStore, Transport, UploadInput, UploadSource } from "./types.js";

/** @internal Built once by `createUploader`; the uploads never re-check options. */
export interface UploadContext {
  call: EndpointCall;
  /** Opens an upload: `create`, or a file of a `createMany` (see `create-queue.ts`). */
  create: CreateCall;
  transport: Transport;
  semaphore: Semaphore;
  /**
   * Uploads opening a session (store lookup, `create` or `list`) at once: the first alone, then
   * as many as parts in flight, so that 20 files added together do not send 20 creates to a server
   * that answers them in turn while the first PUT waits for its own.
   */
  opening: Semaphore;
  retry: RetryOptions;
  stallTimeoutMs: number;
  offlineTimeoutMs: number;
  partSize: number | undefined;
  checksum: ChecksumAlgorithm | undefined;
  store: ResumeStore | undefined;
  toSource(input: UploadInput, options: AddOptions): UploadSource | Promise<UploadSource>;
  /** A promise that resolves when the network is back, or undefined when not known to be offline. */
  offline(): Promise<void> | undefined;
  /** Whether the platform says it is online (`navigator.onLine`), or `undefined` when it cannot tell (Node). */
  onLine(): boolean | undefined;
  /** The device's clock (speed, record times). */
  now(): number;
  /** Server time, from the `Date` headers of the endpoint's and S3's answers (expiry of URLs and tokens). */
  clock: ServerClock;
}

/** How a platform (browser, Node) provides sources, transports and the default store. */
export interface Platform {
  toSource(input: UploadInput, options: AddOptions): UploadSource | Promise<UploadSource>;
  /** The transport for `"auto"`. */
  transport(fetchImpl: typeof fetch | undefined): Transport;
  /** The default resume store, if the platform has one. */
  store(): ResumeStore | undefined;
  offline(): Promise<void> | undefined;
  onLine(): boolean | undefined;
}
