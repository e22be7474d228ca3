/**
 * S3-compatible test server: s3rver 3.7.1 behind a front `node:http` server that verifies SigV4,
 * answers the multipart operations s3rver lacks, guards CompleteMultipartUpload, logs requests
 * and lets tests inject faults. Test support, not product; see README.md beside this file.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";

import type {
  FixtureRequest,
  InterceptedError,
  InterceptedRequest,
  Interceptor,
  InterceptResult,
  S3Fixture,
  S3FixtureOptions,
} from "./api.js";
import { decodeAwsChunked, decodedHeaders, isAwsChunked } from "./chunked.js";
import { classify, type ClassifiedRequest } from "./classify.js";
import { corsConfigXml, corsHeaders } from "./cors.js";
import { drainBody, readBody, replay, sendAnswer, sendError, type ByteCount } from "./http.js";
import {
  abortMultipartUpload,
  checkComplete,
  findUpload,
  listMultipartUploads,
  listParts,
  noSuchUpload,
  type Outcome,
  parseCompleteBody,
} from "./multipart.js";
import { s3ClientFor } from "../rgw/bucket.js";
import { verifySigV4 } from "./sigv4.js";
import { UploadStore } from "./uploads.js";
import type { S3ErrorSpec } from "./xml.js";

export type { S3Operation } from "./classify.js";
export type {
  FixtureRequest,
  InterceptedError,
  InterceptedRequest,
  Interceptor,
  InterceptResult,
  S3Fixture,
  S3FixtureOptions,
} from "./api.js";

const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
const DEFAULT_MESSAGES: Record<number, [string, string]> = {
  400: ["InvalidRequest", "Invalid Request"],
  403: ["AccessDenied", "Access Denied"],
  404: ["NoSuchKey", "The specified key does not exist."],
  500: ["InternalError", "We encountered an internal error. Please try again."],
  503: ["SlowDown", "Please reduce your request rate."],
};

function interceptedError(result: InterceptedError): S3ErrorSpec {
  const [code, message] =
    DEFAULT_MESSAGES[result.status] ??
    (result.status >= 500
      ? ["ServiceUnavailable", "Service is unable to handle request."]
      : ["InvalidRequest", "Invalid Request"]);
  return { status: result.status, code: result.code ?? code, message: result.message ?? message };
}

/** Starts a fixture on 127.0.0.1 on an ephemeral port. */
export async function startS3Fixture(options: S3FixtureOptions = {}): Promise<S3Fixture> {
  const bucket = options.bucket ?? "s3edge-test";
  const minPartSize = options.minPartSize ?? 5 * 1024 * 1024;
  const exposeETag = options.exposeETag ?? true;
  const publicRead = options.publicRead ?? true;
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), "s3edge-s3-")));

  const s3rver = new S3rver({
    directory,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket, configs: [corsConfigXml(exposeETag)] }],
  });
  s3rver.on("error", () => {}); // s3rver answers the error itself; keep Koa from printing it
  await s3rver.configureBuckets();
  const s3rverHandler = s3rver.callback();
  const store = new UploadStore(directory, bucket);
  const secrets = new Map([[CREDENTIALS.accessKeyId, CREDENTIALS.secretAccessKey]]);
  const requests: FixtureRequest[] = [];
  const interceptors: Interceptor[] = [];
  const clients: S3Client[] = [];

  function log(res: ServerResponse, info: ClassifiedRequest, count: ByteCount): void {
    let logged = false;
    const push = (status: number): void => {
      if (logged) return;
      logged = true;
      const entry: FixtureRequest = {
        method: info.method,
        key: info.key,
        operation: info.operation,
        status,
        bytes: count.bytes,
      };
      if (info.partNumber !== undefined) entry.partNumber = info.partNumber;
      if (info.uploadId !== undefined) entry.uploadId = info.uploadId;
      requests.push(entry);
    };
    res.once("finish", () => push(res.statusCode));
    res.once("close", () => push(res.writableFinished ? res.statusCode : 0));
  }

  async function decide(info: ClassifiedRequest): Promise<InterceptResult> {
    const view: InterceptedRequest = {
      method: info.method,
      key: info.key,
      operation: info.operation,
      partNumber: info.partNumber,
      uploadId: info.uploadId,
      query: { ...info.query },
    };
    for (const fn of [...interceptors]) {
      const result = await fn(view);
      if (result !== undefined) return result;
    }
    return undefined;
  }

  async function route(info: ClassifiedRequest, body: Buffer): Promise<Outcome | "forward"> {
    if (info.bucket !== bucket) return "forward";
    const uploadId = info.uploadId ?? "";
    switch (info.operation) {
      case "ListParts":
        return listParts(store, info.key, uploadId, info.params);
      case "ListMultipartUploads":
        return listMultipartUploads(store, info.params);
      case "AbortMultipartUpload":
        return abortMultipartUpload(store, info.key, uploadId);
      case "UploadPart": {
        const n = info.partNumber;
        if (n === undefined || n < 1 || n > 10_000) {
          return {
            ok: false,
            error: {
              status: 400,
              code: "InvalidArgument",
              message: "Part number must be an integer between 1 and 10000, inclusive",
              detail: { ArgumentName: "partNumber", ArgumentValue: info.query["partNumber"] ?? "" },
            },
          };
        }
        return (await findUpload(store, info.key, uploadId)) ? "forward" : { ok: false, error: noSuchUpload(uploadId) };
      }
      case "CompleteMultipartUpload": {
        const error = await checkComplete(store, info.key, uploadId, body.toString("utf8"), minPartSize);
        return error ? { ok: false, error } : "forward";
      }
      default:
        return "forward";
    }
  }

  const objectFile = (key: string): string => {
    const segments = key.split("/");
    const last = segments.pop() ?? "";
    return join(directory, bucket, ...segments, `${last}._S3rver_object`);
  };

  /**
   * The file s3rver will write for a forwarded request, and its final size. s3rver answers 200 when
   * its MD5 stream ends, before its write stream has flushed; S3 is read-after-write consistent, so
   * the answer is held until the bytes are on disk (see holdUntilWritten).
   */
  async function expectedWrite(
    info: ClassifiedRequest,
    body: Buffer,
  ): Promise<{ path: string; size: number } | undefined> {
    if (info.bucket !== bucket) return undefined;
    if (info.operation === "PutObject") return { path: objectFile(info.key), size: body.length };
    if (info.operation === "UploadPart" && info.uploadId) {
      return {
        path: join(directory, bucket, "._S3rver_uploads", info.uploadId, String(info.partNumber)),
        size: body.length,
      };
    }
    if (info.operation === "CompleteMultipartUpload" && info.uploadId) {
      const named = new Set((parseCompleteBody(body.toString("utf8")) ?? []).map((p) => p.partNumber));
      const parts = (await store.parts(info.uploadId)) ?? [];
      return {
        path: objectFile(info.key),
        size: parts.filter((p) => named.has(p.partNumber)).reduce((sum, p) => sum + p.size, 0),
      };
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const info = classify(req.method ?? "GET", req.url ?? "/");
    const count: ByteCount = { bytes: 0 };
    const cors = corsHeaders(req.headers.origin, exposeETag);
    log(res, info, count);

    const decision = await decide(info);
    if (decision === "reset") {
      req.socket.destroy();
      return;
    }
    if (decision === "hang") {
      req.resume();
      return;
    }
    if (decision !== undefined) {
      if (await drainBody(req, count)) sendError(res, interceptedError(decision), { ...cors, ...decision.headers });
      return;
    }

    let body: Buffer;
    try {
      // Buffered whole so a part or object is replaced atomically, as on S3 (s3rver writes in place).
      body = await readBody(req, count);
    } catch {
      return; // the client went away
    }
    if (info.operation !== "Preflight") {
      const auth = verifySigV4(
        { method: info.method, url: req.url ?? "/", headers: req.headersDistinct },
        { secrets, region: REGION, now: Date.now() },
      );
      if (!auth.ok) return sendError(res, auth.error, cors);
      const publicObjectRead = publicRead && (info.operation === "GetObject" || info.operation === "HeadObject");
      if (auth.kind === "anonymous" && !publicObjectRead) {
        return sendError(res, { status: 403, code: "AccessDenied", message: "Access Denied" }, cors);
      }
    }
    let headers = req.headers;
    if (isAwsChunked(req.headers)) {
      const decoded = decodeAwsChunked(body);
      const declared = req.headers["x-amz-decoded-content-length"];
      if (!decoded || (declared !== undefined && Number(declared) !== decoded.length)) {
        return sendError(
          res,
          { status: 400, code: "IncompleteBody", message: "The request body terminated unexpectedly" },
          cors,
        );
      }
      body = decoded;
      headers = decodedHeaders(req.headers, decoded.length);
    }
    const outcome = await route(info, body);
    if (outcome === "forward") {
      const written = await expectedWrite(info, body);
      if (written) holdUntilWritten(res, written.path, written.size);
      return replay(req, res, body, s3rverHandler, headers);
    }
    if (!outcome.ok) return sendError(res, outcome.error, cors);
    sendAnswer(res, outcome.answer.status, outcome.answer.body, cors);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent)
        sendError(
          res,
          { status: 500, code: "InternalError", message: "We encountered an internal error. Please try again." },
          {},
        );
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    bucket,
    region: REGION,
    credentials: { ...CREDENTIALS },
    directory,
    requests,
    resetRequests: () => {
      requests.length = 0;
    },
    intercept(fn) {
      interceptors.push(fn);
      return () => {
        const i = interceptors.indexOf(fn);
        if (i !== -1) interceptors.splice(i, 1);
      };
    },
    listUploads: async () => (await store.list()).map(({ key, uploadId }) => ({ key, uploadId })),
    async getObject(key) {
      const segments = key.split("/");
      const last = segments.pop() ?? "";
      try {
        return new Uint8Array(await readFile(join(directory, bucket, ...segments, `${last}._S3rver_object`)));
      } catch {
        return undefined;
      }
    },
    s3Client() {
      const client = s3ClientFor({ endpoint, region: REGION, credentials: CREDENTIALS });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients.splice(0)) client.destroy();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      s3rver.logger.close();
      if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Delay a 2xx `res.end` until `path` holds `size` bytes (at most 10 s). */
function holdUntilWritten(res: ServerResponse, path: string, size: number): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    if (res.statusCode < 200 || res.statusCode >= 300) return end(...args);
    void (async () => {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        const now = await stat(path).catch(() => undefined);
        if (now && now.size >= size) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      end(...args);
    })();
    return res;
  }) as ServerResponse["end"];
}
