/**
 * Public types of the client uploader, kept apart from the logic so that the
 * API surface reads in one place.
 */
import type { S3EdgeError } from "../core/errors.js";
import type { ChecksumAlgorithm, TargetInfo, UploadResult } from "../core/protocol.js";
import type { RetryOptions } from "../core/retry.js";
import type { EndpointOptions } from "../endpoint/client.js";

/**
 * What can be uploaded. Browser: `File`/`Blob`. Anywhere: bytes, a web
 * `ReadableStream`, any `AsyncIterable<Uint8Array>` (a Node `Readable` is one).
 * Node entry only: a file path (`string`).
 */
export type UploadInput =
  | Blob
  | Uint8Array
  | ArrayBuffer
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | string;

/** A part body as handed to a {@link Transport}. */
export type PartBody = Blob | Uint8Array;

/** What every {@link UploadSource} has. */
export interface SourceInfo {
  readonly name: string;
  readonly type: string;
  /** Identity for resuming after a reload, or `undefined` when the source cannot be resumed (bytes, streams, plain Blobs). */
  readonly fingerprint: string | undefined;
  /** The transfer is done with a body this source returned: its buffer may be reused. */
  release?(body: PartBody): void;
  /** Release file handles or readers. */
  close(): Promise<void> | void;
}

/** A source whose bytes can be read in any order (a Blob, bytes in memory, a file path). */
export interface RandomAccessSource extends SourceInfo {
  readonly kind: "random";
  /** Total size in bytes. */
  readonly size: number;
  /** Bytes `[start, end)`. */
  slice(start: number, end: number): Promise<PartBody>;
}

/** A source read once, front to back (a stream); it cuts itself into parts as it flows. */
export interface SequentialSource extends SourceInfo {
  readonly kind: "sequential";
  /** Total size in bytes when the caller declared it, else `null`. */
  readonly size: number | null;
  /**
   * The next `n` bytes, fewer only at the end of the stream. With a declared size, a stream
   * that ends early or goes on past it fails with `SourceChanged`.
   */
  read(n: number): Promise<Uint8Array>;
}

/**
 * Where the bytes of an upload come from, like tus-js-client's file sources:
 * `kind` says whether parts can be sliced in any order or are read in turn.
 */
export type UploadSource = RandomAccessSource | SequentialSource;

/** One PUT of a presigned URL. */
export interface PutRequest {
  url: string;
  headers: Record<string, string>;
  body: PartBody;
  signal: AbortSignal;
  /** Called with the bytes sent so far, when the transport can tell. */
  onProgress(loaded: number): void;
}

/** What a {@link Transport} reports of a PUT's answer. */
export interface PutResponse {
  status: number;
  /** The `ETag` header, or `null` when absent or not exposed by CORS. */
  etag: string | null;
  /** Response body (S3's XML error on failure). */
  body: string;
  /** Another response header, or `null`. */
  header(name: string): string | null;
}

/** Sends part bodies to S3. Implement it to plug in another HTTP stack. */
export interface Transport {
  /** Whether `onProgress` reports bytes while the body is sent (XHR, node:http), not only at the end (fetch). */
  readonly reportsProgress: boolean;
  /** Send one PUT. Never called with an aborted signal; must settle (reject) when the signal aborts while it runs. */
  put(request: PutRequest): Promise<PutResponse>;
}

/** A resumable upload as kept by a {@link ResumeStore}. Holds no signed URL. */
export interface ResumeRecord {
  /** Format version, 1 in this build: a record of another version (or none) starts the upload over. */
  v: 1;
  fingerprint: string;
  filename: string;
  size: number;
  key: string;
  uploadId: string;
  token: string;
  partSize: number;
  /** Epoch ms after which the token is refused by the server. */
  expiresAt: number;
  createdAt: number;
  checksum?: ChecksumAlgorithm;
  parts: Array<{ partNumber: number; etag: string; size: number; checksum?: string }>;
  /** Where the object goes, from a signer with several upload targets (its token binds it: a resume stays there). */
  target?: TargetInfo;
}

/**
 * Persistence for resumable uploads: localStorage, a file, memory, or your own.
 * What `get` and `list` return is validated by the uploader: a malformed or
 * old record makes the upload start over (`restart` with reason `mismatch`).
 */
export interface ResumeStore {
  get(fingerprint: string): Promise<ResumeRecord | undefined>;
  /**
   * Optional synchronous hint: `false` only when the store surely holds no record for
   * `fingerprint` (then the uploader sends `create` at once, without waiting for `get`);
   * `true` when it may. Must not throw. Stores that cannot tell synchronously leave it out.
   */
  has?(fingerprint: string): boolean;
  set(record: ResumeRecord): Promise<void>;
  remove(fingerprint: string): Promise<void>;
  list(): Promise<ResumeRecord[]>;
}

