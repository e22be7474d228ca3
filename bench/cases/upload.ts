/**
 * Case 1: upload throughput against the limit. The same bytes, in 8 MiB parts,
 * 4 in parallel, to a loopback sink that discards them and to plain s3rver:
 * raw `fetch` PUTs of URLs presigned before the clock starts, lib-storage's
 * `Upload`, and s3edge's Node uploader (from a Buffer and from a file path,
 * through the real signer). Contenders are interleaved within each repetition
 * (and their order rotates) so that drift hits all of them equally.
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
import type { BenchContext, CaseResult, Goal } from "../lib/context.js";
import { makeData, settle, tempFiles } from "../lib/data.js";
import { spawnWorker } from "../lib/rpc.js";
import { S3RVER_CREDENTIALS } from "../lib/s3rver.js";
import type { SinkStats } from "../lib/sink.js";
import { MiB, pairedRatios, ratioText, spread, summarize, verdict } from "../lib/stats.js";
import type { Table } from "../lib/table.js";
import type { ServersInfo } from "../servers.js";

const PART = 8 * MiB;
const CONCURRENCY = 4;
const RAW = "raw fetch (presigned)";
const RAW_HTTP = "raw node:http (presigned)";
const LIB = "@aws-sdk/lib-storage (Buffer)";
const LIB_PATH = "@aws-sdk/lib-storage (file stream)";

interface Target {
  name: "sink" | "s3rver";
  s3: string;
  app: string;
  bucket: string;
}

interface Input {
  data: Buffer;
  path: string;
}

/** A contender: `prepare` runs before the clock and returns the timed upload. */
interface Contender {
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

function contenders(): { list: Contender[]; close(): void } {
  const clients = new Map<string, S3Client>();
  const client = (endpoint: string): S3Client => {
    let c = clients.get(endpoint);
    if (!c) clients.set(endpoint, (c = s3Client(endpoint)));
    return c;
  };
  const uploaders = new Map<string, ReturnType<typeof createUploader>>();
  const uploader = (endpoint: string): ReturnType<typeof createUploader> => {
    let u = uploaders.get(endpoint);
    if (!u) uploaders.set(endpoint, (u = createUploader({ endpoint, concurrency: CONCURRENCY, partSize: PART, store: false })));
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
          params: { Bucket: target.bucket, Key: `bench/lib-storage-${from}.bin`, Body: from === "Buffer" ? input.data : createReadStream(input.path) },
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
        if (result.size !== input.data.byteLength) throw new Error(`s3edge stored ${result.size} bytes, not ${input.data.byteLength}`);
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

interface Series {
  target: Target["name"];
  size: number;
  /** MiB/s per contender, index = repetition. */
  mibps: Record<string, number[]>;
  /** Order in which the contenders ran, per repetition. */
  order: string[][];
}

type Reps = Record<Target["name"], number>;

async function measure(ctx: BenchContext, targets: Target[], size: number, repsOf: Reps, input: Input, list: Contender[]): Promise<Series[]> {
  const out: Series[] = [];
  for (const target of targets) {
    const reps = repsOf[target.name];
    const series: Series = { target: target.name, size, mibps: {}, order: [] };
    for (const c of list) series.mibps[c.name] = [];
    // Warm-up (not recorded): JIT, keep-alive sockets, s3rver's first writes.
    const warm = { data: input.data.subarray(0, Math.min(size / 2, 4 * PART)), path: input.path };
    for (const c of list) {
      if (c.name === LIB_PATH || c.name.endsWith("(path)")) continue; // the file is the full size; the Buffer warm-ups warm most of the same code
      await (await c.prepare(target, warm))();
    }
    for (let rep = 0; rep < reps; rep++) {
      const order = list.map((_, i) => list[(i + rep) % list.length] as Contender);
      series.order.push(order.map((c) => c.name));
      for (const c of order) {
        await settle();
        const run = await c.prepare(target, input);
        const started = performance.now();
        await run();
        const seconds = (performance.now() - started) / 1000;
        const rate = size / MiB / seconds;
        (series.mibps[c.name] as number[]).push(rate);
        ctx.progress(`upload ${target.name} ${size / MiB} MiB rep ${rep + 1}/${reps} ${c.name}: ${rate.toFixed(1)} MiB/s`);
      }
    }
    out.push(series);
  }
  return out;
}

function tableOf(series: Series[], size: number, goals: Goal[]): Table {
  const rows: string[][] = [];
  for (const s of series) {
    const raw = s.mibps[RAW] ?? [];
    const http = s.mibps[RAW_HTTP] ?? [];
    for (const [name, samples] of Object.entries(s.mibps)) {
      const isEdge = name.startsWith("s3edge");
      // Like for like: a file path against lib-storage reading the same file as a stream.
      const libName = name.endsWith("(path)") ? LIB_PATH : LIB;
      const lib = s.mibps[libName] ?? [];
      const vsRaw = summarize(pairedRatios(samples, raw));
      const vsHttp = summarize(pairedRatios(samples, http));
      const vsLib = summarize(pairedRatios(samples, lib));
      rows.push([
        s.target,
        name,
        spread(summarize(samples)),
        name === RAW ? "1" : ratioText(vsRaw),
        name === RAW_HTTP ? "1" : ratioText(vsHttp),
        name === LIB || name === LIB_PATH ? "1" : ratioText(vsLib),
        isEdge ? `${verdict(vsRaw.median >= 0.95)} / ${verdict(vsLib.median >= 1.0)}` : "",
      ]);
      if (isEdge) {
        const at = `${s.target}, ${size / MiB} MiB`;
        goals.push({ name: `${name} / raw fetch, ${at}`, target: ">= 0.95x", value: ratioText(vsRaw), ok: vsRaw.median >= 0.95 });
        goals.push({ name: `${name} / ${libName.slice("@aws-sdk/".length)}, ${at}`, target: ">= 1.0x", value: ratioText(vsLib), ok: vsLib.median >= 1.0 });
      }
    }
  }
  const n = series.map((s) => `${Object.values(s.mibps)[0]?.length ?? 0} on ${s.target}`).join(", ");
  return {
    title: `Upload ${size / MiB} MiB, 8 MiB parts, 4 in parallel (MiB/s, median (min..max) of ${n})`,
    columns: ["target", "contender", "MiB/s", "vs raw fetch", "vs raw node:http", "vs lib-storage", "goals (raw / lib)"],
    rows,
    notes: [
      "Ratios: median (min..max) of per-repetition ratios; the contenders run back to back within a repetition, in an order that rotates.",
      "raw: CreateMultipartUpload and every part URL presigned (getSignedUrl) before the clock; timed: the PUTs and CompleteMultipartUpload. " +
        "raw fetch = Node's global fetch (the brief's baseline); raw node:http = one req.end(buffer) per part on a keep-alive agent (the lower-level limit).",
      "s3edge: createUploader (Node entry, default node:http keep-alive transport, store: false) through the real signer (startApp) over loopback HTTP; its create, sign and complete round trips are timed.",
      "lib-storage: Upload({ queueSize: 4, partSize: 8 MiB }), S3Client with requestChecksumCalculation WHEN_REQUIRED; Body the Buffer, or fs.createReadStream of the file. " +
        "\"vs lib-storage\" compares like with like: s3edge (Buffer) with lib-storage (Buffer), s3edge (path) with lib-storage (file stream).",
      "sink: loopback node:http server that discards the bytes (bench/lib/sink.ts); s3rver: plain s3rver 3.7.1 started directly (no verifying front), which writes every part to disk and hashes it.",
      "The client runs in one process, the servers in another (2 cores).",
    ],
  };
}

/** Run the upload case. */
export async function runUpload(ctx: BenchContext): Promise<CaseResult> {
  const { quick, gib } = ctx.options;
  // The sink is fast and noisy (more repetitions); s3rver is slow and steadier.
  const sizes: Array<{ size: number; reps: Reps }> = quick
    ? [{ size: 32 * MiB, reps: { sink: 2, s3rver: 2 } }]
    : [{ size: 256 * MiB, reps: { sink: 9, s3rver: 5 } }];
  if (gib) sizes.push({ size: 1024 * MiB, reps: quick ? { sink: 1, s3rver: 1 } : { sink: 3, s3rver: 3 } });
  const servers = await spawnWorker(`${ctx.bundleDir}/servers.js`);
  const files = await tempFiles();
  const { list, close } = contenders();
  const goals: Goal[] = [];
  const tables: Table[] = [];
  const data: Record<string, unknown> = { partSize: PART, concurrency: CONCURRENCY, series: [] as Series[], sinkChecks: [] as unknown[] };
  try {
    const info = await servers.call<ServersInfo>("start", { sink: true, s3rver: true, apps: ["sink", "s3rver"] });
    const targets: Target[] = [
      { name: "sink", s3: info.sink as string, app: info.apps.sink as string, bucket: info.bucket },
      { name: "s3rver", s3: info.s3rver as string, app: info.apps.s3rver as string, bucket: info.bucket },
    ];
    for (const { size, reps } of sizes) {
      const bytes = makeData(size);
      const input: Input = { data: bytes, path: await files.write(`upload-${size}.bin`, bytes) };
      await servers.call("sinkReset");
      const series = await measure(ctx, targets, size, reps, input, list);
      const stats = await servers.call<SinkStats>("sinkStats");
      const full = stats.completed.filter((c) => c.bytes === size).length;
      const expected = reps.sink * list.length;
      (data["series"] as Series[]).push(...series);
      (data["sinkChecks"] as unknown[]).push({ size, completedWithAllBytes: full, expected, errors: stats.errors });
      if (full < expected || stats.errors.length) throw new Error(`sink check failed: ${full}/${expected} uploads complete with all bytes; ${stats.errors.join("; ")}`);
      const table = tableOf(series, size, goals);
      table.notes?.push(`Sink check: ${full} of ${expected} timed uploads completed with all ${size} bytes.`);
      tables.push(table);
    }
  } finally {
    close();
    await servers.close();
    await files.remove();
  }
  return { tables, goals, data };
}
