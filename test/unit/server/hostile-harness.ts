/**
 * Harness of the hostile-input suites: send one attacker's request to the real
 * `handleS3Edge` (S3 stubbed, presigning real) and check the three promises:
 * the documented status and code, nothing signed (no URL, no signature in the
 * answer), and nothing written (no S3 command that writes or deletes).
 */
import { expect } from "vitest";

import type { ServerErrorCode } from "../../../src/core/errors.js";
import type { SignerError, SignerOptions } from "../../../src/server.js";
import { requestWithRefusedMethod } from "../../../src/server/method.js";
import { MiB, createMultipart, setup } from "./helpers.js";

/** S3 commands that write, overwrite or delete. */
export const WRITES: ReadonlySet<string> = new Set([
  "CreateMultipartUploadCommand",
  "CompleteMultipartUploadCommand",
  "AbortMultipartUploadCommand",
  "PutObjectCommand",
  "UploadPartCommand",
  "CopyObjectCommand",
  "DeleteObjectCommand",
  "DeleteObjectsCommand",
]);

/** A multipart upload created before the hostile request (its creation is not counted). */
export interface Upload {
  key: string;
  uploadId: string;
  token: string;
  partSize: number;
}

/** One hostile request. */
export interface Attempt {
  /** JSON body (serialised), or `raw` text / bytes as sent. */
  body?: unknown;
  raw?: string | Uint8Array<ArrayBuffer>;
  method?: string;
  /** The caller (`x-user`); `null`: no credentials. Default "alice". */
  user?: string | null;
  contentType?: string | null;
  headers?: Record<string, string>;
}

/** One row of a hostile table. */
export interface Case {
  name: string;
  status: number;
  code: ServerErrorCode;
  options?: Partial<SignerOptions>;
  /** Create a multipart upload first (the create body's extras; `size` defaults to 20 MiB). */
  upload?: Record<string, unknown>;
  /** Who creates the upload. Default "alice". */
  owner?: string;
  /** Advance the signer's clock by this many ms after the upload is created. */
  laterMs?: number;
  attempt: (up: Upload | undefined) => Attempt | Promise<Attempt>;
}

/** What came back, for extra checks. */
export interface Outcome {
  status: number;
  code: string;
  message: string;
  text: string;
  errors: SignerError[];
}

const SIGNED = /X-Amz-(Signature|Credential|Algorithm)|https?:\/\//i;

function requestOf(attempt: Attempt): Request {
  const headers = new Headers(attempt.headers);
  const contentType = attempt.contentType === undefined ? "application/json" : attempt.contentType;
  if (contentType !== null) headers.set("content-type", contentType);
  const user = attempt.user === undefined ? "alice" : attempt.user;
  if (user !== null) headers.set("x-user", user);
  const method = attempt.method ?? "POST";
  const url = "http://app.test/api/s3edge";
  if (["TRACE", "CONNECT", "TRACK"].includes(method.toUpperCase()))
    return requestWithRefusedMethod(url, method, headers);
  if (method === "GET" || method === "HEAD") return new Request(url, { method, headers });
  const body = attempt.raw ?? (attempt.body === undefined ? "" : JSON.stringify(attempt.body));
  return new Request(url, { method, headers, body });
}

/** Send `c` and check status, code, nothing signed, nothing written. */
export async function expectRefused(c: Case): Promise<Outcome> {
  const clock = { now: Date.UTC(2030, 0, 1) };
  const env = setup({ now: () => clock.now, ...c.options });
  const up =
    c.upload === undefined
      ? undefined
      : await createMultipart(env.call, { size: 20 * MiB, ...c.upload }, c.owner ?? "alice");
  clock.now += c.laterMs ?? 0;
  const before = env.sent.length;
  const errorsBefore = env.errors.length;
  const response = await env.handler(requestOf(await c.attempt(up)));
  const text = await response.text();
  const json = JSON.parse(text) as { error?: { code: string; message: string } };
  const written = env.sent.slice(before).filter((command) => WRITES.has(command.name));
  const outcome = {
    status: response.status,
    code: json.error?.code ?? "<none>",
    message: json.error?.message ?? "",
    text,
    errors: env.errors.slice(errorsBefore).map((e) => e.error),
  };
  expect({ status: outcome.status, code: outcome.code }, `${c.name}: ${text}`).toEqual({
    status: c.status,
    code: c.code,
  });
  expect(Object.keys(json)).toEqual(["error"]);
  expect(text).not.toMatch(SIGNED);
  if (up !== undefined) expect(text).not.toContain(up.token);
  expect(written.map((command) => command.name)).toEqual([]);
  expect(outcome.errors.map((e) => e.code)).toEqual([c.code]);
  return outcome;
}
