/** A CDN body that breaks or stalls half-way goes on from S3 at the right offset (readable answers). */
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerEdgeFallback } from "../../../src/sw/register.js";
import { spanOf } from "../../../src/sw/resume.js";
import type { WorkerFallbackEvent } from "../../../src/sw/types.js";
import { CDN, bytes, network, origin, readAll, serveBytes, type Behaviour } from "./helpers.js";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** A CDN answer that sends `data[first..first+sent)` then errors (or, with `stall`, goes silent). */
function breaking(
  data: Uint8Array,
  sent: number,
  o: { stall?: boolean; etag?: string; status?: number; first?: number } = {},
): Behaviour {
  return () => {
    const first = o.first ?? 0;
    const chunks = [data.slice(first, first + sent / 2), data.slice(first + sent / 2, first + sent)];
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          const chunk = chunks.shift();
          if (chunk) controller.enqueue(chunk);
          else if (o.stall) return new Promise<void>(() => undefined);
          else controller.error(new TypeError("connection reset"));
        },
      },
      { highWaterMark: 0 },
    );
    const headers: Record<string, string> = {
      "content-length": String(data.length - first),
      ...(o.etag && { etag: o.etag }),
    };
    if (o.status === 206) headers["content-range"] = `bytes ${first}-${data.length - 1}/${data.length}`;
    return new Response(body, { status: o.status ?? 200, headers });
  };
}

function setup() {
  const fallback = registerEdgeFallback({
    cdn: CDN,
    origin,
    cors: true,
    persist: false,
    listen: false,
    timeoutMs: 500,
  });
  const events: WorkerFallbackEvent[] = [];
  fallback.on("fallback", (e) => events.push(e));
  return { fallback, events };
}

describe("resumable CDN bodies", () => {
  it("continues a 200 from S3 with Range: bytes=<received>-<last> when the CDN connection breaks", async () => {
    const object = bytes(10_000);
    const net = network({
      "cdn.test": breaking(object, 4_000, { etag: '"abc"' }),
      "s3.test": serveBytes(object, { etag: '"abc"' }),
    });
    const { fallback, events } = setup();
    const response = await fallback.fetch(new Request(`${CDN}/video.webm`));
    expect(await readAll(response)).toEqual(object);
    expect(net.seen.map((s) => [s.host, s.range])).toEqual([
      ["cdn.test", null],
      ["s3.test", "bytes=4000-9999"],
    ]);
    expect(events).toMatchObject([{ from: "cdn.test", to: "s3.test", reason: "network" }]);
    expect(fallback.health.status("cdn.test").failures).toBe(1);
  });

  it("continues a 206 (exposed Content-Range) up to the end of the range asked for", async () => {
    const object = bytes(10_000);
    const net = network({
      "cdn.test": breaking(object, 1_000, { status: 206, first: 6_000 }),
      "s3.test": serveBytes(object),
    });
    const { fallback } = setup();
    const response = await fallback.fetch(new Request(`${CDN}/v.webm`, { headers: { range: "bytes=6000-" } }));
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe("bytes 6000-9999/10000");
    expect(await readAll(response)).toEqual(object.slice(6_000));
    expect(net.seen.at(-1)?.range).toBe("bytes=7000-9999");
  });

  it("continues from S3 when the CDN body goes silent for timeoutMs while the page waits", async () => {
    vi.useFakeTimers();
    const object = bytes(3_000);
    network({ "cdn.test": breaking(object, 1_000, { stall: true }), "s3.test": serveBytes(object) });
    const { fallback, events } = setup();
    const response = await fallback.fetch(new Request(`${CDN}/data.bin`));
    const body = readAll(response);
    await vi.advanceTimersByTimeAsync(500);
    expect(await body).toEqual(object);
    expect(events).toMatchObject([{ reason: "timeout" }]);
  });

  it("does not splice another version: an S3 ETag that differs errors the body", async () => {
    const object = bytes(2_000);
    network({ "cdn.test": breaking(object, 1_000, { etag: '"v1"' }), "s3.test": serveBytes(object, { etag: '"v2"' }) });
    const { fallback } = setup();
    const response = await fallback.fetch(new Request(`${CDN}/data.bin`));
    await expect(readAll(response)).rejects.toThrow();
  });

  it("does not splice a wrong length: S3 answering 200 to the range errors the body", async () => {
    const object = bytes(2_000);
    network({ "cdn.test": breaking(object, 1_000), "s3.test": () => new Response(object.slice(), { status: 200 }) });
    const { fallback } = setup();
    await expect(readAll(await fallback.fetch(new Request(`${CDN}/data.bin`)))).rejects.toThrow();
  });

  it("leaves a 206 alone when its Content-Range is not exposed (the media element retries by itself)", () => {
    expect(spanOf(new Response("x", { status: 206, headers: { "content-length": "1" } }))).toBeUndefined();
    expect(spanOf(new Response("x", { status: 200, headers: { "content-length": "1" } }))).toEqual({
      start: 0,
      end: 0,
      size: 1,
    });
    expect(spanOf(new Response("x", { status: 206, headers: { "content-range": "bytes 5-5/*" } }))).toEqual({
      start: 5,
      end: 5,
      size: undefined,
    });
  });
});

describe("ranged answers from S3", () => {
  it("take the page's URL and get their Content-Range back when S3 does not expose it (a <video> wants one origin and a range)", async () => {
    const object = bytes(5_000);
    const hidden: Behaviour = (request) => {
      const answer = serveBytes(object)(request) as Response;
      const headers = new Headers(answer.headers);
      headers.delete("content-range");
      return new Response(answer.body, { status: answer.status, headers });
    };
    network({ "cdn.test": () => "error", "s3.test": hidden });
    const { fallback } = setup();
    const response = await fallback.fetch(
      new Request(`${CDN}/v.wav`, { mode: "no-cors", headers: { range: "bytes=4000-" } }),
    );
    expect(response.url).toBe("");
    expect([response.status, response.headers.get("content-range"), response.headers.get("accept-ranges")]).toEqual([
      206,
      "bytes 4000-4999/5000",
      "bytes",
    ]);
    expect(await readAll(response)).toEqual(object.slice(4_000));
  });

  it("places a CDN 206 without a visible Content-Range by the range asked, so it can continue from S3", async () => {
    const object = bytes(10_000);
    const cdn: Behaviour = (request) => {
      const answer = breaking(object, 1_000, { status: 206, first: 6_000 })(request) as Response;
      const headers = new Headers(answer.headers);
      headers.delete("content-range");
      return new Response(answer.body, { status: 206, headers });
    };
    const net = network({ "cdn.test": cdn, "s3.test": serveBytes(object) });
    const { fallback } = setup();
    const response = await fallback.fetch(new Request(`${CDN}/v.wav`, { headers: { range: "bytes=6000-" } }));
    expect(response.headers.get("content-range")).toBe("bytes 6000-9999/10000");
    expect(await readAll(response)).toEqual(object.slice(6_000));
    expect(net.seen.at(-1)?.range).toBe("bytes=7000-9999");
  });
});
