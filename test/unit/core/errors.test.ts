import { describe, expect, it } from "vitest";
import {
  AbortError,
  EndpointError,
  InvalidInputError,
  NetworkError,
  S3EdgeError,
  S3Error,
  TimeoutError,
  isS3EdgeError,
  redactUrl,
} from "../../../src/index.js";

describe("error classes", () => {
  it.each([
    [
      new EndpointError("sign", "boom", { status: 502, serverCode: "InternalError", retryable: true }),
      "EndpointError",
      true,
    ],
    [new S3Error("nope", { status: 503, s3Code: "SlowDown", retryable: true, retryAfterMs: 1000 }), "S3Error", true],
    [new NetworkError("down"), "NetworkError", true],
    [new TimeoutError("slow"), "Timeout", true],
    [new TimeoutError("stuck", { stalled: true }), "Stalled", true],
    [new AbortError(), "Aborted", false],
    [new InvalidInputError("bad"), "InvalidInput", false],
    [new InvalidInputError("bad key", "InvalidKey"), "InvalidKey", false],
  ])("%o has a stable code and retryability, and is an S3EdgeError and an Error", (error, code, retryable) => {
    expect(error).toBeInstanceOf(S3EdgeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(isS3EdgeError(error)).toBe(true);
    expect(isS3EdgeError(error, code as never)).toBe(true);
    expect(isS3EdgeError(error, "TooLarge")).toBe(false);
  });

  it("carries the operation, server code, S3 code, status and Retry-After", () => {
    const e = new EndpointError("complete", "gone", { status: 404, serverCode: "UploadNotFound" });
    expect(e.message).toBe("Signing endpoint complete: gone");
    expect([e.operation, e.serverCode, e.status]).toEqual(["complete", "UploadNotFound", 404]);
    const s = new S3Error("slow down", { status: 503, s3Code: "SlowDown", retryAfterMs: 2000, cause: new Error("x") });
    expect([s.s3Code, s.status, s.retryAfterMs]).toEqual(["SlowDown", 503, 2000]);
    expect((s.cause as Error).message).toBe("x");
  });

  it("isS3EdgeError refuses anything else", () => {
    expect(isS3EdgeError(new Error("plain"))).toBe(false);
    expect(isS3EdgeError({ code: "Aborted" })).toBe(false);
    expect(isS3EdgeError(undefined)).toBe(false);
  });
});

describe("redactUrl", () => {
  it("keeps scheme, host and path, and drops query, fragment and user info", () => {
    expect(redactUrl("https://user:pw@b.s3.amazonaws.com/a%20b/c.png?X-Amz-Signature=abc&X-Amz-Credential=k#f")).toBe(
      "https://b.s3.amazonaws.com/a%20b/c.png?<redacted>",
    );
    expect(redactUrl(new URL("http://127.0.0.1:9000/bucket/key"))).toBe("http://127.0.0.1:9000/bucket/key");
  });

  it("never echoes an unparsable input", () => {
    expect(redactUrl("not a url with secret=1")).toBe("<invalid url>");
  });
});
