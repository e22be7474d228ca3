/**
 * The bench's server process: the S3 sink, plain s3rver, the signing app
 * (`startApp`) in front of either, and for the fallback case the nginx edge
 * with latency proxies. Runs apart from the client under test so that the
 * two do not share an event loop; driven over IPC (see lib/rpc.ts).
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

import { startApp, type TestApp } from "../test/support/app.js";
import { startEdge, type Edge, type EdgeMode } from "../test/support/edge.js";
import { startLatencyProxy, type LatencyProxy } from "../test/support/latency-proxy.js";
import { serve } from "./lib/rpc.js";
import { startPlainS3rver, S3RVER_CREDENTIALS, type PlainS3rver } from "./lib/s3rver.js";
import { startSink, type Sink } from "./lib/sink.js";

/** The bucket every target uses. */
export const BUCKET = "bench";

/** What to start. */
export interface ServersSpec {
  sink?: boolean;
  s3rver?: boolean;
  /** Signing apps, by the S3 target they sign for. */
  apps?: Array<"sink" | "s3rver">;
  /** Edge (nginx) in front of s3rver, each behind a latency proxy; `object` is stored first. */
  edge?: { edgeRttMs: number; s3RttMs: number; object: { key: string; size: number } };
}

/** Where the started servers are. */
export interface ServersInfo {
  bucket: string;
  sink?: string;
  s3rver?: string;
  /** Signing endpoints (`.../s3edge`) by target. */
  apps: { sink?: string; s3rver?: string };
  edge?: { edgeProxy: string; s3Proxy: string; edgeDirect: string };
}

let sink: Sink | undefined;
let s3rver: PlainS3rver | undefined;
let edge: Edge | undefined;
const apps = new Map<string, TestApp>();
const proxies: LatencyProxy[] = [];

/** Every key is `bench/<filename>`, so repeated uploads overwrite one object instead of filling the disk. */
const keyPolicy = (input: { filename: string }): string => `bench/${input.filename}`;

async function start(spec: ServersSpec): Promise<ServersInfo> {
  const info: ServersInfo = { bucket: BUCKET, apps: {} };
  if (spec.sink) {
    sink = await startSink();
    info.sink = sink.url;
  }
  if (spec.s3rver || spec.edge) {
    s3rver = await startPlainS3rver(BUCKET);
    info.s3rver = s3rver.url;
  }
  for (const target of spec.apps ?? []) {
    const endpoint = target === "sink" ? sink?.url : s3rver?.url;
    if (!endpoint) throw new Error(`app for ${target}: start ${target} too`);
    const app = await startApp({ endpoint, bucket: BUCKET }, { keyPolicy, limits: { maxSize: 64 * 1024 ** 3 } });
    apps.set(target, app);
    info.apps[target] = app.endpoint;
  }
  if (spec.edge && s3rver) {
    const client = new S3Client({
      endpoint: s3rver.url,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    const { key, size } = spec.edge.object;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 31 + 7) & 255;
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: "application/octet-stream" }),
    );
    client.destroy();
    edge = await startEdge({ origin: s3rver.url });
    const edgeProxy = await startLatencyProxy({ target: `127.0.0.1:${edge.port}`, rttMs: spec.edge.edgeRttMs });
    const s3Proxy = await startLatencyProxy({ target: new URL(s3rver.url).host, rttMs: spec.edge.s3RttMs });
    proxies.push(edgeProxy, s3Proxy);
    info.edge = { edgeProxy: edgeProxy.url, s3Proxy: s3Proxy.url, edgeDirect: edge.url };
  }
  return info;
}

async function close(): Promise<void> {
  await Promise.all(proxies.map((p) => p.close()));
  await edge?.close();
  await Promise.all([...apps.values()].map((app) => app.close()));
  await sink?.close();
  await s3rver?.close();
  setTimeout(() => process.exit(0), 50);
}

serve({
  start,
  close,
  sinkStats: () => sink?.stats(),
  sinkReset: () => sink?.reset(),
  ops: (target: "sink" | "s3rver") => [...(apps.get(target)?.ops ?? [])],
  clearOps: (target: "sink" | "s3rver") => void apps.get(target)?.ops.splice(0),
  setMode: (mode: EdgeMode) => edge?.setMode(mode),
  edgeRequests: async () => (await edge?.requests())?.map((r) => ({ status: r.status, cache: r.cacheStatus })),
  clearEdgeRequests: () => edge?.clearRequests(),
});
