/**
 * The contenders of the upload case: raw presigned PUTs (Node's fetch and bare
 * node:http), @aws-sdk/lib-storage, and s3edge's Node uploader. Each one's
 * `prepare` runs before the clock and returns the timed upload.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { createReadStream } from "node:fs";
import { Agent, request } from "node:http";

import { createUploader } from "../../src/node.js";
import { S3RVER_CREDENTIALS } from "../lib/s3rver.js";
import { MiB } from "../lib/stats.js";

/** Part size of every contender. */
export const PART = 8 * MiB;
/** Parts in flight of every contender. */
export const CONCURRENCY = 4;
/** Contender names. */
export const RAW = "raw fetch (presigned)";
export const RAW_HTTP = "raw node:http (presigned)";
export const LIB = "@aws-sdk/lib-storage (Buffer)";
export const LIB_PATH = "@aws-sdk/lib-storage (file stream)";

/** Where an upload goes: the S3 endpoint and the signing endpoint in front of it. */
export interface Target {
  name: "sink" | "s3rver";
  s3: string;
  app: string;
  bucket: string;
}

/** The bytes to upload, in memory and as a file. */
export interface Input {
  data: Buffer;
  path: string;
}

/** A contender: `prepare` runs before the clock and returns the timed upload. */
export interface Contender {
  name: string;
  prepare(target: Target, input: Input): Promise<() => Promise<void>>;
}

function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Every contender, sharing S3 clients and uploaders per endpoint; `close` frees them. */
export function contenders(): { list: Contender[]; close(): void } {
  const clients = new Map<string, S3Client>();
  const client = (endpoint: string): S3Client => {
    let c = clients.get(endpoint);
    if (!c) clients.set(endpoint, (c = s3Client(endpoint)));
    return c;
  };
  const uploaders = new Map<string, ReturnType<typeof createUploader>>();
  const uploader = (endpoint: string): ReturnType<typeof createUploader> => {
    let u = uploaders.get(endpoint);
    if (!u)
      uploaders.set(
        endpoint,
        (u = createUploader({ endpoint, concurrency: CONCURRENCY, partSize: PART, store: false })),
      );
    return u;
  };

  /** PUT one part with Node's fetch (undici); resolves to its ETag. */
  const fetchPut = async (url: string, body: Uint8Array): Promise<string> => {
    const response = await fetch(url, { method: "PUT", body: body as Uint8Array<ArrayBuffer> });
    await response.arrayBuffer();
    const etag = response.headers.get("etag");
    if (!response.ok || !etag) throw new Error(`raw fetch PUT answered ${response.status}`);
    return etag;
  };
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  /** PUT one part with node:http on a keep-alive agent, the whole Buffer in one write. */
  const httpPut = (url: string, body: Uint8Array): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: "PUT", agent, headers: { "content-length": body.byteLength } }, (res) => {
        res.resume();
        res.on("end", () => {
          const etag = res.headers.etag;
          if ((res.statusCode ?? 0) >= 300 || !etag) reject(new Error(`raw node:http PUT answered ${res.statusCode}`));
          else resolve(etag);
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });

  const raw = (name: string, key: string, put: (url: string, body: Uint8Array) => Promise<string>): Contender => ({
    name,
    async prepare(target, { data }) {
      const s3 = client(target.s3);
      const Bucket = target.bucket;
      const Key = `bench/${key}.bin`;
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
      const count = Math.ceil(data.byteLength / PART);
      const urls = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          getSignedUrl(s3, new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1 }), { expiresIn: 3600 }),
        ),
      );
      return async () => {
        const etags: string[] = new Array<string>(count);
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < count) {
            const i = next++;
            etags[i] = await put(urls[i] as string, data.subarray(i * PART, Math.min(data.byteLength, (i + 1) * PART)));
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
          }),
        );
      };
    },
  });

  const libStorage = (from: "Buffer" | "path"): Contender => ({
    name: from === "Buffer" ? LIB : LIB_PATH,
    async prepare(target, input) {
      const s3 = client(target.s3);
      return async () => {
        const upload = new Upload({
          client: s3,
          params: {
            Bucket: target.bucket,
            Key: `bench/lib-storage-${from}.bin`,
            Body: from === "Buffer" ? input.data : createReadStream(input.path),
          },
          queueSize: CONCURRENCY,
          partSize: PART,
        });
        await upload.done();
      };
    },
  });

  const s3edge = (from: "Buffer" | "path"): Contender => ({
    name: `s3edge (${from})`,
    async prepare(target, input) {
      const up = uploader(target.app);
      return async () => {
        const result = await up.upload(from === "Buffer" ? input.data : input.path, { filename: `s3edge-${from}.bin` });
        up.clearFinished();
        if (result.size !== input.data.byteLength)
          throw new Error(`s3edge stored ${result.size} bytes, not ${input.data.byteLength}`);
      };
    },
  });

  return {
    list: [
      raw(RAW, "raw-fetch", fetchPut),
      raw(RAW_HTTP, "raw-http", httpPut),
      libStorage("Buffer"),
      libStorage("path"),
      s3edge("Buffer"),
      s3edge("path"),
    ],
    close() {
      clients.forEach((c) => c.destroy());
      agent.destroy();
    },
  };
}
