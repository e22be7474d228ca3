/**
 * Public types of the S3 test fixture (re-exported by fixture.ts).
 */
import type { S3Client } from "@aws-sdk/client-s3";

import type { S3Operation } from "./classify.js";

/** Options of `startS3Fixture()`. */
export interface S3FixtureOptions {
  /** Bucket created at start; `"s3edge-test"` unless told. */
  bucket?: string;
  /** s3rver data directory; a fresh temp dir (removed on close) unless told. */
  directory?: string;
  /** Smallest size of every part but the last at CompleteMultipartUpload; 5 MiB (S3's) unless told. */
  minPartSize?: number;
  /** Whether the bucket's CORS rule exposes `ETag` to browsers; true unless told. */
  exposeETag?: boolean;
  /** Whether anonymous GET/HEAD of objects is allowed (public-read bucket); true unless told. */
  publicRead?: boolean;
}

/** One finished (or abandoned) request, appended to {@link S3Fixture.requests}. */
export interface FixtureRequest {
  method: string;
  /** Decoded object key, `""` for bucket-level requests. */
  key: string;
  operation: S3Operation;
  partNumber?: number;
  uploadId?: string;
  /** HTTP status sent; 0 when the connection closed without an answer (reset, hang, client abort). */
  status: number;
  /** Request body bytes received. */
  bytes?: number;
}

/** What an interceptor sees of a request (before authentication and before its body is read). */
export interface InterceptedRequest {
  method: string;
  key: string;
  operation: S3Operation;
  partNumber: number | undefined;
  uploadId: string | undefined;
  query: Record<string, string>;
}

/** An S3 error to answer instead of handling the request; `code`/`message` default from `status`. */
export interface InterceptedError {
  status: number;
  code?: string;
  message?: string;
  headers?: Record<string, string>;
}

/** `undefined`: pass through; an error: answer it; `"hang"`: never answer; `"reset"`: destroy the socket. */
export type InterceptResult = undefined | InterceptedError | "hang" | "reset";

/** A fault hook; the first interceptor (in order added) that returns something decides. */
export type Interceptor = (request: InterceptedRequest) => InterceptResult | Promise<InterceptResult>;

/** A running fixture. */
export interface S3Fixture {
  /** `http://127.0.0.1:<port>`: path-style endpoint. */
  endpoint: string;
  bucket: string;
  region: "us-east-1";
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** s3rver's data directory. */
  directory: string;
  /** Requests in the order their answers finished. */
  requests: FixtureRequest[];
  /** Empties {@link requests} (in place). */
  resetRequests(): void;
  /** Adds a fault hook; returns its remover. */
  intercept(fn: Interceptor): () => void;
  /** Multipart uploads in progress (not completed, not aborted). */
  listUploads(): Promise<Array<{ key: string; uploadId: string }>>;
  /** Stored bytes of an object, or `undefined` if there is none. */
  getObject(key: string): Promise<Uint8Array | undefined>;
  /** A client for this fixture: path-style, checksums only when required. Destroyed on close. */
  s3Client(): S3Client;
  /** Stops the server, drops open connections (hung ones too), removes a temp directory. */
  close(): Promise<void>;
}
