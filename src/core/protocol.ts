/**
 * The wire protocol between the s3edge client and the signing endpoint of
 * `s3edge/server`: JSON over POST to one URL, one operation per request, the
 * operation named by `op`. Versioned by `v` so that client and server can evolve
 * independently; a server answers `BadRequest` to a version it does not speak.
 *
 * Errors are an HTTP status plus `{ error: { code, message } }` with a stable code
 * (see {@link ServerErrorCode}).
 */
import type { ServerErrorCode } from "./errors.js";

/** Version of the wire protocol this build speaks. */
export const PROTOCOL_VERSION = 1 as const;

/** Most parts one `sign` request may ask URLs for; clients batch up to this many, servers refuse more. */
export const MAX_PARTS_PER_SIGN = 100;

/** A part's `checksum` on the wire: the 4 bytes of its CRC-32, big-endian, base64 (8 characters ending in `==`). */
export const CRC32_BASE64 = /^[A-Za-z0-9+/]{6}==$/;

/** Checksum algorithms a part may carry; S3 verifies the bytes against them. */
export type ChecksumAlgorithm = "CRC32";

/**
 * Most files one `createMany` request may carry; servers refuse more. A server that has
 * `createMany` says so in every `create` answer (`createMany`: the most it takes, this or less).
 */
export const MAX_FILES_PER_CREATE = 16;

/** Files per `createMany` request a `create` answer's `createMany` allows (at most {@link MAX_FILES_PER_CREATE}); 0 for none. */
export function createManyLimit(announced: unknown): number {
  return typeof announced === "number" && Number.isSafeInteger(announced) && announced > 1
    ? Math.min(announced, MAX_FILES_PER_CREATE)
    : 0;
}

/** Operations of the wire protocol. */
export type Operation = "create" | "createMany" | "sign" | "list" | "complete" | "abort" | "url";

/** Start an upload. The server decides the key (its key policy) and the mode. */
export interface CreateRequest {
  v: typeof PROTOCOL_VERSION;
  op: "create";
  /** The file's name as the user chose it; a proposal for the key policy. */
  filename: string;
  contentType: string;
  /** Size in bytes, or `null` for a stream of unknown length (always multipart). */
  size: number | null;
  /** User metadata (`x-amz-meta-*`), fixed at create and signed. */
  metadata?: Record<string, string>;
  /** Per-part checksum algorithm; the server signs the checksum of each part in. */
  checksum?: ChecksumAlgorithm;
  /** Part size the client prefers; the server may refuse or adjust it. */
  partSize?: number;
  /**
   * Random id of this upload's create, the same on every retry of it (16..64 characters of
   * `[A-Za-z0-9_-]`, see {@link REQUEST_ID}): a retried create whose first answer was lost gets
   * the same key and the same multipart upload instead of a second one left behind.
   */
  requestId?: string;
  /**
   * `true` on a create sent again (its first answer was lost or failed): only then does the server
   * look for the multipart upload an earlier attempt of this `requestId` may have started (one
   * S3 request, spared on first attempts). A duplicate it misses is aborted at `complete`.
   */
  retry?: boolean;
  /**
   * Id of the upload target the client prefers (the one it measured nearest, see
   * {@link TargetProbe}). A hint only: the server decides within its policy and ignores an id
   * it does not have.
   */
  target?: string;
  /**
   * Sign the URLs of the first `signParts` parts (1..{@link MAX_PARTS_PER_SIGN}) into a multipart
   * answer (`signed`), so the first PUT needs no `sign` round trip. Honoured for a known size
   * without a checksum (the URLs of a checksummed upload depend on the bytes); servers before
   * this field ignore it, and the client then calls `sign` as before.
   */
  signParts?: number;
}

/** One file of a `createMany`: the fields of a `create` request, without the envelope. */
export type CreateFile = Omit<CreateRequest, "v" | "op">;

/**
 * Open several uploads in one round trip: each file is checked, keyed and answered as a lone
 * `create` would be, and fails alone. Sent only to a server whose `create` answer carried
 * `createMany` (older servers do not know the operation), with at most that many files.
 */
export interface CreateManyRequest {
  v: typeof PROTOCOL_VERSION;
  op: "createMany";
  files: CreateFile[];
}

/** One file's failure in a `createMany` answer: the status and error a lone `create` would have answered. */
export interface CreateManyError extends ErrorBody {
  status: number;
}

/** The answer to `createMany`: one result per file, in the order of the request. */
export interface CreateManyResponse {
  results: Array<CreateResponse | CreateManyError>;
}

/** What a preferred target id may be on the wire: 1..64 characters of `[A-Za-z0-9_-]`. */
export const TARGET_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Where an upload's object is stored, when the signer has several upload targets (buckets in
 * several regions): answered by `create` and `complete`, bound into the upload's token.
 */
