/**
 * `s3edge/server` over HTTP against each S3 target: create/sign/list/complete/abort through the
 * JSON protocol, and the URLs it signs checked by S3 itself (on RGW, by a production SigV4
 * implementation, not by our fixture's front): a tampered, replayed or expired URL, and a body
 * whose length differs from the signed one, are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  CreateMultipartResponse,
  CreateSingleResponse,
  ListResponse,
  SignResponse,
  UploadResult,
} from "../../src/node.js";
import type { TestApp } from "../support/app.js";
import { pseudoRandomBytes, sha256 } from "../support/data.js";
import { RGW_START_TIMEOUT_MS } from "../support/rgw/connect.js";
import { startTargetApp, uniquePrefix } from "../support/target-app.js";
import { startTarget, targetNames, type Target } from "../support/targets.js";

const MiB = 1024 * 1024;

/** One protocol call; resolves with the status and the JSON answer. */
async function call<T>(app: TestApp, body: Record<string, unknown>): Promise<{ status: number; json: T }> {
  const response = await fetch(app.endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ v: 1, ...body }),
  });
  return { status: response.status, json: (await response.json()) as T };
}

async function put(
  url: string,
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ status: number; etag: string | null; text: string }> {
  const response = await fetch(url, { method: "PUT", body: new Uint8Array(body), headers });
  return { status: response.status, etag: response.headers.get("etag"), text: await response.text() };
}

