/**
 * `accelerate: true`: the browser's PUTs (single PUT, every part URL of a batch) are presigned on
 * the S3 Transfer Acceleration endpoint with a signature S3 would accept there (checked with the
 * fixture's SigV4 verifier against the accelerate host), the server's own calls and the object
 * URLs stay on the regular endpoint, and S3's restrictions are ConfigErrors that say why.
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";

import { createSigner } from "../../../src/server.js";
import type { SignerOptions } from "../../../src/server.js";
import { verifySigV4 } from "../../support/s3/sigv4.js";
import { MiB, SECRET, headerAuth } from "./helpers.js";
import type { SentCommand } from "./helpers.js";

const credentials = { accessKeyId: "AKIDACCEL", secretAccessKey: "accelerate-secret-key-0123456789" };
const ctx = { user: { id: "alice" }, request: new Request("http://app.test") };
const now = Date.UTC(2030, 0, 2, 3, 4, 5);

/** Does S3 at `url`'s host accept this presigned PUT of `headers`? */
function verifies(url: string, headers: Record<string, string>, region = "eu-west-1"): boolean {
  const u = new URL(url);
  const all: Record<string, string[]> = { host: [u.host] };
  for (const [name, value] of Object.entries(headers)) all[name.toLowerCase()] = [value];
  return verifySigV4(
    { method: "PUT", url: u.pathname + u.search, headers: all },
    { secrets: new Map([[credentials.accessKeyId, credentials.secretAccessKey]]), region, now: now + 1000 },
  ).ok;
}

/** A signer with `accelerate: true` over a client whose own calls are recorded. */
function accelerated(config: S3ClientConfig = {}, extra: Partial<SignerOptions> = {}) {
  const sent: SentCommand[] = [];
  const client = new S3Client({
    region: "eu-west-1",
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...config,
  });
  Object.assign(client, {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      return command.constructor.name === "CreateMultipartUploadCommand" ? { UploadId: "u-1" } : {};
    },
  });
  const signer = createSigner({
    s3: client,
    bucket: "fast-bucket",
    accelerate: true,
    tokenSecret: SECRET,
    authorize: headerAuth,
    now: () => now,
    ...extra,
  });
  return { signer, sent };
}