export interface TargetInfo {
  /** The target's id in the signer's configuration. */
  id: string;
  bucket: string;
  /** AWS region, when known. */
  region?: string;
  /** Custom S3-compatible endpoint, when the target has one. */
  endpoint?: string;
  /** Present when part URLs go through S3 Transfer Acceleration. */
  accelerate?: true;
}

/** One target a client may time (a tiny request to `url`) to tell the server which is nearest. */
export interface TargetProbe {
  id: string;
  /** A URL of the target's S3 endpoint (the bucket's base URL unless configured): any HTTP answer counts as reachable. */
  url: string;
}

/** What a create's `requestId` may be: 16..64 characters of `[A-Za-z0-9_-]`. */
export const REQUEST_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** What every `create` answer carries. */
interface CreateAnswerBase {
  key: string;
  cdnUrl?: string;
  s3Url: string;
  /** Where the object goes (only from a signer with several upload targets; a multipart upload's token binds it). */
  target?: TargetInfo;
  /** The signer's upload targets, for the client's probe (only from a signer with several). */
  targets?: TargetProbe[];
  /** The most files this server takes in one `createMany` request; absent: it has no `createMany`. */
  createMany?: number;
}

/** A small file: one presigned PUT. */
export interface CreateSingleResponse extends CreateAnswerBase {
  mode: "single";
  /** Presigned PUT URL. Secret: never logged, never stored. */
  url: string;
  /** Headers the PUT must carry exactly (they are part of the signature). */
  headers: Record<string, string>;
  /** Epoch milliseconds after which `url` is refused. */
  expiresAt: number;
}

/** A large or unknown-length file: an S3 multipart upload. */
export interface CreateMultipartResponse extends CreateAnswerBase {
  mode: "multipart";
  uploadId: string;
  partSize: number;
  /** Opaque token that binds uploadId, key, user and expiry; required by every later call. */
  token: string;
  /** Epoch milliseconds after which `token` is refused. */
  expiresAt: number;
  /** The URLs of the first parts, when the request asked for them (`signParts`) and could have them. */
  signed?: SignResponse;
}

export type CreateResponse = CreateSingleResponse | CreateMultipartResponse;

/** Fields that identify a multipart upload in every call after `create`. */
export interface UploadRef {
  key: string;
  uploadId: string;
  token: string;
}

/** One part the client asks a URL for. */
export interface SignPart {
  partNumber: number;
  /** Exact size of the part in bytes (signed as Content-Length). */
  size: number;
  /** Base64 checksum of the part, when the upload was created with a checksum algorithm. */
  checksum?: string;
}

/** Sign a batch of part URLs in one round trip. */
export interface SignRequest extends UploadRef {
  v: typeof PROTOCOL_VERSION;
  op: "sign";
  parts: SignPart[];
}

/** A presigned part URL and the headers its PUT must carry. */
export interface SignedPart {
  url: string;
  headers: Record<string, string>;
}

export interface SignResponse {
  /** By part number. */
  urls: Record<string, SignedPart>;
  /** Epoch milliseconds after which the URLs are refused. */
  expiresAt: number;
}

/** List the parts S3 holds for an upload (resume). */
export interface ListRequest extends UploadRef {
  v: typeof PROTOCOL_VERSION;
  op: "list";
}

/** A part stored by S3. */
export interface StoredPart {
  partNumber: number;
  etag: string;
  size: number;
  checksum?: string;
}

export interface ListResponse {
  parts: StoredPart[];
}

/** A part named in `complete`. */
export interface CompletedPart {
  partNumber: number;
  etag: string;
  checksum?: string;
}

export interface CompleteRequest extends UploadRef {
  v: typeof PROTOCOL_VERSION;
  op: "complete";
  parts: CompletedPart[];
}

/** The finished object. */
export interface UploadResult {
  key: string;
  etag: string;
  size: number;
  cdnUrl?: string;
  s3Url: string;
  /** Where the object is (only from a signer with several upload targets). */
  target?: TargetInfo;
}

export type CompleteResponse = UploadResult;

export interface AbortRequest extends UploadRef {
  v: typeof PROTOCOL_VERSION;
  op: "abort";
}

export interface AbortResponse {
  ok: true;
}

/** A presigned GET for a private bucket (the client's S3 fallback). */
export interface UrlRequest {
  v: typeof PROTOCOL_VERSION;
  op: "url";
  key: string;
}

export interface UrlResponse {
  url: string;
  expiresAt: number;
}

/** Any request of the protocol. */
export type ProtocolRequest =
  | CreateRequest
  | CreateManyRequest
  | SignRequest
  | ListRequest
  | CompleteRequest
  | AbortRequest
  | UrlRequest;

/** The response type of each operation. */
export interface ProtocolResponses {
  create: CreateResponse;
  createMany: CreateManyResponse;
  sign: SignResponse;
  list: ListResponse;
  complete: CompleteResponse;
  abort: AbortResponse;
  url: UrlResponse;
}

/** Body of every error answer. */
export interface ErrorBody {
  error: { code: ServerErrorCode; message: string };
}
