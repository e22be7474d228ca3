import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AbortError } from "../../../src/core/errors.js";
import {
  DEFAULT_RETRY,
  MAX_RETRY_AFTER_MS,
  backoffDelay,
  isRetryableStatus,
  parseRetryAfter,
  parseS3Error,
  sleep,
} from "../../../src/core/retry.js";

describe("backoffDelay", () => {
  it("has the documented defaults", () => {
    expect(DEFAULT_RETRY).toEqual({ retries: 5, baseDelayMs: 300, maxDelayMs: 20_000 });
  });

  it("doubles the ceiling with each attempt up to maxDelayMs (full jitter)", () => {
    const half = (): number => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffDelay(a, DEFAULT_RETRY, half))).toEqual([
      150, 300, 600, 1200, 2400, 4800, 9600, 10_000, 10_000,
    ]);
    expect(backoffDelay(3, DEFAULT_RETRY, () => 0)).toBe(0);
    expect(backoffDelay(10_000, DEFAULT_RETRY, half)).toBe(10_000);
  });

  it("stays within [0, min(max, base * 2^attempt)] for any attempt and random value", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (attempt, r, base, max) => {
          const delay = backoffDelay(attempt, { retries: 3, baseDelayMs: base, maxDelayMs: max }, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(max, base * 2 ** attempt));
          expect(Number.isFinite(delay)).toBe(true);
        },
      ),
    );
  });

  it("treats a negative attempt as the first one", () => {
    expect(backoffDelay(-3, DEFAULT_RETRY, () => 0.5)).toBe(150);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");

  it.each([
    ["120", 120_000],
    ["0", 0],
    [" 5 ", 5000],
    ["999999", MAX_RETRY_AFTER_MS],
    ["Wed, 21 Oct 2015 07:28:30 GMT", 30_000],
    ["Wednesday, 21-Oct-15 07:28:30 GMT", 30_000],
    ["Wed Oct 21 07:28:30 2015", 30_000],
    ["Wed, 21 Oct 2015 07:00:00 GMT", 0],
    ["Fri, 21 Oct 2016 07:28:30 GMT", MAX_RETRY_AFTER_MS],
  ])("reads %j as %d ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([null, undefined, "", "soon", "-5", "1.5", "1e3", "Mon, garbage", "2015-10-21T07:28:30Z"])(
    "ignores %j",
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );

  it("is never negative and never above one hour", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 4_000_000_000_000 }), (value, at) => {
        const ms = parseRetryAfter(value, at);
        if (ms !== undefined) {
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThanOrEqual(MAX_RETRY_AFTER_MS);
        }
      }),
    );
  });
});

describe("isRetryableStatus", () => {
  it.each([
    [408, undefined, true],
    [429, undefined, true],
    [500, undefined, true],
    [502, undefined, true],
    [503, undefined, true],
    [504, undefined, true],
    [501, undefined, false],
    [200, undefined, false],
    [304, undefined, false],
    [400, undefined, false],
    [401, undefined, false],
    [403, undefined, false],
    [404, undefined, false],
    [409, undefined, false],
    [412, undefined, false],
    [0, undefined, false],
    [503, "SlowDown", true],
    [400, "RequestTimeout", true],
    [500, "InternalError", true],
    [503, "ServiceUnavailable", true],
    [409, "OperationAborted", true],
    [400, "Throttling", true],
    [403, "RequestTimeTooSkewed", false],
    [503, "RequestTimeTooSkewed", false],
    [403, "AccessDenied", false],
    [403, "SignatureDoesNotMatch", false],
    [404, "NoSuchUpload", false],
    [400, "InvalidPart", false],
    [400, "EntityTooSmall", false],
    [500, "SomethingNew", true],
    [501, "NotImplemented", false],
  ] as const)("status %d with code %s -> %s", (status, code, expected) => {
    expect(isRetryableStatus(status, code)).toBe(expected);
  });
});

describe("parseS3Error", () => {
  it("reads code, message and request id of an S3 error body", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>abc</HostId></Error>`;
    expect(parseS3Error(xml)).toEqual({
      code: "SlowDown",
      message: "Please reduce your request rate.",
      requestId: "4442587FB7D0A2F9",
    });
  });

  it("decodes XML entities in the message", () => {
    const xml =
      "<Error><Code>InvalidArgument</Code><Message>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#233;&#x1F600;</Message></Error>";
    expect(parseS3Error(xml).message).toBe(`a <b> & "c" 'd' é😀`);
  });

  it("returns only what it finds", () => {
    expect(parseS3Error("<Error><Code>AccessDenied</Code></Error>")).toEqual({ code: "AccessDenied" });
    expect(parseS3Error("<Error><Code></Code><Message> </Message></Error>")).toEqual({});
  });

  it.each(["", "not xml", "<html><body>502 Bad Gateway</body></html>", '{"error":{}}', "<Error><Code>unterminated"])(
    "returns {} for %j",
    (body) => {
      expect(parseS3Error(body)).toEqual({});
    },
  );

  it("never returns the string-to-sign of a signature error", () => {
    const xml =
      "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message>" +
      "<StringToSign>AWS4-HMAC-SHA256 secret-ish</StringToSign><CanonicalRequest>PUT /k?X-Amz-Signature=abc</CanonicalRequest></Error>";
    const parsed = parseS3Error(xml);
    expect(parsed.code).toBe("SignatureDoesNotMatch");
    expect(JSON.stringify(parsed)).not.toContain("AWS4-HMAC-SHA256");
    expect(JSON.stringify(parsed)).not.toContain("X-Amz-Signature");
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const parsed = parseS3Error(`<Error>${s}</Error>`);
        expect(typeof parsed).toBe("object");
      }),
    );
  });
});

describe("sleep", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resolves after the delay", async () => {
    vi.useFakeTimers();
    let done = false;
    const promise = sleep(1000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await promise;
    expect(done).toBe(true);
  });

  it("rejects at once with the reason of an already aborted signal", async () => {
    const reason = new Error("gone");
    await expect(sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it("rejects with the signal's reason on abort and clears its timer", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const promise = sleep(10_000, controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new AbortError("cancelled");
    controller.abort(reason);
    await expect(promise).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("removes its abort listener once it resolves", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, "removeEventListener");
    const promise = sleep(5, controller.signal);
    await vi.advanceTimersByTimeAsync(5);
    await promise;
    expect(remove).toHaveBeenCalledWith("abort", expect.any(Function));
    controller.abort();
  });

  it("clamps negative and huge delays to what timers support", async () => {
    vi.useFakeTimers();
    const quick = sleep(-5);
    await vi.advanceTimersByTimeAsync(0);
    await quick;
    const controller = new AbortController();
    const forever = sleep(Number.POSITIVE_INFINITY, controller.signal);
    await vi.advanceTimersByTimeAsync(60_000);
    controller.abort();
    await expect(forever).rejects.toBeInstanceOf(DOMException);
  });
});
