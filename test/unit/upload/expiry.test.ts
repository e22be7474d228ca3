/**
 * Expired part URLs: recognised by S3's words ("Request has expired") and, for servers that say
 * nothing (Ceph RGW: 403 AccessDenied with an empty message), by the URL's expiresAt judged in
 * server time, the skew estimated from the Date headers of the endpoint's and S3's answers.
 */
import { describe, expect, it } from "vitest";
import { createUploader, type UploaderOptions } from "../../../src/node.js";
import { ServerClock } from "../../../src/upload/clock.js";
import {
  ENDPOINT,
  bytes,
  fakeBackend,
  s3Error,
  type FakeBackend,
  type FakeBackendOptions,
  useMswServer,
} from "./fake-backend.js";

const MiB = 1024 * 1024;
const MINUTE = 60_000;
const server = useMswServer();

/** A backend whose clock the test moves (`advance`), and an uploader on a device clock `skewMs` off. */
function setup(backendOptions: FakeBackendOptions, skewMs = 0, options: Partial<UploaderOptions> = {}) {
  let offset = 0;
  const backend: FakeBackend = fakeBackend({ ...backendOptions, serverNow: () => Date.now() + offset });
  server.use(...backend.handlers);
  const uploader = createUploader({
    endpoint: ENDPOINT,
    store: false,
    concurrency: 1,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    now: () => Date.now() + skewMs,
    ...options,
  });
  return { backend, uploader, advance: (ms: number) => void (offset += ms) };
}

const signedParts = (backend: FakeBackend): number[] =>
  backend.ops("sign").flatMap((c) => (c["parts"] as Array<{ partNumber: number }>).map((p) => p.partNumber));

describe("a 403 on a URL past its expiry", () => {
  it.each([
    ["the device clock is right", 0],
    ["the device clock is 10 minutes slow", -10 * MINUTE],
    ["the device clock is 10 minutes fast", 10 * MINUTE],
  ])("with an empty message (Ceph RGW) is an expired URL, signed again once, when %s", async (_name, skew) => {
    const { backend, uploader, advance } = setup({ expiry: "rgw" }, skew);
    // While part 2 is on its way, the servers' time passes the URLs' expiry (15 minutes).
    backend.onPut = (call, attempt) => void (call.partNumber === 2 && attempt === 1 && advance(16 * MINUTE));
    const data = bytes(11 * MiB, 31);
    const upload = uploader.add(data, { filename: "rgw.bin" });
    const retries: string[] = [];
    upload.on("retry", (r) => retries.push(`${r.partNumber}:${r.error.code}:${r.error.status}`));
    await upload.done();
    expect(Buffer.compare(backend.objects.get("uploads/rgw.bin") as Uint8Array, data)).toBe(0);
    expect(retries).toEqual(["2:S3Error:403"]);
    expect(signedParts(backend).filter((n) => n === 2)).toHaveLength(2);
  });

  it("is not retried when the URL is far from its expiry (a real AccessDenied)", async () => {
    const { backend, uploader } = setup({ expiry: "rgw" });
    backend.onPut = (call) => (call.partNumber === 2 ? s3Error(403, "AccessDenied", "") : undefined);
    const error = await uploader.upload(bytes(11 * MiB, 32), { filename: "denied.bin" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "S3Error", status: 403, s3Code: "AccessDenied" });
    expect(backend.puts.filter((p) => p.partNumber === 2)).toHaveLength(1);
    expect(backend.ops("abort")).toHaveLength(1);
  });

  it("is signed again only once: a fresh URL refused with 403 fails the upload", async () => {
    const { backend, uploader, advance } = setup({ expiry: "rgw" });
    backend.onPut = (call, attempt) => {
      if (call.partNumber !== 2) return undefined;
      if (attempt === 1) advance(16 * MINUTE);
      return attempt === 2 ? s3Error(403, "AccessDenied", "") : undefined;
    };
    const error = await uploader.upload(bytes(11 * MiB, 33), { filename: "twice.bin" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "S3Error", status: 403 });
    expect(backend.puts.filter((p) => p.partNumber === 2)).toHaveLength(2);
  });
});

describe("signing ahead in server time", () => {
  it("a device clock 10 minutes slow still re-signs a URL the servers consider expired, before using it", async () => {
    const { backend, uploader, advance } = setup({ expiry: "aws" }, -10 * MINUTE);
    // Part 1's answer comes from a server 15.5 minutes later: every URL of the first batch is expired.
    backend.afterPut = (call, attempt) => void (call.partNumber === 1 && attempt === 1 && advance(15.5 * MINUTE));
    const data = bytes(16 * MiB, 34);
    await uploader.upload(data, { filename: "ahead.bin" });
    expect(Buffer.compare(backend.objects.get("uploads/ahead.bin") as Uint8Array, data)).toBe(0);
    // No PUT was refused: parts 2..4 were signed again before they were sent.
    expect(backend.puts.map((p) => p.partNumber)).toEqual([1, 2, 3, 4]);
    expect(backend.ops("sign").length).toBeGreaterThanOrEqual(2);
  });
});

describe("ServerClock", () => {
  it("is the local clock until a Date header is seen, then local + (Date - local at arrival)", () => {
    let local = 1_700_000_000_000;
    const clock = new ServerClock(() => local);
    expect(clock.now()).toBe(local);
    clock.observe(new Date(local + 10 * MINUTE).toUTCString());
    expect(clock.skewMs).toBeGreaterThan(10 * MINUTE - 1000);
    expect(clock.skewMs).toBeLessThan(10 * MINUTE + 1000);
    local += 5000;
    expect(clock.now() - local).toBe(clock.skewMs);
  });

  it.each([null, undefined, "", "yesterday", "1700000000", "Tue, 14 Nov 2023 22:13:20 +0100"])(
    "ignores a Date it cannot read: %o",
    (date) => {
      const clock = new ServerClock(() => 1_000);
      clock.observe(date);
      expect(clock.skewMs).toBe(0);
    },
  );
});
