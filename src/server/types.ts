/**
 * Public types of `s3edge/server`: the signer's options, the signer itself and
 * what its hooks receive. The logic lives in the other files of this folder.
 */
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import type {
  AbortRequest,
  AbortResponse,
  CompleteRequest,
  CreateManyRequest,
  CreateManyResponse,
  CreateRequest,
  CreateResponse,
  ListRequest,
  ListResponse,
  Operation,
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
  /** The client's `requestId` for this create (the same on its retries), when it sent one. */
  requestId?: string;
  /**
   * With a `requestId`: a UUID derived from the user's id and the requestId with `tokenSecret`
   * (the same on every retry of this create, unguessable, different for any other user or
   * request). A key policy that puts it in the key as a whole path segment (as the default
   * `uploads/<requestKey>/<file>` does) makes the key request-scoped: a retried create reuses the
   * multipart upload already started for that key, and `complete`/`abort` abort any other upload
   * of exactly that key (a create retried inside the S3 SDK). Without it, keys are never deduped.
   */
  requestKey?: string;
}

/** Limits the signer enforces on every upload. */
export interface SignerLimits {
  /** Largest object in bytes. Default 5 GiB. Holds for streams of unknown length too: no part is signed past it. */
  maxSize?: number;
  /** Smallest object in bytes. Default 0. */
  minSize?: number;
  /**
   * Allowed content types: `"image/png"`, wildcards `"image/*"` and `"*\/*"`. Default `["*\/*"]`.
   * `"image/*"` does not admit `image/svg+xml` (an SVG can carry script that runs when the file is
   * opened from a domain the app trusts): list `"image/svg+xml"` to accept SVG.
   */
  contentTypes?: string[];
  /** Most parts of one multipart upload (at most S3's 10,000). Default 10,000. */
  maxParts?: number;
  /** Files smaller than this go up in one presigned PUT. Default 10 MiB (the default part size). */
  multipartThreshold?: number;
  /** Preferred part size in bytes (5 MiB..5 GiB); raised when a file would need too many parts. Default 10 MiB: keep it a multiple of 10 MiB for Blobs built in a Chromium page (see `DEFAULT_PART_SIZE`). */
  partSize?: number;
  /** Whether `size: null` (a stream of unknown length) is accepted. Default true: the size is then bounded by signing and checked again at `complete`. */
  allowUnknownSize?: boolean;
  /** Per-user check run after the built-in limits (quotas...): throw a {@link SignerError} to refuse. */
  check?: (input: CreateInput, ctx: SignerContext) => void | Promise<void>;
}

/**
 * One upload target of a signer with several (`targets`): a bucket in one region, or behind one
 * S3-compatible endpoint. Clients time each target and say which they prefer in `create`; the
 * signer decides (`chooseTarget`) and binds the chosen id into the upload's token.
 */
export interface UploadTargetOptions {
  /** Stable id, 1..64 characters of `[A-Za-z0-9_-]`: tokens carry it (renaming a target orphans its uploads in progress). */
  id: string;
  /** The bucket (a name S3 accepts; absent, as from an unset environment variable, is checked at the first request). */
  bucket: string;
  /** This target's S3 client or configuration. Default: the signer's `s3` with this target's `region` and `endpoint`. */
  s3?: S3Client | S3ClientConfig;
  /** AWS region of the bucket (overrides the region of the signer's `s3` configuration). */
  region?: string;
  /** Custom S3-compatible endpoint of the bucket (overrides the endpoint of the signer's `s3` configuration). */
  endpoint?: string;
  /** Presign this target's uploads on S3 Transfer Acceleration. Default: the signer's `accelerate`. */
  accelerate?: boolean;
  /** How to build this target's `s3Url`; default derived from its client configuration. */
  origin?: OriginSpec;
  /** CDN base URL of this target's objects. Default: the signer's `cdn`. */
  cdn?: string;
  /** URL clients time to measure their round trip to this target. Default: the bucket's base URL (the accelerate one with `accelerate`). */
  probeUrl?: string;
}

