/**
 * Several upload targets: the signer's policy (a preference for an unknown target is ignored,
 * never used as a bucket name), the token binding the target (later calls cannot switch
 * bucket; a tampered target is refused), and the answers saying where the object is.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";

import { createSigner, handleS3Edge } from "../../../src/server.js";
import type {
  CreateMultipartResponse,
  CreateSingleResponse,
  SignResponse,
  SignerOptions,
  UploadResult,
} from "../../../src/server.js";
import { base64url, createTokenCodec, fromBase64url } from "../../../src/server/token.js";
import { MiB, SECRET, SECRET_ACCESS_KEY, headerAuth } from "./helpers.js";
import type { SentCommand, Stub } from "./helpers.js";

/** A real-presigning client of `region` whose `send` is stubbed and recorded. */
function regionClient(region: string, sent: SentCommand[], stubs: Record<string, Stub> = {}): S3Client {
  const client = new S3Client({
    region,
    credentials: { accessKeyId: "AKIDUNIT", secretAccessKey: SECRET_ACCESS_KEY },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const defaults: Record<string, Stub> = {
    CreateMultipartUploadCommand: () => ({ UploadId: `upload-${region}` }),
    ListPartsCommand: () => ({ Parts: [], IsTruncated: false }),
    CompleteMultipartUploadCommand: () => ({ ETag: '"etag-final"' }),
    AbortMultipartUploadCommand: () => ({}),
    ListMultipartUploadsCommand: () => ({ Uploads: [] }),
  };
  Object.assign(client, {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      const stub = stubs[command.constructor.name] ?? defaults[command.constructor.name];
      if (stub === undefined) throw new Error(`unexpected ${command.constructor.name}`);
      return stub(command.input);
    },
  });
  return client;
}

/** A signer with two targets: `far` (us-east-1, the default) and `near` (eu-west-1). */
function twoTargets(overrides: Partial<SignerOptions> = {}) {
  const far: SentCommand[] = [];
  const near: SentCommand[] = [];
  const signer = createSigner({
    s3: { region: "us-east-1" },
    targets: [
      { id: "far", bucket: "far-bucket", s3: regionClient("us-east-1", far) },
      { id: "near", bucket: "near-bucket", s3: regionClient("eu-west-1", near) },
    ],
    tokenSecret: SECRET,
    authorize: headerAuth,
    limits: { multipartThreshold: 5 * MiB, partSize: 8 * MiB },
    ...overrides,
  });
  const handler = handleS3Edge(signer, { onError: () => undefined });
  async function call<T>(body: Record<string, unknown>, user = "alice"): Promise<{ status: number; json: T }> {
    const response = await handler(
      new Request("http://app.test/api/s3edge", {
        method: "POST",
        headers: { "content-type": "application/json", "x-user": user },
        body: JSON.stringify({ v: 1, ...body }),
      }),
    );
    return { status: response.status, json: (await response.json()) as T };
  }
  const create = (extra: Record<string, unknown> = {}) =>
    call<CreateMultipartResponse>({
      op: "create",
      filename: "big.bin",
      contentType: "application/octet-stream",
      size: 20 * MiB,
      ...extra,
    });
  return { signer, far, near, call, create };
}

type ErrorJson = { error: { code: string; message: string } };

describe("several upload targets: create", () => {
  it("starts the upload in the target the client prefers and says where it is", async () => {
    const { create, far, near } = twoTargets();
    const { status, json } = await create({ target: "near" });
    expect(status).toBe(200);
    expect(json.target).toEqual({ id: "near", bucket: "near-bucket", region: "eu-west-1" });
    expect(json.s3Url).toBe(`https://near-bucket.s3.eu-west-1.amazonaws.com/${json.key}`);
    expect(near.map((c) => [c.name, c.input.Bucket])).toEqual([["CreateMultipartUploadCommand", "near-bucket"]]);
    expect(far).toEqual([]);
    expect(json.targets).toEqual([
      { id: "far", url: "https://far-bucket.s3.us-east-1.amazonaws.com" },
      { id: "near", url: "https://near-bucket.s3.eu-west-1.amazonaws.com" },
    ]);
  });

  it("ignores a preference that is not a target id (a bucket name, garbage, another type): the first target", async () => {
    const { create, near, far } = twoTargets();
    for (const target of ["near-bucket", "nowhere", "../x", 7, null, { id: "near" }]) {
      const { status, json } = await create({ target });
      expect(status).toBe(200);
      expect(json.target?.id).toBe("far");
    }
    expect(near).toEqual([]);
    expect(far.every((c) => c.input.Bucket === "far-bucket")).toBe(true);
  });

  it("presigns a small file's single PUT in the chosen target", async () => {
    const { call } = twoTargets();
    const { json } = await call<CreateSingleResponse>({
      op: "create",
      filename: "a.png",
      contentType: "image/png",
      size: 100,
      target: "near",
    });
    expect(json.mode).toBe("single");
    expect(new URL(json.url).host).toBe("near-bucket.s3.eu-west-1.amazonaws.com");
    expect(new URL(json.url).searchParams.get("X-Amz-Credential")).toContain("/eu-west-1/s3/aws4_request");
    expect(json.target).toEqual({ id: "near", bucket: "near-bucket", region: "eu-west-1" });
  });

  it("lets chooseTarget decide from the preference and the ids; an id it invents is a 500", async () => {
    const seen: unknown[] = [];
    const { create } = twoTargets({
      chooseTarget: ({ preferred, targets, input }) => {
        seen.push({ preferred, targets, filename: input.filename });
        return input.filename === "bad.bin" ? "mars" : "far";
      },
    });
    expect((await create({ target: "near" })).json.target?.id).toBe("far");
    expect(seen).toEqual([{ preferred: "near", targets: ["far", "near"], filename: "big.bin" }]);
    const bad = await create({ target: "near", filename: "bad.bin" });
    expect(bad.status).toBe(500);
    expect((bad.json as unknown as ErrorJson).error.code).toBe("InternalError");
  });

  it("keeps a single-bucket signer's answers and tokens as they were (no target fields)", async () => {
    const sent: SentCommand[] = [];
    const signer = createSigner({
      s3: regionClient("eu-west-1", sent),
      bucket: "one-bucket",
      tokenSecret: SECRET,
      authorize: headerAuth,
    });
    const answer = await signer.create(
      { filename: "big.bin", contentType: "application/octet-stream", size: 20 * MiB, target: "near" },
      { user: { id: "alice" }, request: new Request("http://app.test") },
    );
    expect(answer).not.toHaveProperty("target");
    expect(answer).not.toHaveProperty("targets");
    if (answer.mode !== "multipart") throw new Error("expected multipart");
    const payload = await createTokenCodec(SECRET).verify(answer.token, Date.now());
    expect(payload.g).toBeUndefined();
    expect(sent[0]?.input.Bucket).toBe("one-bucket");
  });
});

describe("several upload targets: the token binds the target", () => {
  it("signs, lists, completes and aborts in the token's target whatever the request says", async () => {
    const { create, call, near, far } = twoTargets();
    const { json: up } = await create({ target: "near" });
    const ref = { key: up.key, uploadId: up.uploadId, token: up.token, target: "far", bucket: "far-bucket" };
    const signed = await call<SignResponse>({
      op: "sign",
      ...ref,
      parts: [
        { partNumber: 1, size: 8 * MiB },
        { partNumber: 2, size: 8 * MiB },
      ],
    });
    expect(signed.status).toBe(200);
    for (const part of Object.values(signed.json.urls))
      expect(new URL(part.url).host).toBe("near-bucket.s3.eu-west-1.amazonaws.com");
    expect((await call({ op: "list", ...ref })).status).toBe(200);
    const done = await call<UploadResult>({
      op: "complete",
      ...ref,
      parts: [1, 2, 3].map((partNumber) => ({ partNumber, etag: `"e${partNumber}"` })),
    });
    expect(done.status).toBe(200);
    expect(done.json.target).toEqual({ id: "near", bucket: "near-bucket", region: "eu-west-1" });
    expect((await call({ op: "abort", ...ref })).status).toBe(200);
    expect(far).toEqual([]);
    expect(new Set(near.map((c) => c.input.Bucket))).toEqual(new Set(["near-bucket"]));
  });

  it("refuses a token whose target was changed (the MAC no longer matches)", async () => {
    const { create, call, far } = twoTargets();
    const { json: up } = await create({ target: "near" });
    const [body = "", mac = ""] = up.token.split(".");
    const payload = JSON.parse(new TextDecoder().decode(fromBase64url(body))) as Record<string, unknown>;
    expect(payload.g).toBe("near");
    const forged = `${base64url(new TextEncoder().encode(JSON.stringify({ ...payload, g: "far" })))}.${mac}`;
    const res = await call<ErrorJson>({
      op: "sign",
      key: up.key,
      uploadId: up.uploadId,
      token: forged,
      parts: [{ partNumber: 1, size: 8 * MiB }],
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("InvalidToken");
    expect(far).toEqual([]);
  });

  it("answers InvalidToken for a token of a target the signer no longer has (so the client starts over)", async () => {
    const { create } = twoTargets();
    const { json: up } = await create({ target: "near" });
    const sent: SentCommand[] = [];
    const shrunk = createSigner({
      s3: { region: "us-east-1" },
      targets: [{ id: "far", bucket: "far-bucket", s3: regionClient("us-east-1", sent) }],
      tokenSecret: SECRET,
      authorize: headerAuth,
    });
    const ctx = { user: { id: "alice" }, request: new Request("http://app.test") };
    await expect(shrunk.list({ key: up.key, uploadId: up.uploadId, token: up.token }, ctx)).rejects.toMatchObject({
      code: "InvalidToken",
    });
    expect(sent).toEqual([]);
  });
});

describe("several upload targets: configuration", () => {
  const base = { s3: { region: "us-east-1" }, tokenSecret: SECRET, authorize: headerAuth };
  const fails = (options: Partial<SignerOptions>, option: string, message: RegExp) =>
    expect(() => createSigner({ ...base, ...options } as SignerOptions)).toThrow(
      expect.objectContaining({ code: "InvalidConfig", option, message: expect.stringMatching(message) }),
    );

  it("refuses ids that are not unique or not of the wire's alphabet, an empty list, and bucket/origin beside targets", () => {
    fails(
      {
        targets: [
          { id: "a", bucket: "b-1" },
          { id: "a", bucket: "b-2" },
        ],
      },
      "targets[1].id",
      /unique/,
    );
    fails({ targets: [{ id: "a b", bucket: "b-1" }] }, "targets[0].id", /A-Z, a-z, 0-9/);
    fails({ targets: [] }, "targets", /non-empty/);
    fails({ bucket: "b-0", targets: [{ id: "a", bucket: "b-1" }] }, "bucket", /each target names its bucket/);
    fails(
      { origin: { bucket: "b-1", region: "us-east-1" }, targets: [{ id: "a", bucket: "b-1" }] },
      "origin",
      /each target its own origin/,
    );
    fails({ targets: [{ id: "a", bucket: "Not_A_Bucket" }] }, "targets[0].bucket", /not a valid S3 bucket name/);
  });

  it("derives a target's client from the signer's s3 with its region or endpoint", async () => {
    const signer = createSigner({
      ...base,
      s3: { region: "us-east-1", credentials: { accessKeyId: "AKID", secretAccessKey: "x" }, forcePathStyle: true },
      targets: [
        { id: "us", bucket: "b-us" },
        { id: "eu", bucket: "b-eu", region: "eu-west-1" },
        { id: "lab", bucket: "b-lab", endpoint: "http://127.0.0.1:9000" },
      ],
      limits: { multipartThreshold: 5 * MiB },
    });
    const ctx = { user: { id: "alice" }, request: new Request("http://app.test") };
    const small = { filename: "a.txt", contentType: "text/plain", size: 10 };
    const eu = await signer.create({ ...small, target: "eu" }, ctx);
    expect(new URL(eu.mode === "single" ? eu.url : "").host).toBe("s3.eu-west-1.amazonaws.com");
    expect(eu.target).toEqual({ id: "eu", bucket: "b-eu", region: "eu-west-1" });
    const lab = await signer.create({ ...small, target: "lab" }, ctx);
    expect(lab.mode === "single" && lab.url.startsWith("http://127.0.0.1:9000/b-lab/")).toBe(true);
    expect(lab.target).toEqual({ id: "lab", bucket: "b-lab", region: "us-east-1", endpoint: "http://127.0.0.1:9000" });
    expect(lab.targets?.map((t) => t.url)).toEqual([
      "https://s3.us-east-1.amazonaws.com/b-us",
      "https://s3.eu-west-1.amazonaws.com/b-eu",
      "http://127.0.0.1:9000/b-lab",
    ]);
    expect(signer.bucket).toBe("b-us");
  });

  it("answers a configured probeUrl as is", async () => {
    const sent: SentCommand[] = [];
    const signer = createSigner({
      ...base,
      targets: [
        { id: "a", bucket: "b-a", s3: regionClient("us-east-1", sent), probeUrl: "https://probe-a.example.com/ping" },
        { id: "b", bucket: "b-b", s3: regionClient("eu-west-1", sent) },
      ],
    });
    const answer = await signer.create(
      { filename: "a.txt", contentType: "text/plain", size: 10 },
      { user: { id: "u" }, request: new Request("http://app.test") },
    );
    expect(answer.targets?.[0]).toEqual({ id: "a", url: "https://probe-a.example.com/ping" });
  });
});
