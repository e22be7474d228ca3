/**
 * Configuration of `s3edge/server`: every misconfiguration of createSigner,
 * handleS3Edge and toNodeHandler is a ConfigError naming the option and what to
 * do; the `*Ms` options and their deprecated aliases; and the options that come
 * from the environment (bucket, tokenSecret), which may be absent when the
 * signer is created (a `next build` without secrets) and are checked at the
 * first request instead.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

import { ConfigError, createSigner, handleS3Edge, toNodeHandler } from "../../../src/server.js";
import type { Signer, SignerOptions } from "../../../src/server.js";
import { MiB, SECRET, headerAuth, setup, stubClient } from "./helpers.js";

const base: SignerOptions = {
  s3: { region: "us-east-1", credentials: { accessKeyId: "AK", secretAccessKey: "SK" } },
  bucket: "my-bucket",
  tokenSecret: SECRET,
  authorize: () => ({ id: "a" }),
};

/** What `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Options a caller might pass by mistake (TypeScript would refuse most of them; JavaScript callers would not). */
const wrong = (value: unknown): never => value as never;

describe("createSigner: every misconfiguration is a ConfigError naming the option", () => {
  const cases: Array<[string, string, () => unknown]> = [
    ["no options", "options", () => createSigner(wrong(undefined))],
    ["no authorize", "authorize", () => createSigner({ ...base, authorize: wrong(undefined) })],
    ["authorize that is not a function", "authorize", () => createSigner({ ...base, authorize: wrong("yes") })],
    ["no s3", "s3", () => createSigner({ ...base, s3: wrong(undefined) })],
    ["s3 as a string", "s3", () => createSigner({ ...base, s3: wrong("eu-west-1") })],
    ["a bucket name S3 cannot have", "bucket", () => createSigner({ ...base, bucket: "Bad_Bucket" })],
    ["a bucket that looks like an IP address", "bucket", () => createSigner({ ...base, bucket: "192.168.1.1" })],
    ["a 10-byte tokenSecret", "tokenSecret", () => createSigner({ ...base, tokenSecret: "0123456789" })],
    ["a tokenSecret of the wrong type", "tokenSecret", () => createSigner({ ...base, tokenSecret: wrong(12345) })],
    ["limits that are not an object", "limits", () => createSigner({ ...base, limits: wrong(5) })],
    ["a part size under 5 MiB", "limits.partSize", () => createSigner({ ...base, limits: { partSize: 1024 } })],
    ["a negative maxSize", "limits.maxSize", () => createSigner({ ...base, limits: { maxSize: -1 } })],
    ["minSize over maxSize", "limits.minSize", () => createSigner({ ...base, limits: { maxSize: 10, minSize: 11 } })],
    ["maxParts over 10,000", "limits.maxParts", () => createSigner({ ...base, limits: { maxParts: 10_001 } })],
    [
      "a multipart threshold over 5 GiB",
      "limits.multipartThreshold",
      () => createSigner({ ...base, limits: { multipartThreshold: 6 * 1024 * MiB } }),
    ],
    [
      "a content type pattern */png",
      "limits.contentTypes",
      () => createSigner({ ...base, limits: { contentTypes: ["*/png"] } }),
    ],
    [
      "contentTypes that is not an array",
      "limits.contentTypes",
      () => createSigner({ ...base, limits: { contentTypes: wrong("image/*") } }),
    ],
    [
      "limits.check that is not a function",
      "limits.check",
      () => createSigner({ ...base, limits: { check: wrong(true) } }),
    ],
    ["urlExpiresInMs over 7 days", "urlExpiresInMs", () => createSigner({ ...base, urlExpiresInMs: 604_801_000 })],
    ["urlExpiresInMs under a second", "urlExpiresInMs", () => createSigner({ ...base, urlExpiresInMs: 999 })],
    ["urlExpiresIn (deprecated) over 7 days", "urlExpiresIn", () => createSigner({ ...base, urlExpiresIn: 604_801 })],
    [
      "both urlExpiresInMs and urlExpiresIn",
      "urlExpiresInMs",
      () => createSigner({ ...base, urlExpiresInMs: 60_000, urlExpiresIn: 60 }),
    ],
    [
      "both tokenExpiresInMs and tokenExpiresIn",
      "tokenExpiresInMs",
      () => createSigner({ ...base, tokenExpiresInMs: 60_000, tokenExpiresIn: 60 }),
    ],
    ["a fractional tokenExpiresInMs", "tokenExpiresInMs", () => createSigner({ ...base, tokenExpiresInMs: 1500.5 })],
    ["a cdn that is not a URL", "cdn", () => createSigner({ ...base, cdn: "cdn.example.com" })],
    ["a cdn with a query", "cdn", () => createSigner({ ...base, cdn: "https://cdn.example.com/?a=1" })],
    [
      "an origin with an invalid bucket",
      "origin",
      () => createSigner({ ...base, origin: { bucket: "B", region: "eu-west-1" } }),
    ],
    ["keyPolicy that is not a function", "keyPolicy", () => createSigner({ ...base, keyPolicy: wrong("uploads/") })],
    ["read that is not a function", "read", () => createSigner({ ...base, read: wrong(true) })],
    ["onError that is not a function", "onError", () => createSigner({ ...base, onError: wrong("console") })],
    ["now that is not a function", "now", () => createSigner({ ...base, now: wrong(0) })],
  ];

  it.each(cases)("%s -> ConfigError(%s)", (_name, option, fn) => {
    const error = thrown(fn);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).not.toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ code: "InvalidConfig", option });
    // The message names the option and says what to do.
    expect((error as ConfigError).message).toContain(option.split(".").pop()!);
    expect((error as ConfigError).message.length).toBeGreaterThan(option.length + 20);
  });

  it("explains why '*' with credentials is refused", () => {
    const { signer } = setup();
    const error = thrown(() => handleS3Edge(signer, { cors: { origin: "*", credentials: true } }));
    expect(error).toMatchObject({ code: "InvalidConfig", option: "cors.origin" });
    expect((error as Error).message).toMatch(/any website could read|would let any website/);
  });
});

