/**
 * Public types of the client uploader, kept apart from the logic so that the
 * API surface reads in one place.
 */
import type { S3EdgeError } from "../core/errors.js";
import type { ChecksumAlgorithm, UploadResult } from "../core/protocol.js";
import type { RetryOptions } from "../core/retry.js";

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

/**
 * Where the bytes of an upload come from. Random-access sources implement
 * `slice`; sequential ones (streams) implement `read`.
 */
export interface UploadSource {
  /** Total size in bytes, or `null` for a stream of unknown length. */
  readonly size: number | null;
  readonly name: string;
  readonly type: string;
  /** Identity for resuming after a reload, or `undefined` when the source cannot be resumed (streams). */
  readonly fingerprint: string | undefined;
  /** Bytes `[start, end)`. */
  slice?(start: number, end: number): Promise<PartBody>;
  /** The next `n` bytes, fewer only at the end of the stream. */
  read?(n: number): Promise<Uint8Array>;
  /** The transfer is done with a body this source returned: its buffer may be reused. */
  release?(body: PartBody): void;
  /** Release file handles or readers. */
  close(): Promise<void> | void;
}

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
  put(request: PutRequest): Promise<PutResponse>;
}

/** A resumable upload as kept by a {@link ResumeStore}. Holds no signed URL. */
export interface ResumeRecord {
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
}

/** Persistence for resumable uploads: localStorage, a file, memory, or your own. */
export interface ResumeStore {
  get(fingerprint: string): Promise<ResumeRecord | undefined>;
  set(record: ResumeRecord): Promise<void>;
  remove(fingerprint: string): Promise<void>;
  list(): Promise<ResumeRecord[]>;
}

/** Options of {@link createUploader}. */
export interface UploaderOptions {
  /** URL of the signing endpoint mounted with `s3edge/server`. */
  endpoint: string;
  /** Headers sent to the signing endpoint (auth); a function is called before each request. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** `credentials` of the endpoint's fetch (`"include"` to send cookies cross-origin). Default `"same-origin"`. */
  credentials?: RequestCredentials;
  /** Parts in flight at once across all files of this uploader. Default 4. */
  concurrency?: number;
  /** Preferred part size in bytes (the server has the last word). */
  partSize?: number;
  /** Per-part checksum that S3 verifies. Default: none. */
  checksum?: ChecksumAlgorithm;
  /** Retry policy for parts and endpoint calls. */
  retry?: Partial<RetryOptions>;
  /** A transfer with no progress for this long is aborted and retried. Default 30 000 ms. */
  stallTimeoutMs?: number;
  /**
   * When the retries are spent on network errors, keep probing (every `retry.maxDelayMs`,
   * without spending retries) for this long before failing: the network may come back.
   * Browsers that know they are offline (`navigator.onLine`) wait for the network anyway.
   * Default 300 000 ms; 0 fails as soon as the retries are spent.
   */
  offlineTimeoutMs?: number;
  /** Timeout of one signing-endpoint call. Default 30 000 ms. */
  endpointTimeoutMs?: number;
  /** How parts are sent: `"auto"` (XHR in browsers, node:http in Node), `"fetch"`, `"xhr"` or your own. */
  transport?: "auto" | "fetch" | "xhr" | Transport;
  /** Where resumable uploads are remembered; `false` disables resume. Default: localStorage in browsers, a file in Node. */
  store?: ResumeStore | false;
  /** The `fetch` used for the signing endpoint (and the fetch transport). */
  fetch?: typeof fetch;
  /** Start uploads as soon as they are added. Default true. */
  autoStart?: boolean;
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
export type UploadStatus =
  | "queued"
  | "uploading"
  | "paused"
  | "completing"
  | "done"
  | "error"
  | "cancelled";

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
  readonly result: UploadResult | undefined;
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

/** Events of one upload (also relayed by the uploader with the upload's id). */
export interface UploadEvents {
  part: { partNumber: number; size: number; etag: string };
  /** A retry is coming after `delayMs`; `-1` means waiting for the network to come back (retries not spent). */
  retry: { attempt: number; delayMs: number; error: S3EdgeError; partNumber?: number };
  success: UploadResult;
  error: S3EdgeError;
  /** A stored upload could not be continued and starts over; `reason` says why. */
  restart: { reason: "expired" | "not-found" | "mismatch" };
}