/** Options of {@link createUploader}; each is checked when the uploader is created (a `ConfigError` names the bad one). */
export interface UploaderOptions extends EndpointOptions {
  /** Parts in flight at once across all files of this uploader. Default 4. */
  concurrency?: number;
  /** Preferred part size in bytes, 5 MiB to 5 GiB (the server has the last word). */
  partSize?: number;
  /**
   * Per-part checksum signed into each part's URL (multipart only). S3 verifies it and echoes it;
   * when an answer does not echo it, `result.checksumVerified` is false and a `warning` says so.
   */
  checksum?: ChecksumAlgorithm;
  /** Retry policy for parts and endpoint calls. */
  retry?: Partial<RetryOptions>;
  /** A transfer with no progress for this long is aborted and retried; 0 disables stall detection. Default 30 000 ms. */
  stallTimeoutMs?: number;
  /**
   * When the retries are spent on network errors after this upload has reached the endpoint or S3,
   * and the platform does not say it is online (Node), keep probing (every `retry.maxDelayMs`,
   * without spending retries) for this long before failing: the network may come back.
   * An upload that never reached anything, or a browser that says it is online, fails at once.
   * Browsers that know they are offline (`navigator.onLine === false`) wait for the network anyway.
   * Default 300 000 ms; 0 fails as soon as the retries are spent.
   */
  offlineTimeoutMs?: number;
  /** How parts are sent: `"auto"` (XHR in browsers, node:http in Node), `"fetch"`, `"xhr"` or your own. */
  transport?: "auto" | "fetch" | "xhr" | Transport;
  /** Where resumable uploads are remembered; `false` disables resume. Default: localStorage in browsers, a file in Node. */
  store?: ResumeStore | false;
  /** The `fetch` used for the signing endpoint (and for parts with `transport: "auto"` or `"fetch"`). */
  fetch?: typeof fetch;
  /** Start uploads as soon as they are added. Default true. */
  autoStart?: boolean;
  /** The device's clock (epoch ms), injectable for tests. Default `Date.now`. */
  now?: () => number;
}

/** Per-file options of `uploader.add()`. */
export interface AddOptions {
  /** File name sent to the server's key policy. Default: the File's name, the path's base name, or "file". */
  filename?: string;
  /** Default: the Blob's type, or from the file name's extension, or `application/octet-stream`. */
  contentType?: string;
  /** User metadata (`x-amz-meta-*`). */
  metadata?: Record<string, string>;
  /** Known length of a stream, when there is one (lets the server check limits up front). */
  size?: number;
  /** Aborting it cancels the upload (and aborts the multipart upload on S3). */
  signal?: AbortSignal;
}

/** Lifecycle of one upload. */
export type UploadStatus = "queued" | "uploading" | "paused" | "completing" | "done" | "error" | "cancelled";

/** Snapshot of one upload; a new object after each change. */
export interface UploadState {
  readonly id: string;
  readonly filename: string;
  readonly status: UploadStatus;
  /** Bytes acknowledged or in flight (decreases only when a part is retried). */
  readonly loaded: number;
  /** Total bytes, `null` while a stream's length is unknown. */
  readonly total: number | null;
  /** Bytes per second, smoothed. */
  readonly speed: number;
  /** Seconds left, when known. */
  readonly eta: number | null;
  readonly partsDone: number;
  readonly partCount: number | null;
  /** Object key, once the server has chosen it. */
  readonly key: string | undefined;
  /** True when this upload continued one stored from an earlier session. */
  readonly resumed: boolean;
  /** True while the upload waits for the network to come back. */
  readonly offline: boolean;
  readonly result: UploadedObject | undefined;
  readonly error: S3EdgeError | undefined;
}

/** Snapshot of all uploads of an uploader, for a batch progress bar. */
export interface UploaderState {
  readonly uploads: readonly UploadState[];
  readonly loaded: number;
  /** Sum of totals, `null` if any is unknown. */
  readonly total: number | null;
  readonly speed: number;
  readonly eta: number | null;
  /** Uploads not yet finished (queued, uploading, paused, completing). */
  readonly active: number;
}

/** The stored object, as `upload.done()` resolves with it. */
export interface UploadedObject extends UploadResult {
  /**
   * Only with the `checksum` option (multipart): true when S3 echoed the checksum of every part,
   * which it does after verifying the bytes; false when an answer did not echo it (Ceph RGW and
   * other S3-compatible servers neither verify nor echo; a browser also cannot read the echo unless
   * the bucket's CORS exposes `x-amz-checksum-crc32`): the bytes were then not proven intact.
   */
  checksumVerified?: boolean;
}

/** Something the application should know that did not fail the upload. */
export interface UploadWarning {
  /**
   * `ChecksumUnverified`: S3 did not echo a part's checksum (see `checksumVerified`).
   * `CorsETagMissing` (browsers): a single PUT was stored but its `ETag` is not readable (bucket
   * CORS lacks `ExposeHeaders: ETag`); the result's `etag` is then empty.
   * `ETagMissing` (elsewhere): S3 answered a single PUT without an `ETag`; the result's `etag` is empty.
   */
  code: "ChecksumUnverified" | "CorsETagMissing" | "ETagMissing";
  message: string;
  partNumber?: number;
}

/** A retry is coming. */
export interface RetryEvent {
  /** Retries spent so far, this one included (waits for the network do not spend retries). */
  attempt: number;
  /**
   * Ms until the next attempt: the backoff, or while `offline` the probe interval
   * (`retry.maxDelayMs`). Absent while waiting for the browser's `online` event.
   */
  delayMs?: number;
  /** True while waiting for the network to come back (the retry budget is not spent meanwhile). */
  offline: boolean;
  error: S3EdgeError;
  partNumber?: number;
}

/** Events of one upload (also relayed by the uploader with the upload's id). */
export interface UploadEvents {
  /** A part is stored; `checksumVerified` is present when the part was sent with a checksum. */
  part: { partNumber: number; size: number; etag: string; checksumVerified?: boolean };
  retry: RetryEvent;
  /** Once per kind and upload: see {@link UploadWarning}. */
  warning: UploadWarning;
  success: UploadedObject;
  error: S3EdgeError;
  /** A stored upload could not be continued and starts over; `reason` says why (`mismatch`: another file, or a malformed or old record). */
  restart: { reason: "expired" | "not-found" | "mismatch" };
}
