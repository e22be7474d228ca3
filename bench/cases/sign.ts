/**
 * Case 3: signing. (a) Parts signed per second by `s3edge/server` (`signer.sign`
 * in-process, batches of 100 parts) against one SigV4 presign per part with
 * `getSignedUrl` (the SDK's command pipeline), and `SignatureV4.presign` on a
 * prebuilt request for reference. (b) Signing-endpoint round trips per upload,
 * counted by `startApp`, for 1, 10, 101 and 250 parts.
 */
import { Readable } from "node:stream";

import { S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { SignatureV4 } from "@smithy/signature-v4";

import { DEFAULT_PART_SIZE } from "../../src/core/parts.js";
import type { CreateMultipartResponse, SignPart } from "../../src/core/protocol.js";
import { createUploader } from "../../src/node.js";
import { createSigner } from "../../src/server.js";
import { TEST_SECRET } from "../../test/support/app.js";
import type { BenchContext, CaseResult, Goal } from "../lib/context.js";
import { generated } from "../lib/data.js";
import { spawnWorker, type Worker } from "../lib/rpc.js";
import { S3RVER_CREDENTIALS } from "../lib/s3rver.js";
import { MiB, fixed, pairedRatios, ratioText, spread, summarize, verdict } from "../lib/stats.js";
import type { Table } from "../lib/table.js";
import type { ServersInfo } from "../servers.js";

const PART = 8 * MiB;

interface Rates {
  s3edge: number[];
  sdk: number[];
  sigv4: number[];
}

async function signingRates(
  ctx: BenchContext,
  sinkUrl: string,
  bucket: string,
  reps: number,
): Promise<{ rates: Rates; perRep: Record<keyof Rates, number> }> {
  const s3 = { endpoint: sinkUrl, region: "us-east-1", forcePathStyle: true, credentials: S3RVER_CREDENTIALS };
  const signer = createSigner({ s3, bucket, tokenSecret: TEST_SECRET, authorize: () => ({ id: "alice" }) });
  const signerCtx = { user: { id: "alice" }, request: new Request("http://127.0.0.1/s3edge", { method: "POST" }) };
  const created = (await signer.create(
    { filename: "sign.bin", contentType: "application/octet-stream", size: 100 * PART, partSize: PART },
    signerCtx,
  )) as CreateMultipartResponse;
  if (created.mode !== "multipart") throw new Error("sign: expected a multipart upload");
  const parts: SignPart[] = Array.from({ length: 100 }, (_, i) => ({ partNumber: i + 1, size: PART }));
  const ref = { key: created.key, uploadId: created.uploadId, token: created.token };

  const client = new S3Client({
    ...s3,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const Bucket = bucket;
  const Key = created.key;
  const UploadId = created.uploadId;

  const credentials = await client.config.credentials();
  const sigv4 = new SignatureV4({
    credentials,
    region: "us-east-1",
    service: "s3",
    sha256: client.config.sha256 as ConstructorParameters<typeof SignatureV4>[0]["sha256"],
    uriEscapePath: false,
    applyChecksum: false,
  });
  const host = new URL(sinkUrl).host;
  const request = (n: number) => ({
    method: "PUT",
    protocol: "http:",
    hostname: "127.0.0.1",
    port: Number(new URL(sinkUrl).port),
    path: `/${bucket}/${Key}`,
    query: { partNumber: String(n), uploadId: UploadId, "x-id": "UploadPart" },
    headers: { host, "content-length": String(PART), "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
  });

  const quick = ctx.options.quick;
  const batches = quick ? 5 : 20;
  const sdkParts = quick ? 100 : 300;
  const sigv4Parts = quick ? 500 : 2000;
  const perRep = { s3edge: batches * 100, sdk: sdkParts, sigv4: sigv4Parts };
  const runners: Record<keyof Rates, () => Promise<void>> = {
    async s3edge() {
      for (let b = 0; b < batches; b++) {
        const answer = await signer.sign({ ...ref, parts }, signerCtx);
        if (Object.keys(answer.urls).length !== 100) throw new Error("sign: expected 100 URLs");
      }
    },
    async sdk() {
      for (let i = 0; i < sdkParts; i++) {
        await getSignedUrl(client, new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: (i % 100) + 1 }), {
          expiresIn: 900,
        });
      }
    },
    async sigv4() {
      for (let i = 0; i < sigv4Parts; i++) await sigv4.presign(request((i % 100) + 1), { expiresIn: 900 });
    },
  };
  // Warm-up (JIT), not recorded.
  for (const run of Object.values(runners)) await run();
  const rates: Rates = { s3edge: [], sdk: [], sigv4: [] };
  for (let rep = 0; rep < reps; rep++) {
    const names = Object.keys(runners) as Array<keyof Rates>;
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + rep) % names.length] as keyof Rates;
      const started = performance.now();
      await runners[name]();
      const seconds = (performance.now() - started) / 1000;
      rates[name].push(perRep[name] / seconds);
    }
    ctx.progress(
      `sign rep ${rep + 1}/${reps}: s3edge ${fixed(rates.s3edge.at(-1) ?? 0, 0)}/s, getSignedUrl ${fixed(rates.sdk.at(-1) ?? 0, 0)}/s`,
    );
  }
  client.destroy();
  return { rates, perRep };
}

type InputKind = "Buffer" | "Readable, known length" | "async generator, unknown length";

interface RoundTrips {
  parts: number;
  input: InputKind;
  mode: "single" | "multipart";
  ops: string[];
  expected: number;
}

