import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEdge, presignWith, type PresignWithOptions } from "../../../src/delivery/index.js";
import { CDN, S3, cdnAnswers, record, type Recorder } from "./helpers.js";

const ENDPOINT = "https://app.test/api/s3edge";
const server = setupServer();
let net: Recorder;
let signed: string[];
let expiresIn: number;
let clockNow: number;

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
beforeEach(() => {
  server.events.removeAllListeners();
  net = record(server);
  signed = [];
  expiresIn = 900_000;
  clockNow = 1_700_000_000_000;
  server.use(
    http.post(ENDPOINT, async ({ request }) => {
      const body = (await request.json()) as { v: number; op: string; key: string };
      signed.push(`${body.v} ${body.op} ${body.key}`);
      return HttpResponse.json({
        url: `${S3}/private/${body.key}?X-Amz-Signature=sig${signed.length}`,
        expiresAt: clockNow + expiresIn,
      });
    }),
    http.get(`${S3}/private/*`, ({ request }) =>
      new URL(request.url).searchParams.get("X-Amz-Signature")?.startsWith("sig")
        ? HttpResponse.text("private bytes")
        : new HttpResponse("<Error><Code>AccessDenied</Code></Error>", { status: 403 }),
    ),
  );
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("presignWith", () => {
  it("asks the endpoint's url operation once per key and answers from its cache synchronously", async () => {
    const presign = presignWith({ endpoint: ENDPOINT, now: () => clockNow });
    const first = presign("a.png");
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(`${S3}/private/a.png?X-Amz-Signature=sig1`);
    expect(presign("a.png")).toBe(`${S3}/private/a.png?X-Amz-Signature=sig1`);
    expect(signed).toEqual(["1 url a.png"]);
  });

  it("shares one request among concurrent calls for a key", async () => {
    const presign = presignWith({ endpoint: ENDPOINT, now: () => clockNow });
    const urls = await Promise.all([presign("a"), presign("a"), presign("b")]);
    expect(urls).toEqual([
      `${S3}/private/a?X-Amz-Signature=sig1`,
      `${S3}/private/a?X-Amz-Signature=sig1`,
      `${S3}/private/b?X-Amz-Signature=sig2`,
    ]);
    expect(signed).toEqual(["1 url a", "1 url b"]);
  });

  it("signs again shortly before the URL expires", async () => {
    const presign = presignWith({ endpoint: ENDPOINT, now: () => clockNow, marginMs: 30_000 });
    await presign("a");
    clockNow += 900_000 - 30_001;
    expect(typeof presign("a")).toBe("string");
    clockNow += 1;
    expect(await presign("a")).toBe(`${S3}/private/a?X-Amz-Signature=sig2`);
  });

  it("does not cache a failure", async () => {
    let fail = true;
    server.use(
      http.post(ENDPOINT, () =>
        fail ? HttpResponse.json({ error: { code: "NotAuthorized", message: "no" } }, { status: 403 }) : undefined,
      ),
    );
    const presign = presignWith({ endpoint: ENDPOINT });
    await expect(presign("a")).rejects.toMatchObject({ code: "EndpointError", status: 403 });
    fail = false;
    await expect(presign("a")).resolves.toMatch(/^https:\/\/s3\.test\/private\/a\?/);
  });

  it("still takes the deprecated positional form, with `timeoutMs` as an alias of `endpointTimeoutMs`", async () => {
    const presign = presignWith(ENDPOINT, { now: () => clockNow, timeoutMs: 5_000 });
    expect(await presign("a")).toBe(`${S3}/private/a?X-Amz-Signature=sig1`);
    expect(signed).toEqual(["1 url a"]);
  });

  it("refuses bad options with a ConfigError naming the option", () => {
    const bad: Array<[string, PresignWithOptions]> = [
      ["endpoint", { endpoint: "" }],
      ["marginMs", { endpoint: ENDPOINT, marginMs: -1 }],
      ["maxEntries", { endpoint: ENDPOINT, maxEntries: 0 }],
      ["endpointTimeoutMs", { endpoint: ENDPOINT, endpointTimeoutMs: Number.NaN }],
    ];
    for (const [option, options] of bad) {
      expect(() => presignWith(options)).toThrow(expect.objectContaining({ code: "InvalidConfig", option }));
    }
  });

  it("accepts a relative endpoint at creation and resolves it at the first request (Node: a ConfigError)", async () => {
    const presign = presignWith({ endpoint: "/api/s3edge" });
    await expect(presign("a")).rejects.toMatchObject({ code: "InvalidConfig", option: "endpoint" });
  });

  it("keeps at most maxEntries URLs, dropping the oldest", async () => {
    const presign = presignWith({ endpoint: ENDPOINT, now: () => clockNow, maxEntries: 2 });
    await presign("a");
    await presign("b");
    await presign("c");
    expect(typeof presign("c")).toBe("string");
    expect(typeof presign("b")).toBe("string");
    const again = presign("a");
    expect(again).toBeInstanceOf(Promise);
    await again;
    expect(signed).toEqual(["1 url a", "1 url b", "1 url c", "1 url a"]);
  });
});

describe("private bucket fallback", () => {
  it("presigns only when the CDN fails, then reads the private object from S3", async () => {
    let cdnStatus = 200;
    server.use(http.get(`${CDN}/*`, () => new HttpResponse("cdn bytes", { status: cdnStatus })));
    const edge = createEdge({
      cdn: CDN,
      origin: { presign: presignWith({ endpoint: ENDPOINT, now: () => clockNow }) },
    });
    expect(await (await edge.fetch("p.png")).text()).toBe("cdn bytes");
    expect(signed).toEqual([]);

    cdnStatus = 503;
    const response = await edge.fetch("p.png");
    expect(await response.text()).toBe("private bytes");
    expect(response.url).toBe(`${S3}/private/p.png?X-Amz-Signature=sig1`);
    expect(signed).toEqual(["1 url p.png"]);
    expect(edge.sourceOf(response.url)).toBe("s3");
    // Now cached: urls() can list the presigned URL.
    expect(edge.urls("p.png")).toEqual([`${CDN}/p.png`, `${S3}/private/p.png?X-Amz-Signature=sig1`]);
  });

  it("never sends the CDN query to the presigned S3 URL", async () => {
    server.use(cdnAnswers(500));
    const urls: string[] = [];
    server.events.on("request:start", ({ request }) => urls.push(`${request.method} ${request.url}`));
    const edge = createEdge({ cdn: CDN, origin: { presign: presignWith({ endpoint: ENDPOINT }) } });
    await edge.fetch("p.png", { query: { w: 64 } });
    expect(urls).toEqual([`GET ${CDN}/p.png?w=64`, `POST ${ENDPOINT}`, `GET ${S3}/private/p.png?X-Amz-Signature=sig1`]);
  });
});
