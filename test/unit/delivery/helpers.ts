/** Shared msw set-up for the delivery unit tests: a CDN, a second CDN and an S3 origin. */
import { HttpResponse, http, type HttpHandler } from "msw";
import { setupServer, type SetupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { createEdge, type Edge, type EdgeOptions, type FallbackEvent } from "../../../src/delivery/index.js";

export const CDN = "https://cdn.test";
export const CDN2 = "https://cdn2.test";
export const S3 = "https://s3.test";
/** The origin every test edge uses: path-style bucket "media" at {@link S3}. */
export const ORIGIN = { endpoint: S3, bucket: "media" } as const;

/** Requests the mock network saw, as `METHOD host path`, and the aborted ones. */
export interface Recorder {
  list: string[];
  aborted: string[];
  count(host: string): number;
}

/** Record every request that reaches msw (and whether it was aborted later). */
export function record(server: SetupServer): Recorder {
  const list: string[] = [];
  const aborted: string[] = [];
  server.events.on("request:start", ({ request }) => {
    const url = new URL(request.url);
    const line = `${request.method} ${url.host}${url.pathname}`;
    list.push(line);
    request.signal.addEventListener("abort", () => aborted.push(line));
  });
  return { list, aborted, count: (host) => list.filter((line) => line.split(" ")[1]?.startsWith(`${host}/`)).length };
}

/** S3 serving `body` for every key (GET with Range support, HEAD). */
export function s3Serves(body = "from-s3"): HttpHandler[] {
  const bytes = new TextEncoder().encode(body);
  return [
    http.get(`${S3}/media/*`, ({ request }) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.get("range") ?? "");
      if (range) {
        const [start, end] = [Number(range[1]), Math.min(Number(range[2]), bytes.length - 1)];
        return new HttpResponse(bytes.slice(start, end + 1), {
          status: 206,
          headers: { "content-range": `bytes ${start}-${end}/${bytes.length}` },
        });
      }
      return new HttpResponse(bytes, { headers: { etag: '"s3"' } });
    }),
    http.head(`${S3}/media/*`, () => new HttpResponse(null, { headers: { "content-length": String(bytes.length) } })),
  ];
}

/** A CDN answering `status` with a small body for every path. */
export function cdnAnswers(status: number, base = CDN, body = `cdn ${status}`): HttpHandler {
  return http.all(`${base}/*`, () => new HttpResponse(body, { status }));
}

/** A test edge on {@link CDN} and {@link ORIGIN}, collecting its fallback events. */
export function makeEdge(options: Partial<EdgeOptions> = {}): { edge: Edge; events: FallbackEvent[] } {
  const events: FallbackEvent[] = [];
  const edge = createEdge({ cdn: CDN, origin: ORIGIN, ...options });
  edge.on("fallback", (e) => events.push(e));
  return { edge, events };
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * One msw server for a test file, with its lifecycle hooks registered: unknown
 * requests fail the test, handlers reset after each test, and `net` records a
 * fresh log per test.
 */
export function useMswServer(): { server: SetupServer; readonly net: Recorder } {
  const server = setupServer();
  const state = { server, net: undefined as unknown as Recorder };
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  beforeEach(() => {
    server.events.removeAllListeners();
    state.net = record(server);
  });
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return state;
}