describe("handleS3Edge and toNodeHandler: misconfigurations are ConfigErrors", () => {
  const { signer } = setup();
  const cases: Array<[string, string, () => unknown]> = [
    ["no signer", "signer", () => handleS3Edge(wrong(undefined))],
    ["a signer that is not one", "signer", () => handleS3Edge(wrong({ sign: () => undefined }))],
    ["options that are not an object", "options", () => handleS3Edge(signer, wrong("cors"))],
    ["onError that is not a function", "onError", () => handleS3Edge(signer, { onError: wrong(1) })],
    ["bodyTimeoutMs of 0", "bodyTimeoutMs", () => handleS3Edge(signer, { bodyTimeoutMs: 0 })],
    ["cors without origin", "cors.origin", () => handleS3Edge(signer, { cors: wrong({ credentials: true }) })],
    [
      "cors origin '*' with credentials",
      "cors.origin",
      () => handleS3Edge(signer, { cors: { origin: ["https://a.test", "*"], credentials: true } }),
    ],
    [
      "a negative cors.maxAge",
      "cors.maxAge",
      () => handleS3Edge(signer, { cors: { origin: "https://a.test", maxAge: -1 } }),
    ],
    [
      "cors.credentials that is not a boolean",
      "cors.credentials",
      () => handleS3Edge(signer, { cors: { origin: "https://a.test", credentials: wrong("yes") } }),
    ],
    ["toNodeHandler without a handler", "handler", () => toNodeHandler(wrong(undefined))],
  ];

  it.each(cases)("%s -> ConfigError(%s)", (_name, option, fn) => {
    const error = thrown(fn);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "InvalidConfig", option });
  });
});

