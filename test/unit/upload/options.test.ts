/**
 * createUploader's options: checked once at creation with a ConfigError naming the option; a
 * relative endpoint never throws at creation (Next.js prerendering) and resolves at the first
 * request, against the page in a browser, and as a ConfigError in Node.
 */
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createUploader as createWebUploader } from "../../../src/index.js";
import { ConfigError, createUploader, EndpointError, memoryStore, type UploaderOptions } from "../../../src/node.js";
import { bytes, fakeBackend } from "./fake-backend.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  server.resetHandlers();
  vi.unstubAllGlobals();
});
afterAll(() => server.close());

const MiB = 1024 * 1024;

describe("a relative endpoint", () => {
  it("is accepted at creation in Node, and the first request fails with a ConfigError that says to pass an absolute URL", async () => {
    const uploader = createUploader({ endpoint: "/api/s3edge", store: false });
    const error = await uploader.upload(bytes(10), { filename: "a.bin" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "InvalidConfig", option: "endpoint" });
    expect((error as Error).message).toMatch(/relative endpoint needs a base URL in Node: pass an absolute URL/);
  });

  it("does not leak a query of the relative endpoint into the message", async () => {
    const error = await createUploader({ endpoint: "/api/s3edge?token=secret", store: false })
      .upload(bytes(10), { filename: "a.bin" })
      .catch((e: unknown) => e);
    expect((error as Error).message).not.toMatch(/secret/);
  });

  it("resolves against the page's location at the first request in a browser", async () => {
    const backend = fakeBackend();
    // The fake endpoint is http://app.test/s3edge: a page at http://app.test/some/page resolves "/s3edge" to it.
    server.use(...backend.handlers);
    const uploader = createWebUploader({ endpoint: "/s3edge", retry: { retries: 0 } });
    vi.stubGlobal("location", { href: "http://app.test/some/page?x=1" });
    const result = await uploader.upload(bytes(1000), { filename: "rel.bin" });
    expect(result.key).toBe("uploads/rel.bin");
    expect(backend.ops("create")).toHaveLength(1);
  });
});

describe("option checks", () => {
  const base: UploaderOptions = { endpoint: "http://app.test/s3edge" };
  it.each<[string, Partial<UploaderOptions> | Record<string, unknown>]>([
    ["endpoint", { endpoint: "" }],
    ["endpoint", { endpoint: "ftp://files.example.com/s3edge" }],
    ["concurrency", { concurrency: 0 }],
    ["concurrency", { concurrency: 2.5 }],
    ["partSize", { partSize: 1024 }],
    ["partSize", { partSize: 5 * MiB + 0.5 }],
    ["partSize", { partSize: 6 * 1024 ** 3 }],
    ["retry", { retry: 3 }],
    ["retry.retries", { retry: { retries: -1 } }],
    ["retry.baseDelayMs", { retry: { baseDelayMs: Number.NaN } }],
    ["retry.maxDelayMs", { retry: { baseDelayMs: 500, maxDelayMs: 100 } }],
    ["stallTimeoutMs", { stallTimeoutMs: -1 }],
    ["stallTimeoutMs", { stallTimeoutMs: Number.POSITIVE_INFINITY }],
    ["offlineTimeoutMs", { offlineTimeoutMs: "5m" }],
    ["endpointTimeoutMs", { endpointTimeoutMs: 3_000_000_000 }],
    ["transport", { transport: "websocket" }],
    ["transport", { transport: { put: "no" } }],
    ["store", { store: { get: () => undefined } }],
    ["store", { store: true }],
    ["checksum", { checksum: "MD5" }],
    ["credentials", { credentials: "always" }],
    ["headers", { headers: "authorization: x" }],
    ["fetch", { fetch: "fetch" }],
    ["autoStart", { autoStart: "yes" }],
    ["now", { now: 5 }],
  ])("refuses a bad `%s` at creation with a ConfigError naming it", (option, patch) => {
    let thrown: unknown;
    try {
      createUploader({ ...base, ...patch } as UploaderOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ code: "InvalidConfig", option });
    expect((thrown as Error).message).toContain(`\`${option}\``);
  });

  it("refuses a missing options object and a missing endpoint", () => {
    expect(() => createUploader(undefined as unknown as UploaderOptions)).toThrow(ConfigError);
    expect(() => createUploader({} as UploaderOptions)).toThrow(/`endpoint`/);
  });

  it("accepts the limits themselves and zero durations", () => {
    for (const patch of [
      { partSize: 5 * MiB, concurrency: 1 },
      { partSize: 5 * 1024 ** 3 },
      {
        stallTimeoutMs: 0,
        offlineTimeoutMs: 0,
        endpointTimeoutMs: 0,
        retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
      },
      {
        store: memoryStore(),
        transport: "fetch" as const,
        checksum: "CRC32" as const,
        credentials: "include" as const,
      },
      { headers: () => ({ authorization: "Bearer x" }), autoStart: false, now: Date.now },
    ]) {
      expect(() => createUploader({ ...base, ...patch })).not.toThrow();
    }
  });

  it("endpointTimeoutMs: 0 means no timeout, not 30 s", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let answer!: () => void;
      const held = new Promise<void>((resolve) => (answer = resolve));
      server.use(
        http.post("http://app.test/s3edge", async () => {
          await held;
          return HttpResponse.json({
            mode: "single",
            key: "k",
            url: "http://s3.test/bucket/k",
            headers: {},
            expiresAt: Date.now() + 60_000,
            s3Url: "http://s3.test/bucket/k",
          });
        }),
        http.put("http://s3.test/bucket/k", () => new HttpResponse(null, { headers: { etag: '"e"' } })),
      );
      const upload = createUploader({ ...base, endpointTimeoutMs: 0, store: false, retry: { retries: 0 } }).add(
        bytes(10),
        { filename: "k" },
      );
      const settled = upload.done().then(
        (r) => r.key,
        (e: unknown) => e,
      );
      await vi.advanceTimersByTimeAsync(31_000);
      answer();
      vi.useRealTimers();
      expect(await settled).toBe("k");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("endpoint errors", () => {
  it("an HTTP error names the endpoint URL (redacted)", async () => {
    server.use(http.post("http://app.test/missing", () => new HttpResponse("not found", { status: 404 })));
    const error = await createUploader({ endpoint: "http://app.test/missing?key=secret", store: false })
      .upload(bytes(10), { filename: "a.bin" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointError);
    expect((error as Error).message).toBe(
      "Signing endpoint create: http://app.test/missing?<redacted> answered HTTP 404",
    );
  });

  it("a coded error names the endpoint URL too", async () => {
    server.use(
      http.post("http://app.test/s3edge", () =>
        HttpResponse.json({ error: { code: "NotAuthorized", message: "log in" } }, { status: 401 }),
      ),
    );
    const error = await createUploader({ ...base(), store: false })
      .upload(bytes(10), { filename: "a.bin" })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "Signing endpoint create: NotAuthorized: log in (HTTP 401 from http://app.test/s3edge)",
    );
  });
});

function base(): UploaderOptions {
  return { endpoint: "http://app.test/s3edge" };
}