describe("accelerate: true", () => {
  it("presigns a single PUT on <bucket>.s3-accelerate.amazonaws.com, signed for that host and the bucket's region", async () => {
    const { signer, sent } = accelerated();
    const answer = await signer.create(
      { filename: "a.png", contentType: "image/png", size: 1234, metadata: { k: "v" } },
      ctx,
    );
    if (answer.mode !== "single") throw new Error("expected a single PUT");
    const url = new URL(answer.url);
    expect(url.host).toBe("fast-bucket.s3-accelerate.amazonaws.com");
    expect(url.pathname).toBe(`/${answer.key}`);
    expect(url.searchParams.get("X-Amz-Credential")).toBe(
      `${credentials.accessKeyId}/20300102/eu-west-1/s3/aws4_request`,
    );
    expect(verifies(answer.url, { ...answer.headers, "content-length": "1234" })).toBe(true);
    expect(
      verifies(answer.url.replace("fast-bucket.s3-accelerate", "fast-bucket.s3.eu-west-1"), {
        ...answer.headers,
        "content-length": "1234",
      }),
    ).toBe(false);
    // The object's URL is the regular one (downloads do not go through acceleration).
    expect(answer.s3Url).toBe(`https://fast-bucket.s3.eu-west-1.amazonaws.com/${answer.key}`);
    expect(sent).toEqual([]);
  });

  it("presigns every part of a batch on the accelerate host (the fast path too), each verifying with its own size", async () => {
    const { signer, sent } = accelerated();
    const up = await signer.create(
      { filename: "big.bin", contentType: "application/octet-stream", size: 25 * MiB },
      ctx,
    );
    if (up.mode !== "multipart") throw new Error("expected multipart");
    expect(sent.map((c) => c.name)).toEqual(["CreateMultipartUploadCommand"]);
    const sizes = [10 * MiB, 10 * MiB, 5 * MiB]; // the default part size
    const { urls } = await signer.sign(
      {
        key: up.key,
        uploadId: up.uploadId,
        token: up.token,
        parts: sizes.map((size, i) => ({ partNumber: i + 1, size })),
      },
      ctx,
    );
    sizes.forEach((size, i) => {
      const url = urls[String(i + 1)]?.url ?? "";
      expect(new URL(url).host).toBe("fast-bucket.s3-accelerate.amazonaws.com");
      expect(new URL(url).searchParams.get("partNumber")).toBe(String(i + 1));
      expect(verifies(url, { "content-length": String(size) })).toBe(true);
      expect(verifies(url, { "content-length": String(size + 1) })).toBe(false);
    });
  });

  it("uses the dualstack accelerate endpoint with useDualstackEndpoint", async () => {
    const { signer } = accelerated({ useDualstackEndpoint: true });
    const answer = await signer.create({ filename: "a.png", contentType: "image/png", size: 10 }, ctx);
    if (answer.mode !== "single") throw new Error("expected a single PUT");
    expect(new URL(answer.url).host).toBe("fast-bucket.s3-accelerate.dualstack.amazonaws.com");
    expect(verifies(answer.url, { ...answer.headers, "content-length": "10" })).toBe(true);
  });

  it("works per target, and the answer says so; the probe URL is the accelerate endpoint", async () => {
    const signer = createSigner({
      s3: { region: "us-east-1", credentials },
      targets: [
        { id: "us", bucket: "b-us" },
        { id: "eu", bucket: "b-eu", region: "eu-west-1", accelerate: true },
      ],
      tokenSecret: SECRET,
      authorize: headerAuth,
      now: () => now,
    });
    const eu = await signer.create({ filename: "a.png", contentType: "image/png", size: 10, target: "eu" }, ctx);
    if (eu.mode !== "single") throw new Error("expected a single PUT");
    expect(new URL(eu.url).host).toBe("b-eu.s3-accelerate.amazonaws.com");
    expect(eu.target).toEqual({ id: "eu", bucket: "b-eu", region: "eu-west-1", accelerate: true });
    expect(eu.targets).toEqual([
      { id: "us", url: "https://b-us.s3.us-east-1.amazonaws.com" },
      { id: "eu", url: "https://b-eu.s3-accelerate.amazonaws.com" },
    ]);
    const us = await signer.create({ filename: "a.png", contentType: "image/png", size: 10, target: "us" }, ctx);
    expect(us.mode === "single" && new URL(us.url).host).toBe("b-us.s3.us-east-1.amazonaws.com");
  });

  describe("S3's restrictions are ConfigErrors that say why", () => {
    const base = { tokenSecret: SECRET, authorize: headerAuth, accelerate: true };
    const fails = (options: Partial<SignerOptions>, option: string, message: RegExp) =>
      expect(() => createSigner({ ...base, ...options } as SignerOptions)).toThrow(
        expect.objectContaining({ code: "InvalidConfig", option, message: expect.stringMatching(message) }),
      );

    it("a bucket name with dots", () => {
      fails({ s3: { region: "eu-west-1" }, bucket: "assets.example.com" }, "accelerate", /bucket names with dots/);
    });
    it("a custom endpoint (AWS only)", () => {
      fails(
        { s3: { region: "us-east-1", endpoint: "http://127.0.0.1:9000" }, bucket: "b-1" },
        "accelerate",
        /AWS S3 feature.*custom `endpoint`/,
      );
    });
    it("path-style addressing (virtual-hosted only)", () => {
      fails({ s3: { region: "eu-west-1", forcePathStyle: true }, bucket: "b-1" }, "accelerate", /virtual-hosted only/);
    });
    it("names the target when the target asked for it", () => {
      fails(
        { accelerate: false, s3: { region: "eu-west-1" }, targets: [{ id: "x", bucket: "a.b", accelerate: true }] },
        "targets[0].accelerate",
        /dots/,
      );
      fails(
        { s3: { region: "eu-west-1" }, targets: [{ id: "x", bucket: "b-1", endpoint: "http://127.0.0.1:9000" }] },
        "accelerate",
        /custom `endpoint`/,
      );
    });
    it("a bucket absent at creation (environment) is checked at the first request", async () => {
      const signer = createSigner({ ...base, s3: { region: "eu-west-1", credentials }, bucket: "" } as SignerOptions);
      await expect(signer.create({ filename: "a", contentType: "text/plain", size: 1 }, ctx)).rejects.toMatchObject({
        code: "InternalError",
      });
    });
  });
});
