/**
 * The S3 targets themselves: each `capabilities` flag of test/support/targets.ts is checked
 * against what the running server really does (so suites can trust them), RGW's set-up (SigV4,
 * CORS, public read, gateway restart), and the cluster guard that kills the daemons when the test
 * process dies.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3ClientFor } from "../support/rgw/bucket.js";
import { RGW_START_TIMEOUT_MS } from "../support/rgw/connect.js";
import { startTarget, targetNames, type Target } from "../support/targets.js";

const MiB = 1024 * 1024;
const prefix = `rgw-fixture-${Date.now()}`;

describe.each(targetNames())("target %s", (name) => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget(name);
  }, RGW_START_TIMEOUT_MS);
  afterAll(async () => {
    await target?.close();
  });

  it("verifies SigV4: a presigned PUT passes; a changed signature or a different length is refused 403", async () => {
    const client = target.s3Client();
    const key = `${prefix}/${name}/sigv4.bin`;
    const body = Buffer.alloc(1024, 7);
    const url = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: target.bucket, Key: key, ContentLength: body.length }),
      { expiresIn: 300 },
    );
    const signature = /X-Amz-Signature=([0-9a-f]+)/.exec(url)?.[1] ?? "";
    const tampered = url.replace(
      signature,
      signature.replace(/^./, (c) => (c === "0" ? "1" : "0")),
    );
    expect((await fetch(tampered, { method: "PUT", body })).status).toBe(403);
    expect((await fetch(url, { method: "PUT", body: body.subarray(1) })).status).toBe(403);
    expect((await fetch(url, { method: "PUT", body })).status).toBe(200);
    expect(Buffer.from((await target.getObject(key)) ?? []).equals(body)).toBe(true);
  });

  it("answers a browser's CORS preflight and exposes ETag on the PUT", async () => {
    const origin = "http://app.test";
    const preflight = await fetch(`${target.endpoint}/${target.bucket}/${prefix}/cors.bin`, {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("access-control-allow-origin")).toMatch(/^(\*|http:\/\/app\.test)$/);
    const key = `${prefix}/${name}/cors.bin`;
    const url = await getSignedUrl(target.s3Client(), new PutObjectCommand({ Bucket: target.bucket, Key: key }), {
      expiresIn: 300,
    });
    const put = await fetch(url, { method: "PUT", body: "x", headers: { Origin: origin } });
    expect(put.status).toBe(200);
    expect(put.headers.get("access-control-expose-headers") ?? "").toMatch(/etag/i);
    expect(put.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it("serves objects to anonymous GETs (public read), and answers a missing key as `missingKeyStatus` says", async () => {
    const key = `${prefix}/${name}/public ü+.txt`;
    await target.s3Client().send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: "public" }));
    const encoded = key.split("/").map(encodeURIComponent).join("/");
    const got = await fetch(`${target.endpoint}/${target.bucket}/${encoded}`);
    expect([got.status, await got.text()]).toEqual([200, "public"]);
    const missing = await fetch(`${target.endpoint}/${target.bucket}/${prefix}/missing`);
    expect(missing.status).toBe(target.capabilities.missingKeyStatus);
    await missing.body?.cancel();
  });

  it("capabilities.completeETag: CompleteMultipartUpload answers the ETag, or an empty one", async () => {
    const client = target.s3Client();
    const key = `${prefix}/${name}/complete.bin`;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: key }));
    const part = await client.send(
      new UploadPartCommand({ Bucket: target.bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(MiB, 1) }),
    );
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: target.bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(Boolean(done.ETag)).toBe(target.capabilities.completeETag);
    expect(await target.listUploads(`${prefix}/${name}/complete`)).toEqual([]);
  });

  it("capabilities.listPartsGoneCode and completeGoneCode: what ListParts and Complete answer for an aborted upload", async () => {
    const client = target.s3Client();
    const key = `${prefix}/${name}/gone.bin`;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: key }));
    const part = await client.send(
      new UploadPartCommand({ Bucket: target.bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1) }),
    );
    await client.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: key, UploadId }));
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: { name?: string }) => e.name,
      );
    expect(await code(client.send(new ListPartsCommand({ Bucket: target.bucket, Key: key, UploadId })))).toBe(
      target.capabilities.listPartsGoneCode,
    );
    const complete = new CompleteMultipartUploadCommand({
      Bucket: target.bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    });
    // One attempt: the SDK would retry a 500.
    const once = s3ClientFor(target, { maxAttempts: 1 });
    try {
      expect(await code(once.send(complete))).toBe(target.capabilities.completeGoneCode);
    } finally {
      once.destroy();
    }
  });

  it("capabilities.expiredMessage: an expired presigned URL is 403, with or without a message saying so", async () => {
    const key = `${prefix}/${name}/expired.bin`;
    const url = await getSignedUrl(target.s3Client(), new PutObjectCommand({ Bucket: target.bucket, Key: key }), {
      expiresIn: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const put = await fetch(url, { method: "PUT", body: "late" });
    const text = await put.text();
    expect(put.status).toBe(403);
    expect(text).toContain("<Code>AccessDenied</Code>");
    expect(/expired/i.test(text)).toBe(target.capabilities.expiredMessage);
  });

  it("capabilities.checksums: a wrong x-amz-checksum-crc32 is neither verified nor echoed", async () => {
    const key = `${prefix}/${name}/checksum.bin`;
    const url = await getSignedUrl(
      target.s3Client(),
      new PutObjectCommand({ Bucket: target.bucket, Key: key, ChecksumCRC32: "AAAAAA==", ContentLength: 5 }),
      { expiresIn: 300, unhoistableHeaders: new Set(["x-amz-checksum-crc32"]) },
    );
    const put = await fetch(url, { method: "PUT", body: "hello", headers: { "x-amz-checksum-crc32": "AAAAAA==" } });
    // AWS answers 400 BadDigest; a target that accepts it stores bytes nobody verified.
    expect(put.status === 200).toBe(!target.capabilities.checksums);
    expect(put.headers.get("x-amz-checksum-crc32") !== null).toBe(target.capabilities.checksums);
  });
});

describe.runIf(targetNames().includes("rgw"))("Ceph RGW set-up", () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget("rgw");
  }, RGW_START_TIMEOUT_MS);
  afterAll(async () => {
    await target?.close();
  });

  it("is Ceph 16.2 (Pacific), as the docs say", () => {
    expect(target.label).toMatch(/^Ceph RGW 16\.2\.\d+$/);
  });

  it("a suite's own bucket gets the same CORS and public-read set-up", async () => {
    const { rgwTarget } = await import("../support/targets.js");
    const own = await rgwTarget({ bucket: `${prefix}-own`.toLowerCase() });
    try {
      await own.s3Client().send(new PutObjectCommand({ Bucket: own.bucket, Key: "a.txt", Body: "own" }));
      const got = await fetch(`${own.endpoint}/${own.bucket}/a.txt`);
      expect([got.status, await got.text()]).toEqual([200, "own"]);
    } finally {
      await own.close();
    }
  });
});

describe("cluster guard", () => {
  it("kills every daemon's process group and removes the cluster dir when the test process is SIGKILLed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s3edge-rgw-guard-"));
    const work = await mkdtemp(join(tmpdir(), "s3edge-rgw-guard-js-"));
    const module = join(work, "processes.mjs");
    await build({
      entryPoints: [join(import.meta.dirname, "..", "support", "rgw", "processes.ts")],
      outfile: module,
      platform: "node",
      format: "esm",
      logLevel: "silent",
    });
    const script = `
      const { startGuard } = await import(${JSON.stringify(module)});
      const guard = startGuard(${JSON.stringify(dir)});
      const daemon = guard.spawnDaemon("sleeper", "sleep", ["600"], ${JSON.stringify(join(dir, "sleeper.out"))});
      process.stdout.write(String(daemon.pid) + "\\n");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const daemonPid = await new Promise<number>((resolve, reject) => {
      child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
    });
    // Running, and not a zombie (PID 1 of a container may never reap it).
    const alive = (pid: number): boolean => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
      } catch {
        return false;
      }
    };
    expect(alive(daemonPid)).toBe(true);
    child.kill("SIGKILL");
    const deadline = Date.now() + 10_000;
    while ((alive(daemonPid) || existsSync(dir)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(daemonPid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await rm(work, { recursive: true, force: true });
  });
});
