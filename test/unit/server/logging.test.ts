/**
 * No silent server failures: without `onError`, every 5xx the endpoint answers
 * is logged once with `console.error`, redacted; `onError` (a handleS3Edge
 * option; the signer's own is a deprecated fallback) receives every error and
 * replaces the default; an exception in `authorize` is a logged 500, not a 401.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it, vi } from "vitest";

import { SignerError, createSigner, handleS3Edge } from "../../../src/server.js";
import type { SignerOptions } from "../../../src/server.js";
import { logLine, redactText } from "../../../src/server/log.js";
import { MiB, SECRET, SECRET_ACCESS_KEY, headerAuth, s3Error, stubClient } from "./helpers.js";

const create = (extra: Record<string, unknown> = {}) => ({
  v: 1,
  op: "create",
  filename: "a.bin",
  contentType: "application/octet-stream",
  size: 10,
  ...extra,
});

function request(body: unknown, user: string | null = "alice"): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (user !== null) headers["x-user"] = user;
  return new Request("http://app.test/api", { method: "POST", headers, body: JSON.stringify(body) });
}

function signerWith(options: Partial<SignerOptions> = {}, stubs: Parameters<typeof stubClient>[0] = {}) {
  return createSigner({
    s3: stubClient(stubs).client,
    bucket: "unit-bucket",
    tokenSecret: SECRET,
    authorize: headerAuth,
    ...options,
  });
}

afterEach(() => vi.restoreAllMocks());

describe("default logging (no onError)", () => {
  it("logs each 5xx once, with op, status, code, message and the cause's name and message", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const handler = handleS3Edge(
      signerWith({
        keyPolicy: () => {
          throw new RangeError("policy table is empty");
        },
      }),
    );
    const res = await handler(request(create()));
    expect(res.status).toBe(500);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]).toEqual([
      "s3edge: create answered 500 InternalError: internal error; cause: RangeError: policy table is empty",
    ]);
  });

  it("does not log 4xx (the client's business)", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const handler = handleS3Edge(signerWith());
    expect((await handler(request(create(), null))).status).toBe(401);
    expect((await handler(request({ v: 1, op: "nope" }))).status).toBe(400);
    expect(log).not.toHaveBeenCalled();
  });

  it("logs an S3 error answered 502 without its URL, signature or credentials", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const handler = handleS3Edge(
      signerWith({}, { CreateMultipartUploadCommand: () => Promise.reject(s3Error("SlowDown", 503)) }),
    );
    expect((await handler(request(create({ size: 20 * MiB })))).status).toBe(502);
    const line = String(log.mock.calls[0]![0]);
    expect(line).toContain(
      "create answered 502 InternalError: S3 answered SlowDown (HTTP 503); cause: SlowDown: SlowDown at https://bucket.s3.amazonaws.com/k?<redacted>",
    );
    expect(line).not.toContain("deadbeef");
  });

  it("never logs the token secret, an AWS secret key, a token or a signed URL found in a cause", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const token = "eyJrIjoidXBsb2Fkcy9hIiwidSI6InVwLTEiLCJzIjoiYWxpY2UifQ.q8bYbX2vR0M5pYxS3k4cJmQ5k9vWb0QjO1q2r3s4t5u";
    const url = "https://b.s3.amazonaws.com/k?X-Amz-Signature=0123abcd&X-Amz-Credential=AKID%2F2030";
    const handler = handleS3Edge(
      signerWith({
        limits: {
          check: () => {
            throw new Error(`db down: ${SECRET} ${SECRET_ACCESS_KEY} ${token} ${url} X-Amz-Signature=feedface`);
          },
        },
      }),
    );
    await handler(request(create()));
    const line = String(log.mock.calls[0]![0]);
    for (const secret of [SECRET, SECRET_ACCESS_KEY, token, token.split(".")[1]!, "0123abcd", "AKID", "feedface"])
      expect(line).not.toContain(secret);
    expect(line).toContain("cause: Error: db down:");
  });

  it("logs an authorize that throws (database down) as a 500, not a 401", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const handler = handleS3Edge(
      signerWith({
        authorize: async () => {
          throw new Error("connect ECONNREFUSED 10.0.0.5:5432");
        },
      }),
    );
    const res = await handler(request(create()));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "InternalError", message: "internal error" } });
    expect(String(log.mock.calls[0]![0])).toBe(
      "s3edge: request answered 500 InternalError: internal error; cause: Error: connect ECONNREFUSED 10.0.0.5:5432",
    );
  });

  it("keeps 401 for an authorize that returns null or undefined, and the code of a SignerError it throws", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect((await handleS3Edge(signerWith({ authorize: () => null }))(request(create()))).status).toBe(401);
    expect((await handleS3Edge(signerWith({ authorize: () => undefined }))(request(create()))).status).toBe(401);
    const banned = handleS3Edge(
      signerWith({
        authorize: () => {
          throw new SignerError("NotAuthorized", "account suspended", { status: 403 });
        },
      }),
    );
    const res = await banned(request(create()));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: "NotAuthorized", message: "account suspended" } });
    expect(log).not.toHaveBeenCalled();
  });

  it("logs the reason an S3Client with the SDK's default checksums is refused", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const client = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
    const handler = handleS3Edge(
      createSigner({ s3: client, bucket: "unit-bucket", tokenSecret: SECRET, authorize: headerAuth }),
    );
    expect((await handler(request(create()))).status).toBe(500);
    expect(String(log.mock.calls[0]![0])).toMatch(
      /cause: ConfigError: s3: create your S3Client with requestChecksumCalculation: "WHEN_REQUIRED"/,
    );
  });
});

describe("onError", () => {
  it("is a handleS3Edge option that receives every error, 4xx included, instead of the default log", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const seen: Array<[string, string, number]> = [];
    const handler = handleS3Edge(
      signerWith({
        limits: {
          check: () => {
            throw new Error("boom");
          },
        },
      }),
      {
        onError: (error, op) => seen.push([op, error.code, error.status]),
      },
    );
    await handler(request(create(), null));
    await handler(request(create()));
    await handler(new Request("http://app.test/api", { method: "GET" }));
    expect(seen).toEqual([
      ["request", "NotAuthorized", 401],
      ["create", "InternalError", 500],
      ["request", "MethodNotAllowed", 405],
    ]);
    expect(log).not.toHaveBeenCalled();
  });

  it("still honours the deprecated SignerOptions.onError when the handler has none; the handler's wins", async () => {
    const fromSigner: string[] = [];
    const fromHandler: string[] = [];
    const signer = signerWith({ onError: (error) => fromSigner.push(error.code) });
    await handleS3Edge(signer)(request(create(), null));
    await handleS3Edge(signer, { onError: (error) => fromHandler.push(error.code) })(request(create(), null));
    expect(fromSigner).toEqual(["NotAuthorized"]);
    expect(fromHandler).toEqual(["NotAuthorized"]);
  });
});

describe("redaction", () => {
  it("keeps a URL's origin and path, drops its query; removes token-like runs", () => {
    expect(redactText("GET https://b.s3.amazonaws.com/a/b.png?X-Amz-Signature=abc failed")).toBe(
      "GET https://b.s3.amazonaws.com/a/b.png?<redacted> failed",
    );
    expect(redactText("X-Amz-Credential=AKID/2030/us-east-1")).toBe("X-Amz-Credential=<redacted>");
    expect(redactText(`secret ${"a".repeat(40)} end`)).toBe("secret <redacted> end");
    expect(redactText("short words stay")).toBe("short words stay");
  });

  it("shortens long cause messages", () => {
    const line = logLine(
      new SignerError("InternalError", "internal error", { cause: new Error("x ".repeat(500)) }),
      "sign",
    );
    expect(line.length).toBeLessThan(420);
  });
});