describe("durations in milliseconds, with deprecated second aliases", () => {
  const urlLifetime = async (options: Partial<SignerOptions>): Promise<string | null> => {
    const { call } = setup(options);
    const res = await call({ v: 1, op: "create", filename: "a.png", contentType: "image/png", size: 10 });
    return new URL((res.json as { url: string }).url).searchParams.get("X-Amz-Expires");
  };

  it("signs URLs for urlExpiresInMs (whole seconds; a remainder is dropped), 15 minutes by default", async () => {
    expect(await urlLifetime({})).toBe("900");
    expect(await urlLifetime({ urlExpiresInMs: 120_000 })).toBe("120");
    expect(await urlLifetime({ urlExpiresInMs: 90_500 })).toBe("90");
  });

  it("still honours urlExpiresIn (seconds) when urlExpiresInMs is absent", async () => {
    expect(await urlLifetime({ urlExpiresIn: 120 })).toBe("120");
  });

  it("issues tokens for tokenExpiresInMs, or the deprecated tokenExpiresIn in seconds, one day by default", async () => {
    const now = Date.UTC(2030, 0, 1);
    const expiry = async (options: Partial<SignerOptions>) => {
      const { call } = setup({ now: () => now, ...options });
      const res = await call({
        v: 1,
        op: "create",
        filename: "a.bin",
        contentType: "application/octet-stream",
        size: 20 * MiB,
      });
      return (res.json as { expiresAt: number }).expiresAt - now;
    };
    expect(await expiry({})).toBe(86_400_000);
    expect(await expiry({ tokenExpiresInMs: 3_600_500 })).toBe(3_600_500);
    expect(await expiry({ tokenExpiresIn: 60 })).toBe(60_000);
  });
});

describe("options from the environment (Next.js build time)", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env["S3EDGE_TEST_SECRET"];
    delete process.env["S3EDGE_TEST_BUCKET"];
  });

  function fromEnv(overrides: Partial<SignerOptions> = {}): Signer {
    // As an app writes it at module scope: `tokenSecret: process.env.S3EDGE_SECRET!`.
    return createSigner({
      s3: stubClient().client,
      bucket: process.env["S3EDGE_TEST_BUCKET"]!,
      tokenSecret: process.env["S3EDGE_TEST_SECRET"]!,
      authorize: headerAuth,
      ...overrides,
    });
  }

  async function create(signer: Signer) {
    const response = await handleS3Edge(signer)(
      new Request("http://app.test/api", {
        method: "POST",
        headers: { "content-type": "application/json", "x-user": "alice" },
        body: JSON.stringify({ v: 1, op: "create", filename: "a.png", contentType: "image/png", size: 10 }),
      }),
    );
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
  }

  it("does not throw at creation when tokenSecret and bucket are absent (undefined or empty)", () => {
    expect(() => fromEnv()).not.toThrow();
    expect(() => fromEnv({ tokenSecret: "", bucket: "" })).not.toThrow();
    expect(() => fromEnv({ tokenSecret: new Uint8Array(0) })).not.toThrow();
  });

  it("answers 500 at the first request and logs a ConfigError line naming the missing option", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    process.env["S3EDGE_TEST_BUCKET"] = "my-bucket";
    const res = await create(fromEnv());
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({ code: "InternalError", message: "internal error" });
    expect(log).toHaveBeenCalledTimes(1);
    const line = String(log.mock.calls[0]![0]);
    expect(line).toContain("ConfigError: tokenSecret is missing: set it from your secret store");
    expect(line).toMatch(/^s3edge: create answered 500 InternalError/);
  });

  it("names a missing bucket the same way, and signer.bucket throws the ConfigError", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    process.env["S3EDGE_TEST_SECRET"] = SECRET;
    const signer = fromEnv();
    expect((await create(signer)).status).toBe(500);
    expect(String(log.mock.calls[0]![0])).toContain("ConfigError: bucket is missing");
    expect(thrown(() => signer.bucket)).toMatchObject({ code: "InvalidConfig", option: "bucket" });
    expect(thrown(() => signer.objectUrls("a.png"))).toMatchObject({ code: "InvalidConfig", option: "bucket" });
  });

  it("works once the environment provides both (the server process, not the build)", async () => {
    process.env["S3EDGE_TEST_SECRET"] = SECRET;
    process.env["S3EDGE_TEST_BUCKET"] = "my-bucket";
    const res = await create(fromEnv());
    expect(res.status).toBe(200);
  });

  it("still throws at once for values that are present but wrong", () => {
    expect(thrown(() => fromEnv({ tokenSecret: "0123456789" }))).toMatchObject({ option: "tokenSecret" });
    expect(thrown(() => fromEnv({ tokenSecret: SECRET, bucket: "my_bucket" }))).toMatchObject({ option: "bucket" });
  });
});
