/**
 * Outcomes that must be true to fact: checksums S3 did not echo are reported as unverified; a
 * single PUT stored without a readable ETag succeeds (with a warning); a misconfiguration or a
 * host that is down fails after the retries instead of waiting out an "offline" period.
 */
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createUploader as createWebUploader } from "../../../src/index.js";
import { createUploader, type UploaderOptions, type UploadEvents, type UploadWarning } from "../../../src/node.js";
import { ENDPOINT, S3, bytes, fakeBackend, type FakeBackendOptions } from "./fake-backend.js";

const MiB = 1024 * 1024;
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  server.resetHandlers();
  vi.unstubAllGlobals();
});
afterAll(() => server.close());

function setup(
  options: Partial<UploaderOptions> = {},
  backendOptions: FakeBackendOptions = {},
  create = createUploader,
) {
  const backend = fakeBackend(backendOptions);
  server.use(...backend.handlers);
  const uploader = create({
    endpoint: ENDPOINT,
    store: false,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
  return { backend, uploader };
}

describe("checksums", () => {
  it("are verified when S3 echoes every part's checksum", async () => {
    const { uploader } = setup({ checksum: "CRC32" }, { echoChecksum: true });
    const upload = uploader.add(bytes(11 * MiB, 41), { filename: "sum.bin" });
    const parts: Array<UploadEvents["part"]> = [];
    const warnings: UploadWarning[] = [];
    upload.on("part", (p) => parts.push(p));
    upload.on("warning", (w) => warnings.push(w));
    const result = await upload.done();
    expect(result.checksumVerified).toBe(true);
    expect(parts.map((p) => p.checksumVerified)).toEqual([true, true, true]);
    expect(warnings).toEqual([]);
  });

  it("are reported unverified, with one warning, when S3 does not echo them (RGW, s3rver)", async () => {
    const { uploader, backend } = setup({ checksum: "CRC32" }, { echoChecksum: false });
    const upload = uploader.add(bytes(11 * MiB, 42), { filename: "nosum.bin" });
    const parts: Array<UploadEvents["part"]> = [];
    const warnings: UploadWarning[] = [];
    upload.on("part", (p) => parts.push(p));
    upload.on("warning", (w) => warnings.push(w));
    const result = await upload.done();
    expect(result.checksumVerified).toBe(false);
    expect(upload.getState().result?.checksumVerified).toBe(false);
    expect(parts.map((p) => p.checksumVerified)).toEqual([false, false, false]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      code: "ChecksumUnverified",
      message: expect.stringMatching(/not proven intact/),
    });
    // The checksums were sent (signed into each URL) all the same.
    expect(
      backend.ops("sign").flatMap((c) => (c["parts"] as Array<{ checksum?: string }>).map((p) => typeof p.checksum)),
    ).toEqual(["string", "string", "string"]);
  });

  it("are not mentioned without the checksum option", async () => {
    const { uploader } = setup({}, { echoChecksum: true });
    const upload = uploader.add(bytes(6 * MiB, 43), { filename: "plain.bin" });
    const parts: Array<UploadEvents["part"]> = [];
    upload.on("part", (p) => parts.push(p));
    const result = await upload.done();
    expect("checksumVerified" in result).toBe(false);
    expect(parts.every((p) => !("checksumVerified" in p))).toBe(true);
  });
});

describe("a single PUT without a readable ETag", () => {
  it("succeeds (the object is stored) with an empty etag and an ETagMissing warning", async () => {
    const { uploader, backend } = setup();
    backend.onPut = () => new HttpResponse(null, { status: 200 });
    const upload = uploader.add(bytes(1000, 44), { filename: "small.bin" });
    const warnings: UploadWarning[] = [];
    upload.on("warning", (w) => warnings.push(w));
    const result = await upload.done();
    expect(result).toMatchObject({ key: "uploads/small.bin", etag: "", size: 1000 });
    expect(upload.getState().status).toBe("done");
    expect(warnings.map((w) => w.code)).toEqual(["ETagMissing"]);
  });

  it("in a browser the warning is CorsETagMissing and names the CORS setting", async () => {
    vi.stubGlobal("XMLHttpRequest", class {});
    const { uploader, backend } = setup({ transport: "fetch" });
    backend.onPut = () => new HttpResponse(null, { status: 200 });
    const upload = uploader.add(bytes(1000, 45), { filename: "cors.bin" });
    const warnings: UploadWarning[] = [];
    upload.on("warning", (w) => warnings.push(w));
    expect((await upload.done()).etag).toBe("");
    expect(warnings).toEqual([{ code: "CorsETagMissing", message: expect.stringMatching(/ExposeHeaders/) }]);
  });

  it("a multipart part without a readable ETag still fails (complete needs it), and the upload is aborted", async () => {
    vi.stubGlobal("XMLHttpRequest", class {});
    const { uploader, backend } = setup({ transport: "fetch" });
    backend.onPut = () => new HttpResponse(null, { status: 200 });
    const error = await uploader.upload(bytes(6 * MiB, 46), { filename: "multi.bin" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "CorsETagMissing",
      name: "CorsETagMissingError",
      message: expect.stringMatching(/ExposeHeaders/),
    });
    expect(backend.ops("abort")).toHaveLength(1);
  });
});

describe("failing fast instead of waiting for a network that never worked", () => {
  it("fails after the retries when the endpoint host is down (nothing of the upload ever answered)", async () => {
    server.use(http.post(ENDPOINT, () => HttpResponse.error()));
    const uploader = createUploader({
      endpoint: ENDPOINT,
      store: false,
      retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
      offlineTimeoutMs: 300_000,
    });
    const upload = uploader.add(bytes(10), { filename: "down.bin" });
    const retries: boolean[] = [];
    upload.on("retry", (r) => retries.push(r.offline));
    const error = await upload.done().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NetworkError", message: expect.stringMatching(/could not be reached/) });
    expect(retries).toEqual([false, false]);
    expect(upload.getState().offline).toBe(false);
  });

  it("fails after the retries when the browser says it is online and every PUT fails below HTTP", async () => {
    vi.stubGlobal("navigator", { onLine: true });
    const { uploader, backend } = setup({ offlineTimeoutMs: 300_000 }, {}, createWebUploader);
    backend.onPut = () => HttpResponse.error();
    const upload = uploader.add(bytes(6 * MiB, 47), { filename: "cors.bin" });
    const retries: boolean[] = [];
    upload.on("retry", (r) => retries.push(r.offline));
    const error = await upload.done().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NetworkError" });
    // Two parts, each with its two retries at most; none of them waits for the network.
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.length).toBeLessThanOrEqual(4);
    expect(retries.every((offline) => !offline)).toBe(true);
    expect(upload.getState().offline).toBe(false);
    expect(backend.ops("abort")).toHaveLength(1);
  });

  it("keeps waiting for a network that worked and went away, where nothing says it is online (Node)", async () => {
    const { uploader, backend } = setup({ offlineTimeoutMs: 60_000 });
    backend.onPut = (call, attempt) => (call.partNumber === 2 && attempt <= 5 ? HttpResponse.error() : undefined);
    const upload = uploader.add(bytes(11 * MiB, 48), { filename: "flaky.bin" });
    const retries: boolean[] = [];
    upload.on("retry", (r) => retries.push(r.offline));
    await upload.done();
    expect(retries).toEqual([false, false, true, true, true]);
  });

  it("hints at CORS when the endpoint is on another origin than the page", async () => {
    vi.stubGlobal("location", { href: "http://page.test/app" });
    server.use(http.post(ENDPOINT, () => HttpResponse.error()));
    const error = await createWebUploader({ endpoint: ENDPOINT, retry: { retries: 0 } })
      .upload(bytes(10), { filename: "x.bin" })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /http:\/\/app\.test\/s3edge could not be reached\. It is on another origin than this page \(http:\/\/page\.test\): .*`cors` option of handleS3Edge/,
    );
  });

  it("hints at the bucket's CORS when a PUT to another origin fails below HTTP", async () => {
    vi.stubGlobal("location", { href: "http://app.test/page" });
    vi.stubGlobal("navigator", { onLine: true });
    const { uploader, backend } = setup({ retry: { retries: 0 } }, {}, createWebUploader);
    backend.onPut = () => HttpResponse.error();
    const error = await uploader.upload(bytes(10), { filename: "y.bin" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NetworkError" });
    expect((error as Error).message).toContain(
      `PUT of the object to ${S3}/uploads/y.bin?<redacted> failed before an answer.`,
    );
    expect((error as Error).message).toMatch(/bucket's CORS configuration does not allow it/);
  });
});