describe.each(targetNames())("server against %s", (name) => {
  const prefix = uniquePrefix(`server-${name}`);
  let target: Target;
  let app: TestApp;
  /** Signs URLs that live one second. */
  let shortLived: TestApp;

  beforeAll(async () => {
    target = await startTarget(name);
    app = await startTargetApp(target, prefix);
    shortLived = await startTargetApp(target, prefix, { urlExpiresInMs: 1_000 });
  }, RGW_START_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await shortLived?.close();
    await target?.close();
  });

  async function createMultipart(filename: string, size: number, on = app) {
    const created = await call<CreateMultipartResponse>(on, {
      op: "create",
      filename,
      contentType: "application/octet-stream",
      size,
    });
    expect(created.status).toBe(200);
    expect(created.json.mode).toBe("multipart");
    return created.json;
  }

  async function sign(up: CreateMultipartResponse, parts: Array<{ partNumber: number; size: number }>, on = app) {
    const signed = await call<SignResponse>(on, {
      op: "sign",
      key: up.key,
      uploadId: up.uploadId,
      token: up.token,
      parts,
    });
    expect(signed.status).toBe(200);
    return signed.json;
  }

  it("create, sign (one batch), PUT, list, complete: the object is byte-identical and nothing is left in progress", async () => {
    const data = pseudoRandomBytes(12 * MiB, 21);
    const up = await createMultipart("three parts.bin", data.length);
    const sizes = [5 * MiB, 5 * MiB, 2 * MiB];
    const signed = await sign(
      up,
      sizes.map((size, i) => ({ partNumber: i + 1, size })),
    );
    const etags: string[] = [];
    for (const [i, size] of sizes.entries()) {
      const part = signed.urls[String(i + 1)];
      const answer = await put(part?.url ?? "", data.subarray(i * 5 * MiB, i * 5 * MiB + size), part?.headers);
      expect(answer.status).toBe(200);
      etags.push(answer.etag ?? "");
    }
    const listed = await call<ListResponse>(app, { op: "list", key: up.key, uploadId: up.uploadId, token: up.token });
    expect(listed.json.parts.map((p) => [p.partNumber, p.size, p.etag])).toEqual(
      sizes.map((size, i) => [i + 1, size, etags[i]]),
    );
    const done = await call<UploadResult>(app, {
      op: "complete",
      key: up.key,
      uploadId: up.uploadId,
      token: up.token,
      parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })),
    });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ key: up.key, size: data.length });
    expect(done.json.etag).not.toBe("");
    expect(sha256((await target.getObject(up.key)) ?? new Uint8Array())).toBe(sha256(data));
    expect(await target.listUploads(up.key)).toEqual([]);
  });

  it("abort removes the upload (ListMultipartUploads empty), and a second abort is answered as done", async () => {
    const up = await createMultipart("aborted.bin", 10 * MiB);
    const signed = await sign(up, [{ partNumber: 1, size: 5 * MiB }]);
    expect(
      (await put(signed.urls["1"]?.url ?? "", pseudoRandomBytes(5 * MiB, 1), signed.urls["1"]?.headers)).status,
    ).toBe(200);
    expect(await target.listUploads(up.key)).toHaveLength(1);
    const ref = { key: up.key, uploadId: up.uploadId, token: up.token };
    expect((await call(app, { op: "abort", ...ref })).status).toBe(200);
    expect(await target.listUploads(up.key)).toEqual([]);
    expect((await call(app, { op: "abort", ...ref })).status).toBe(200);
  });

  it("S3 itself refuses a tampered signature, a URL replayed for another part or key, and a body of another length", async () => {
    const up = await createMultipart("tamper.bin", 10 * MiB);
    const body = pseudoRandomBytes(5 * MiB, 2);
    const signed = await sign(up, [{ partNumber: 1, size: body.length }]);
    const { url, headers } = signed.urls["1"] ?? { url: "", headers: {} };
    const signature = /X-Amz-Signature=([0-9a-f]{64})/.exec(url)?.[1] ?? "";
    expect(signature).not.toBe("");
    const flipped = url.replace(signature, `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`);
    const otherPart = url.replace("partNumber=1", "partNumber=2");
    const otherKey = url.replace(`/${up.key.split("/")[0]}/`, "/elsewhere/");
    for (const refused of [flipped, otherPart, otherKey]) {
      expect(refused).not.toBe(url);
      const answer = await put(refused, body, headers);
      expect(answer.status).toBe(403);
      expect(answer.text).toMatch(/<Code>(SignatureDoesNotMatch|AccessDenied)<\/Code>/);
    }
    for (const wrongLength of [body.subarray(1), Buffer.concat([body, Buffer.from("x")])]) {
      expect((await put(url, wrongLength, headers)).status).toBe(403);
    }
    // Nothing of that reached the upload; the genuine PUT still works.
    const listed = await call<ListResponse>(app, { op: "list", key: up.key, uploadId: up.uploadId, token: up.token });
    expect(listed.json.parts).toEqual([]);
    expect((await put(url, body, headers)).status).toBe(200);
    await call(app, { op: "abort", key: up.key, uploadId: up.uploadId, token: up.token });
  });

  it("S3 itself refuses an expired part URL (403 AccessDenied; the message says so only where capabilities.expiredMessage)", async () => {
    const up = await createMultipart("expired.bin", 10 * MiB, shortLived);
    const signed = await sign(up, [{ partNumber: 1, size: 5 * MiB }], shortLived);
    expect(signed.expiresAt - Date.now()).toBeLessThanOrEqual(1_000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, signed.expiresAt - Date.now()) + 1_100));
    const answer = await put(signed.urls["1"]?.url ?? "", pseudoRandomBytes(5 * MiB, 3), signed.urls["1"]?.headers);
    expect(answer.status).toBe(403);
    expect(answer.text).toContain("<Code>AccessDenied</Code>");
    expect(/expired/i.test(answer.text)).toBe(target.capabilities.expiredMessage);
    await call(app, { op: "abort", key: up.key, uploadId: up.uploadId, token: up.token });
  });

  it("single PUT: the signed Content-Type and length are enforced by S3; the genuine PUT stores the bytes", async () => {
    const data = pseudoRandomBytes(200_000, 4);
    const created = await call<CreateSingleResponse>(app, {
      op: "create",
      filename: "photo é.png",
      contentType: "image/png",
      size: data.length,
    });
    expect(created.json.mode).toBe("single");
    const { url, headers, key } = created.json;
    expect((await put(url, data, { ...headers, "content-type": "text/html" })).status).toBe(403);
    expect((await put(url, data.subarray(10), headers)).status).toBe(403);
    expect(await target.getObject(key)).toBeUndefined();
    expect((await put(url, data, headers)).status).toBe(200);
    expect(sha256((await target.getObject(key)) ?? new Uint8Array())).toBe(sha256(data));
  });
});