/** What `chooseTarget` decides from. */
export interface TargetChoice {
  /** The id the client prefers, when it is one of `targets` (an unknown preference is dropped before). */
  preferred: string | undefined;
  /** Ids of every target, in configured order. */
  targets: readonly string[];
  input: CreateInput;
}

/** Logging hook: every error the endpoint answers (messages are safe; `cause` may hold raw details). */
export type ErrorHook = (error: SignerError, op: string) => void;

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
  /**
   * The bucket (not with `targets`, where each target names its own). May be absent (`undefined` or `""`) when the signer is created, e.g. read from an
   * environment variable during a build: it is then checked at the first request (500, and a
   * `ConfigError` in the log). A name S3 cannot have throws at once.
   */
  bucket?: string;
  /**
   * Several upload targets (buckets in several regions) instead of one `bucket`: clients upload
   * to the one they measured nearest, within `chooseTarget`'s policy. The first is the default.
   */
  targets?: UploadTargetOptions[];
  /**
   * Which target a new upload goes to. Default: the client's preference when it is a configured
   * target, else the first target. Return a target id (an unknown id is a 500: a server bug).
   */
  chooseTarget?: (choice: TargetChoice, ctx: SignerContext) => string | undefined | Promise<string | undefined>;
  /**
   * Presign part URLs and single PUTs on the S3 Transfer Acceleration endpoint
   * (`<bucket>.s3-accelerate.amazonaws.com`; the dualstack one with `useDualstackEndpoint`).
   * AWS only: a bucket name without dots, virtual-hosted addressing, no custom `endpoint`
   * (a `ConfigError` says which otherwise). The bucket must have acceleration enabled.
   * Complete, ListParts and abort stay on the regular endpoint (the server sends them).
   */
  accelerate?: boolean;
  /**
   * HMAC key of the multipart tokens: at least 32 bytes (a string counts its UTF-8 bytes). May be
   * absent (`undefined` or empty) when the signer is created (a build without secrets): it is then
   * checked at the first request. A secret that is present but too short throws at once.
   */
  tokenSecret: string | Uint8Array;
  /**
   * The application's authentication: return the user, or return null / undefined to answer 401
   * `NotAuthorized`. Throw a {@link SignerError} to answer its code; any other exception (a
   * database that is down) answers 500 `InternalError` and is logged. Read headers and cookies
   * only: the body belongs to the endpoint (it is read after `authorize` succeeds).
   */
  authorize: (request: Request) => User | null | undefined | Promise<User | null | undefined>;
  /**
   * Key of a new upload. Default `uploads/<uuid>/<sanitized filename>`, the uuid being
   * `input.requestKey` when the client sent a `requestId` (random otherwise). Must return a valid
   * key (else 500). Use `input.requestKey` as a path segment to make retried creates idempotent.
   */
  keyPolicy?: (input: CreateInput, ctx: SignerContext) => string | Promise<string>;
  limits?: SignerLimits;
  /** CDN base URL: answers then carry `cdnUrl`. */
  cdn?: string;
  /** How to build `s3Url`; default derived from the S3 client's configuration. */
  origin?: OriginSpec;
  /** Lifetime of presigned URLs in milliseconds, whole seconds (a remainder is dropped), at most 7 days. Default 900,000 (15 minutes). */
  urlExpiresInMs?: number;
  /** @deprecated Use {@link SignerOptions.urlExpiresInMs} (milliseconds). Seconds; used only when `urlExpiresInMs` is absent. */
  urlExpiresIn?: number;
  /** Lifetime of multipart tokens in milliseconds (how long an upload can be signed and resumed). Default 86,400,000 (one day). */
  tokenExpiresInMs?: number;
  /** @deprecated Use {@link SignerOptions.tokenExpiresInMs} (milliseconds). Seconds; used only when `tokenExpiresInMs` is absent. */
  tokenExpiresIn?: number;
  /** Enables the `url` operation (presigned GET for private buckets); without it `url` answers 403. */
  read?: (key: string, ctx: SignerContext) => boolean | Promise<boolean>;
  /** @deprecated Pass `onError` to `handleS3Edge(signer, { onError })`; this one is used only when the handler has none. */
  onError?: ErrorHook;
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
  concurrency?: number;
  /** @deprecated Use {@link ServerUploadOptions.concurrency}; used only when `concurrency` is absent. */
  queueSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { loaded: number; total?: number }) => void;
}

