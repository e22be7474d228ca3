/**
 * Public types of `s3edge/server`: the signer's options, the signer itself and
 * what its hooks receive. The logic lives in the other files of this folder.
 */
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import type {
  AbortRequest,
  AbortResponse,
  CompleteRequest,
  CreateRequest,
  CreateResponse,
  ListRequest,
  ListResponse,
  SignRequest,
  SignResponse,
  UploadResult,
  UrlRequest,
  UrlResponse,
} from "../core/protocol.js";
import type { OriginSpec } from "../core/urls.js";
import type { SignerError } from "./errors.js";

/** Who is calling, as the application's `authorize` hook established it. */
export interface User {
  /** Stable id; multipart tokens are bound to it. */
  id: string;
  [key: string]: unknown;
}

/** What every operation and hook receives besides its input. */
export interface SignerContext {
  user: User;
  /** The HTTP request (its body has already been read). */
  request: Request;
}

/** The validated `create` input handed to `keyPolicy` and `limits.check`. */
export interface CreateInput {
  /** The client's file name, unmodified (validate or sanitize it before using it in a key). */
  filename: string;
  contentType: string;
  /** Bytes, or `null` for a stream of unknown length. */
  size: number | null;
  metadata: Record<string, string>;
}

/** Limits the signer enforces on every upload. */
export interface SignerLimits {
  /** Largest object in bytes. Default 5 GiB. */
  maxSize?: number;
  /** Smallest object in bytes. Default 0. */
  minSize?: number;
  /** Allowed content types: `"image/png"`, wildcards `"image/*"` and `"*\/*"`. Default `["*\/*"]`. */
  contentTypes?: string[];
  /** Most parts of one multipart upload (at most S3's 10,000). Default 10,000. */
  maxParts?: number;
  /** Files smaller than this go up in one presigned PUT. Default 8 MiB. */
  multipartThreshold?: number;
  /** Preferred part size in bytes (5 MiB..5 GiB); raised when a file would need too many parts. Default 8 MiB. */
  partSize?: number;
  /** Whether `size: null` (a stream of unknown length) is accepted. Default true: the size is then bounded by signing and checked again at `complete`. */
  allowUnknownSize?: boolean;
  /** Per-user check run after the built-in limits (quotas...): throw a {@link SignerError} to refuse. */
  check?: (input: CreateInput, ctx: SignerContext) => void | Promise<void>;
}

/** Options of {@link createSigner}. */
export interface SignerOptions {
  /**
   * The S3 client, or its configuration. When s3edge builds the client it sets
   * `requestChecksumCalculation` and `responseChecksumValidation` to
   * `"WHEN_REQUIRED"`; a client you build yourself must set them too, or the SDK
   * signs a checksum of an empty body into every presigned PUT and browsers'
   * uploads fail (the signer refuses such a client with a clear error).
   */
  s3: S3Client | S3ClientConfig;
  bucket: string;
  /** HMAC key of the multipart tokens: at least 32 bytes (a string counts its UTF-8 bytes). */
  tokenSecret: string | Uint8Array;
  /** The application's authentication: return the user, or throw / return null to answer 401 `NotAuthorized`. Read headers and cookies only: the body belongs to the endpoint. */
  authorize: (request: Request) => User | null | undefined | Promise<User | null | undefined>;
  /** Key of a new upload. Default `uploads/<uuid>/<sanitized filename>`. Must return a valid key (else 500). */
  keyPolicy?: (input: CreateInput, ctx: SignerContext) => string | Promise<string>;
  limits?: SignerLimits;
  /** CDN base URL: answers then carry `cdnUrl`. */
  cdn?: string;
  /** How to build `s3Url`; default derived from the S3 client's configuration. */
  origin?: OriginSpec;
  /** Lifetime of presigned URLs in seconds. Default 900. */
  urlExpiresIn?: number;
  /** Lifetime of multipart tokens in seconds (how long an upload can be resumed). Default 86,400. */
  tokenExpiresIn?: number;
  /** Enables the `url` operation (presigned GET for private buckets); without it `url` answers 403. */
  read?: (key: string, ctx: SignerContext) => boolean | Promise<boolean>;
  /** Logging hook, called with every error the endpoint answers (messages are safe; `cause` may hold raw details). */
  onError?: (error: SignerError, op: string) => void;
  /** Testing aid: the clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** An operation's input without the protocol envelope (`v`, `op`). */
export type OpInput<T> = Omit<T, "v" | "op">;

/** Options of {@link Signer.upload}. */
export interface ServerUploadOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  /** Part size in bytes (at least 5 MiB). */
  partSize?: number;
  /** Parts in flight at once. Default 4. */
  queueSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { loaded: number; total?: number }) => void;
}

/** Anything {@link Signer.upload} accepts: bytes, a Web or Node stream, or a file path. */
export type ServerUploadBody = Uint8Array | ReadableStream<Uint8Array> | NodeJS.ReadableStream | string;

/** The signing service: one method per protocol operation, plus server-side helpers. */
export interface Signer {
  /** The bucket every operation works on. */
  readonly bucket: string;
  /** The S3 client in use. */
  readonly client: S3Client;
  /** Run the application's `authorize`; throws `NotAuthorized` (401) when it fails. */
  authorize(request: Request): Promise<User>;
  /** The `create` operation: limits, key policy, then one presigned PUT or a new multipart upload and its token. */
  create(req: OpInput<CreateRequest>, ctx: SignerContext): Promise<CreateResponse>;
  /** The `sign` operation: presigned URLs for up to 100 parts, each bound to its size. */
  sign(req: OpInput<SignRequest>, ctx: SignerContext): Promise<SignResponse>;
  /** The `list` operation: the parts S3 holds (for resume). */
  list(req: OpInput<ListRequest>, ctx: SignerContext): Promise<ListResponse>;
  /** The `complete` operation: CompleteMultipartUpload with exactly parts 1..n. */
  complete(req: OpInput<CompleteRequest>, ctx: SignerContext): Promise<UploadResult>;
  /** The `abort` operation; idempotent. */
  abort(req: OpInput<AbortRequest>, ctx: SignerContext): Promise<AbortResponse>;
  /** The `url` operation: `read` decides, then a presigned GET. */
  url(req: OpInput<UrlRequest>, ctx: SignerContext): Promise<UrlResponse>;
  /** CDN (when configured) and direct S3 URL of a key. */
  getUrl(key: string): { cdnUrl?: string; s3Url: string };
  /** A presigned GET of a key, valid `expiresIn` seconds (default `urlExpiresIn`). */
  presignGet(key: string, expiresIn?: number): Promise<{ url: string; expiresAt: number }>;
  /** Upload from the server itself (multipart through `@aws-sdk/lib-storage`). */
  upload(key: string, body: ServerUploadBody, options?: ServerUploadOptions): Promise<UploadResult>;
}
