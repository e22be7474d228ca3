/**
 * Presigning: the fast batch path produces exactly the URLs the SDK would, for
 * every addressing style, while running the SDK's pipeline once per batch;
 * signed headers are the ones the protocol promises; misconfigured clients
 * are refused.
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { describe, expect, it, vi } from "vitest";

import { assertPresignableClient, presignGetObject, presignPartsSdk, presignPut } from "../../../src/server/presign.js";
import { presignPartsFast } from "../../../src/server/presign-fast.js";
import { importModule, loadSignerSdk } from "../../../src/server/sdk.js";
import type { Aws } from "../../../src/server/sdk.js";

const timing = { signingDate: new Date("2030-01-02T03:04:05Z"), expiresIn: 900 };
const upload = { bucket: "my-bucket", key: "dir/a b+c/ü(1)!'*~.txt", uploadId: "upload/+=id" };
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

const sdk = await loadSignerSdk(importModule);

function s3Client(config: S3ClientConfig): S3Client {
  return new S3Client({
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...config,
  });
}

/** The SDK as the signer loads it, over a client of `config`. */
function client(config: S3ClientConfig): Aws & { middlewareStack: S3Client["middlewareStack"] } {
  const c = s3Client(config);
  return { sdk, client: c, middlewareStack: c.middlewareStack };
}

const configs: Array<[string, S3ClientConfig]> = [
  ["custom endpoint, path-style", { region: "us-east-1", endpoint: "http://127.0.0.1:9000", forcePathStyle: true }],
  ["AWS virtual-hosted", { region: "eu-west-1" }],
  ["AWS path-style", { region: "eu-west-1", forcePathStyle: true }],
  ["AWS dualstack", { region: "ap-southeast-2", useDualstackEndpoint: true }],
  ["Transfer Acceleration", { region: "us-west-2", useAccelerateEndpoint: true }],
  ["temporary credentials", { region: "us-east-1", credentials: { ...credentials, sessionToken: "session/token+==" } }],
  [
    "R2-style custom endpoint, virtual-hosted",
    { region: "auto", endpoint: "https://account.r2.cloudflarestorage.com" },
  ],
];

const sizes = [5 * 1024 * 1024, 5 * 1024 * 1024, 1234, 0];

describe("presignPartsFast", () => {
  it.each(configs)("signs byte-identical URLs to the SDK (%s)", async (_name, config) => {
    const c = client(config);
    const parts = sizes.map((size, i) => ({ partNumber: i + 1, size }));
    expect(await presignPartsFast(c, upload, parts, timing)).toEqual(await presignPartsSdk(c, upload, parts, timing));
    const withChecksums = parts.map((p, i) => ({
      ...p,
      checksum: ["AAAAAA==", "3q2+7w==", "/////w==", "AAAAAQ=="][i],
    }));
    expect(await presignPartsFast(c, upload, withChecksums, timing)).toEqual(
      await presignPartsSdk(c, upload, withChecksums, timing),
    );
  });

  it("runs the SDK's command pipeline once per batch", async () => {
    const c = client(configs[0]![1]);
    const clone = vi.spyOn(c.middlewareStack, "clone");
    const parts = Array.from({ length: 50 }, (_, i) => ({ partNumber: i + 1, size: 5 * 1024 * 1024 }));
    const urls = await presignPartsFast(c, upload, parts, timing);
    expect(urls).toHaveLength(50);
    expect(clone).toHaveBeenCalledTimes(1);
    clone.mockClear();
    await presignPartsSdk(c, upload, parts, timing);
    expect(clone).toHaveBeenCalledTimes(50);
  });

  it("falls back to the SDK for every part when the SDK's URL has a shape it does not reproduce", async () => {
    const c = client(configs[0]![1]);
    // A middleware adding a query parameter stands for what the fast path cannot know (S3 Express, SigV4a...).
    c.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { query: Record<string, string> }).query["x-extra"] = "1";
        return next(args);
      },
      { step: "build", name: "addExtraParam" },
    );
    const parts = [1, 2, 3].map((partNumber) => ({ partNumber, size: 100 }));
    const clone = vi.spyOn(c.middlewareStack, "clone");
    const urls = await presignPartsFast(c, upload, parts, timing);
    expect(clone).toHaveBeenCalledTimes(3);
    expect(urls.every((u) => new URL(u).searchParams.get("x-extra") === "1")).toBe(true);
    expect(urls).toEqual(await presignPartsSdk(c, upload, parts, timing));
  });

  it("gives each URL its own partNumber and signs content-length (and the checksum as a header)", async () => {
    const c = client(configs[0]![1]);
    const urls = await presignPartsFast(
      c,
      upload,
      [
        { partNumber: 7, size: 10 },
        { partNumber: 9, size: 11, checksum: "AAAAAA==" },
      ],
      timing,
    );
    const [a, b] = urls.map((u) => new URL(u));
    expect(a!.searchParams.get("partNumber")).toBe("7");
    expect(b!.searchParams.get("partNumber")).toBe("9");
    expect(a!.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;host");
    expect(b!.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;host;x-amz-checksum-crc32");
    // The checksum must travel as a header (signed), not as a query parameter.
    expect(b!.searchParams.has("x-amz-checksum-crc32")).toBe(false);
    expect(a!.searchParams.get("X-Amz-Signature")).not.toBe(b!.searchParams.get("X-Amz-Signature"));
  });
});

describe("presignPut and presignGetObject", () => {
  it("signs content-type, content-length and metadata as headers the PUT must carry", async () => {
    const c = client(configs[0]![1]);
    const { url, headers } = await presignPut(
      c,
      {
        bucket: "my-bucket",
        key: "k.png",
        contentType: "image/png",
        size: 42,
        metadata: { owner: "alice", "x-1": "y" },
      },
      timing,
    );
    const signed = new URL(url).searchParams.get("X-Amz-SignedHeaders");
    expect(signed).toBe("content-length;content-type;host;x-amz-meta-owner;x-amz-meta-x-1");
    expect(headers).toEqual({ "content-type": "image/png", "x-amz-meta-owner": "alice", "x-amz-meta-x-1": "y" });
    expect([...new URL(url).searchParams.keys()].filter((name) => name.startsWith("x-amz-meta"))).toEqual([]);
  });

  it("presigns a GET with the requested lifetime", async () => {
    const c = client(configs[1]![1]);
    const url = new URL(await presignGetObject(c, "my-bucket", "a/b.png", { ...timing, expiresIn: 60 }));
    expect(url.host).toBe("my-bucket.s3.eu-west-1.amazonaws.com");
    expect(url.pathname).toBe("/a/b.png");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("60");
  });
});

describe("assertPresignableClient", () => {
  it("refuses a client that adds flexible checksums to every request", async () => {
    const c = new S3Client({ region: "us-east-1", credentials });
    await expect(assertPresignableClient(c)).rejects.toMatchObject({
      code: "InvalidConfig",
      option: "s3",
      message: expect.stringMatching(/WHEN_REQUIRED/),
    });
    await expect(assertPresignableClient(s3Client({ region: "us-east-1" }))).resolves.toBeUndefined();
  });
});