/** Options of {@link Signer.presignGet}. */
export interface PresignGetOptions {
  /** Lifetime of the URL in milliseconds, whole seconds, at most 7 days. Default the signer's `urlExpiresInMs`. */
  expiresInMs?: number;
}

/** Anything {@link Signer.upload} accepts: bytes, a Web or Node stream, or a file path. */
export type ServerUploadBody = Uint8Array | ReadableStream<Uint8Array> | NodeJS.ReadableStream | string;

/** The CDN (when configured) and direct S3 URL of a key. */
export interface ObjectUrls {
  cdnUrl?: string;
  s3Url: string;
}

/** What each protocol operation answers. */
export interface OperationResults {
  create: CreateResponse;
  createMany: CreateManyResponse;
  sign: SignResponse;
  list: ListResponse;
  complete: UploadResult;
  abort: AbortResponse;
  url: UrlResponse;
}

/** The signing service: one method per protocol operation, plus server-side helpers. */
export interface Signer {
  /** The bucket every operation works on (the first target's with `targets`; throws a `ConfigError` when it was absent at creation and still is). */
  readonly bucket: string;
  /**
   * The S3 client, once it exists: the one passed as `s3`, or the one built from its
   * configuration at the first request (`@aws-sdk/client-s3` is loaded on first use).
   * @deprecated Use `await signer.getClient()`, which builds the client when needed; this
   * getter throws a `ConfigError` before the client is built.
   */
  readonly client: S3Client;
  /** The S3 client in use, built on first call from `s3` (loads `@aws-sdk/client-s3`). */
  getClient(): Promise<S3Client>;
  /** Run the application's `authorize`; throws `NotAuthorized` (401) when it returns no user, `InternalError` (500) when it throws. */
  authorize(request: Request): Promise<User>;
  /**
   * Run a protocol operation by name with an unchecked input (what `handleS3Edge` calls: the
   * input is validated by the operation). The named methods below are typed shortcuts.
   */
  run<O extends Operation>(op: O, input: unknown, ctx: SignerContext): Promise<OperationResults[O]>;
  /** The `create` operation: limits, key policy, then one presigned PUT or a new multipart upload and its token. */
  create(req: OpInput<CreateRequest>, ctx: SignerContext): Promise<CreateResponse>;
  /**
   * The `createMany` operation: up to 16 `create`s in one call, each answered (or refused) as
   * a lone `create` would be, in the order given.
   */
  createMany(req: OpInput<CreateManyRequest>, ctx: SignerContext): Promise<CreateManyResponse>;
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
  /** The CDN (when configured) and direct S3 URL of a key. */
  objectUrls(key: string): ObjectUrls;
  /** @deprecated Use {@link Signer.objectUrls} (same result). */
  getUrl(key: string): ObjectUrls;
  /** A presigned GET of a key, valid `expiresInMs` (default the signer's `urlExpiresInMs`). */
  presignGet(key: string, options?: PresignGetOptions): Promise<UrlResponse>;
  /** @deprecated Pass `{ expiresInMs }` (milliseconds) instead of seconds. */
  presignGet(key: string, expiresInSeconds: number): Promise<UrlResponse>;
  /** Upload from the server itself (multipart through `@aws-sdk/lib-storage`, loaded on first use). */
  upload(key: string, body: ServerUploadBody, options?: ServerUploadOptions): Promise<UploadResult>;
  /** @deprecated The signer's own `onError` option, for `handleS3Edge` when it has none. */
  readonly onError: ErrorHook | undefined;
}
