/**
 * Helpers of the signer's unit tests: an S3Client whose `send` is stubbed per
 * command (presigning stays real: it never calls `send`), a signer over it,
 * and a protocol caller through `handleS3Edge`.
 */
import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";

import { createSigner, handleS3Edge } from "../../../src/server.js";
import type { SignerError, SignerOptions, User } from "../../../src/server.js";

export const SECRET = "unit-test-secret-0123456789abcdef-XYZ";
export const SECRET_ACCESS_KEY = "unit-secret-access-key-DO-NOT-LEAK";
export const MiB = 1024 * 1024;

/** A stubbed S3 call: gets the command input, returns the output or throws. */
export type Stub = (input: Record<string, unknown>) => unknown;

/** Commands sent, in order. */
export interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

/** An S3 service error as the SDK throws it. */
export function s3Error(
  name: string,
  status: number,
  message = `${name} at https://bucket.s3.amazonaws.com/k?X-Amz-Signature=deadbeef`,
): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    message,
  });
}

/** An S3Client with real presigning and `send` answered by `stubs` (by command name). */
export function stubClient(stubs: Record<string, Stub> = {}): { client: S3Client; sent: SentCommand[] } {
  const client = new S3Client({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    forcePathStyle: true,
    credentials: { accessKeyId: "AKIDUNIT", secretAccessKey: SECRET_ACCESS_KEY },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const sent: SentCommand[] = [];
  const defaults: Record<string, Stub> = {
    CreateMultipartUploadCommand: () => ({ UploadId: "upload-1" }),
    ListPartsCommand: () => ({ Parts: [], IsTruncated: false }),
    CompleteMultipartUploadCommand: () => ({ ETag: '"etag-final-1"' }),
    AbortMultipartUploadCommand: () => ({}),
    HeadObjectCommand: () => ({ ContentLength: 0 }),
    DeleteObjectCommand: () => ({}),
  };
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> => {
    const name = command.constructor.name;
    sent.push({ name, input: command.input });
    const stub = stubs[name] ?? defaults[name];
    if (stub === undefined) throw new Error(`unexpected S3 command ${name}`);
    return stub(command.input);
  };
  Object.assign(client, { send });
  return { client, sent };
}

/** The user named by the `x-user` header, as a typical cookie/header auth would. */
export function headerAuth(request: Request): User | null {
  const id = request.headers.get("x-user");
  return id === null ? null : { id };
}

/** A signer over a stubbed client, its handler and a caller. */
export function setup(options: Partial<SignerOptions> = {}, stubs: Record<string, Stub> = {}) {
  const { client, sent } = stubClient(stubs);
  const errors: Array<{ error: SignerError; op: string }> = [];
  const signer = createSigner({
    s3: client,
    bucket: "unit-bucket",
    tokenSecret: SECRET,
    authorize: headerAuth,
    onError: (error, op) => errors.push({ error, op }),
    ...options,
  });
  const handler = handleS3Edge(signer);
  /** Call the handler; `T` is the answer's expected shape (unchecked: the tests check it). */
  async function call<T extends object = Record<string, unknown>>(
    body: unknown,
    init: { user?: string | null; method?: string; contentType?: string; raw?: string } = {},
  ) {
    const headers: Record<string, string> = { "content-type": init.contentType ?? "application/json" };
    const user = init.user === undefined ? "alice" : init.user;
    if (user !== null) headers["x-user"] = user;
    const method = init.method ?? "POST";
    const request = new Request("http://app.test/api/s3edge", {
      method,
      headers,
      ...(method === "GET" || method === "HEAD" ? {} : { body: init.raw ?? JSON.stringify(body) }),
    });
    const response = await handler(request);
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as T };
  }
  return { signer, handler, client, sent, errors, call };
}

/** Create a multipart upload through the handler and return its reference. */
export async function createMultipart(
  call: ReturnType<typeof setup>["call"],
  body: Record<string, unknown> = {},
  user = "alice",
): Promise<{ key: string; uploadId: string; token: string; partSize: number; expiresAt: number }> {
  const res = await call(
    // Parts of 8 MiB, proposed by the client, so that the tests' arithmetic does not follow the
    // signer's default part size (which signer.test.ts checks on its own).
    {
      v: 1,
      op: "create",
      filename: "big.bin",
      contentType: "application/octet-stream",
      size: 20 * MiB,
      partSize: 8 * MiB,
      ...body,
    },
    { user },
  );
  if (res.status !== 200) throw new Error(`create failed: ${res.text}`);
  return res.json as { key: string; uploadId: string; token: string; partSize: number; expiresAt: number };
}