async function roundTrips(
  ctx: BenchContext,
  servers: Worker,
  endpoint: string,
  counts: number[],
): Promise<RoundTrips[]> {
  const part = 5 * MiB;
  const max = Math.max(...counts) * part;
  const zeros = Buffer.alloc(max);
  const uploader = createUploader({ endpoint, concurrency: 4, partSize: part, store: false });
  const out: RoundTrips[] = [];
  const threshold = DEFAULT_PART_SIZE; // the signer's default multipartThreshold
  for (const parts of counts) {
    const size = parts * part;
    const inputs: Array<[InputKind, () => Parameters<typeof uploader.upload>]> = [
      ["Buffer", () => [zeros.subarray(0, size), { filename: "rt-buffer.bin" }]],
      ["Readable, known length", () => [Readable.from(generated(size)), { filename: "rt-readable.bin", size }]],
      ["async generator, unknown length", () => [generated(size), { filename: "rt-generator.bin" }]],
    ];
    for (const [input, args] of inputs) {
      await servers.call("clearOps", "sink");
      const result = await uploader.upload(...args());
      uploader.clearFinished();
      if (result.size !== size) throw new Error(`round trips: stored ${result.size} bytes, not ${size}`);
      const ops = await servers.call<string[]>("ops", "sink");
      const unknown = input === "async generator, unknown length";
      const single = !unknown && size < threshold;
      // A known size: create answers the first 100 part URLs (signParts), sign the rest 100 at a time.
      const signs = unknown ? Math.ceil(parts / 100) : Math.ceil(Math.max(0, parts - 100) / 100);
      out.push({
        parts,
        input,
        mode: single ? "single" : "multipart",
        ops,
        expected: single ? 1 : 2 + signs,
      });
      ctx.progress(`round trips ${parts} parts (${input}): ${ops.length}`);
    }
  }
  return out;
}

const count = (ops: string[], op: string): number => ops.filter((o) => o === op).length;

/** Run the signing case. */
export async function runSign(ctx: BenchContext): Promise<CaseResult> {
  const reps = ctx.options.quick ? 3 : 9;
  const counts = ctx.options.quick ? [1, 10, 101] : [1, 10, 101, 250];
  const servers = await spawnWorker(`${ctx.bundleDir}/servers.js`);
  const goals: Goal[] = [];
  const tables: Table[] = [];
  try {
    const info = await servers.call<ServersInfo>("start", { sink: true, apps: ["sink"] });
    const { rates, perRep } = await signingRates(ctx, info.sink as string, info.bucket, reps);
    const edge = summarize(rates.s3edge);
    const vsSdk = summarize(pairedRatios(rates.s3edge, rates.sdk));
    const vsSigv4 = summarize(pairedRatios(rates.s3edge, rates.sigv4));
    const us = (r: number[]): string => spread(summarize(r.map((x) => 1e6 / x)), 1);
    tables.push({
      title: `Signing part URLs in-process (parts/s, median (min..max) of ${reps})`,
      columns: ["signer", "parts/s", "us per part", "s3edge rate / this rate"],
      rows: [
        ["s3edge/server signer.sign, batches of 100", spread(edge, 0), us(rates.s3edge), "1"],
        [
          "getSignedUrl (@aws-sdk/s3-request-presigner), one per part",
          spread(summarize(rates.sdk), 0),
          us(rates.sdk),
          ratioText(vsSdk),
        ],
        [
          "SignatureV4.presign (@smithy/signature-v4), prebuilt request",
          spread(summarize(rates.sigv4), 0),
          us(rates.sigv4),
          ratioText(vsSigv4),
        ],
      ],
      notes: [
        `Per repetition: s3edge ${perRep.s3edge} parts (${perRep.s3edge / 100} sign calls, token check and validation included), getSignedUrl ${perRep.sdk} parts, SignatureV4 ${perRep.sigv4} parts; runners interleaved, order rotating.`,
        "Ratios are per-repetition ratios of s3edge's rate to the other's.",
      ],
    });
    goals.push({
      name: "signer.sign parts/s vs getSignedUrl per part",
      target: "> 1x (faster)",
      value: ratioText(vsSdk),
      ok: vsSdk.median > 1,
    });

    const trips = await roundTrips(ctx, servers, info.apps.sink as string, counts);
    const rows = trips.map((t) => {
      const ok = t.ops.length <= t.expected;
      goals.push({
        name: `round trips, ${t.parts} part${t.parts > 1 ? "s" : ""}, ${t.input}`,
        target: `<= ${t.expected}`,
        value: String(t.ops.length),
        ok,
      });
      return [
        String(t.parts),
        t.input,
        t.mode,
        String(count(t.ops, "create")),
        String(count(t.ops, "sign")),
        String(count(t.ops, "complete")),
        String(t.ops.length - count(t.ops, "create") - count(t.ops, "sign") - count(t.ops, "complete")),
        String(t.ops.length),
        String(t.expected),
        verdict(ok),
      ];
    });
    tables.push({
      title: "Signing-endpoint round trips per upload (5 MiB parts, concurrency 4)",
      columns: ["parts", "input", "mode", "create", "sign", "complete", "other", "total", "goal", ""],
      rows,
      notes: [
        "Counted by the app (test/support/app.ts `ops`) in front of the sink. Goal: for multipart, create (which answers the first 100 part URLs when the size is known: signParts) + ceil((parts - 100)/100) sign + complete, or create + ceil(parts/100) sign + complete for a stream of unknown length; create alone for a single PUT (size < 10 MiB, the signer's multipartThreshold).",
        "A stream of unknown length is always multipart (the server cannot choose a single PUT without a size).",
      ],
    });
    return {
      tables,
      goals,
      data: { partSize: PART, perRep, rates, roundTrips: trips },
    };
  } finally {
    await servers.close();
  }
}
