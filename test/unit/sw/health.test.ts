/** Worker health: verdicts shared with the pages both ways, kept across worker restarts; worker <-> page messages. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { browserHealthStore } from "../../../src/browser/health-store.js";
import { createHealthStore, type ChannelLike } from "../../../src/core/health-store.js";
import { createHostHealth } from "../../../src/core/health.js";
import type { HostVerdict } from "../../../src/core/health-types.js";
import type { VerdictPersistence } from "../../../src/sw/idb.js";
import { workerHealthStore } from "../../../src/sw/health-store.js";
import { onEdgeWorkerMessage } from "../../../src/sw/page.js";
import { optionsFromQuery } from "../../../src/sw/query.js";
import { registerEdgeFallback } from "../../../src/sw/register.js";
import { CDN, network, origin } from "./helpers.js";

afterEach(() => vi.unstubAllGlobals());

/** Channels that deliver to every other member, like a BroadcastChannel. */
function bus(): () => ChannelLike {
  const members = new Set<(m: unknown) => void>();
  return () => {
    let mine: ((m: unknown) => void) | undefined;
    return {
      post: (m) => {
        for (const l of members) if (l !== mine) l(structuredClone(m));
      },
      listen(l) {
        mine = l;
        members.add(l);
        return () => members.delete(l);
      },
    };
  };
}

/** An in-memory IndexedDB stand-in. */
function memoryPersistence(
  records = new Map<string, unknown>(),
): VerdictPersistence & { records: Map<string, unknown> } {
  return {
    records,
    load: async () => [...records.values()],
    put: async (host, record) => void records.set(host, record),
    remove: async (host) => void records.delete(host),
  };
}

const open = (at: number): HostVerdict => ({
  host: "cdn.test",
  state: "open",
  until: at + 15_000,
  cooldownMs: 15_000,
  failures: 3,
  at,
  expires: at + 615_000,
});

describe("workerHealthStore", () => {
  it("tells the pages when the worker's breaker opens, and hears theirs", () => {
    const join = bus();
    const clock = { t: 1_000 };
    const page = createHostHealth({ store: createHealthStore({ channel: join() }), now: () => clock.t });
    const worker = createHostHealth({
      store: workerHealthStore({ shared: createHealthStore({ channel: join() }), persistence: memoryPersistence() }),
      now: () => clock.t,
    });
    for (let i = 0; i < 3; i++) worker.failure("cdn.test", "timeout");
    expect(page.usable("cdn.test")).toBe(false);
    clock.t = 20_000;
    page.acquire("cdn.test");
    page.success("cdn.test");
    expect(worker.status("cdn.test").state).toBe("closed");
  });

  it("keeps verdicts (its own and the pages') so that a restarted worker skips a CDN found down", async () => {
    const join = bus();
    const persistence = memoryPersistence();
    const store = workerHealthStore({ shared: createHealthStore({ channel: join() }), persistence, now: () => 2_000 });
    createHostHealth({ store, now: () => 2_000 });
    createHealthStore({ channel: join() }).save(open(1_000)); // a page's verdict
    await vi.waitFor(() =>
      expect(persistence.records.get("cdn.test")).toMatchObject({ v: 1, state: "open", at: 1_000 }),
    );

    const restarted = workerHealthStore({ shared: createHealthStore({}), persistence, now: () => 3_000 });
    const health = createHostHealth({ store: restarted, now: () => 3_000 });
    expect(health.usable("cdn.test")).toBe(true); // not loaded yet...
    await restarted.ready;
    expect(health.usable("cdn.test")).toBe(false); // ...then known down
  });

  it("by default shares verdicts with a page's browserHealthStore() over the s3edge-health BroadcastChannel, both ways", async () => {
    const clock = { t: 1_000 };
    const page = createHostHealth({ store: browserHealthStore(), now: () => clock.t });
    const store = workerHealthStore({ persistence: memoryPersistence(), now: () => clock.t });
    const worker = createHostHealth({ store, now: () => clock.t });
    expect(store.load(clock.t)).toEqual([]);
    expect(store.lease("cdn.test", clock.t, 1_000)).toBe(true); // nothing shared to hold a lease in: the worker probes
    for (let i = 0; i < 3; i++) worker.failure("cdn.test", "timeout");
    await vi.waitFor(() => expect(page.usable("cdn.test")).toBe(false));
    clock.t = 20_000;
    page.acquire("cdn.test");
    page.success("cdn.test");
    await vi.waitFor(() => expect(worker.status("cdn.test").state).toBe("closed"));
  });

  it("drops expired and unreadable records, and works without any persistence", async () => {
    const persistence = memoryPersistence(
      new Map<string, unknown>([
        ["cdn.test", { v: 1, ...open(1_000) }],
        ["junk", { v: 9 }],
      ]),
    );
    const store = workerHealthStore({ shared: createHealthStore({}), persistence, now: () => 10_000_000 });
    const health = createHostHealth({ store, now: () => 10_000_000 });
    await store.ready;
    expect(health.usable("cdn.test")).toBe(true);
    expect(persistence.records.has("cdn.test")).toBe(false);
    const broken: VerdictPersistence = {
      load: () => Promise.reject(new Error("no IDB")),
      put: () => Promise.reject(new Error("x")),
      remove: async () => undefined,
    };
    const safe = workerHealthStore({ shared: createHealthStore({}), persistence: broken });
    await safe.ready;
    expect(() => safe.save(open(1))).not.toThrow();
  });
});

describe("worker -> page messages", () => {
  it("posts a fallback to the page that made the request, and a recover to every page", async () => {
    const posted: Array<[string, unknown]> = [];
    const client = (id: string) => ({ postMessage: (m: unknown) => posted.push([id, m]) });
    vi.stubGlobal("clients", {
      get: async (id: string) => client(id),
      matchAll: async () => [client("a"), client("b")],
    });
    network({ "cdn.test": () => "error", "s3.test": () => new Response("s3") });
    const fallback = registerEdgeFallback({
      cdn: CDN,
      origin,
      listen: false,
      persist: false,
      breaker: { failureThreshold: 1, cooldownMs: 1 },
    });
    const event = { request: new Request(`${CDN}/a.png?sig=secret`), clientId: "page-1", respondWith: vi.fn() };
    fallback.handle(event);
    await event.respondWith.mock.calls[0]?.[0];
    await vi.waitFor(() => expect(posted.length).toBe(1));
    expect(posted[0]).toEqual([
      "page-1",
      { s3edge: "fallback", event: expect.objectContaining({ key: "a.png", reason: "network", url: `${CDN}/a.png` }) },
    ]);
    await new Promise((r) => setTimeout(r, 5));
    fallback.health.acquire("cdn.test");
    fallback.health.success("cdn.test");
    await vi.waitFor(() => expect(posted.length).toBe(3));
    expect(posted.slice(1)).toEqual([
      ["a", { s3edge: "recover", event: { host: "cdn.test" } }],
      ["b", { s3edge: "recover", event: { host: "cdn.test" } }],
    ]);
  });

  it("onEdgeWorkerMessage hands the page the worker's messages and nothing else", () => {
    const container = Object.assign(new EventTarget(), { startMessages: vi.fn() });
    vi.stubGlobal("navigator", { serviceWorker: container });
    const seen: unknown[] = [];
    const stop = onEdgeWorkerMessage((m) => seen.push(m));
    const message = { s3edge: "recover", event: { host: "cdn.test" } };
    container.dispatchEvent(new MessageEvent("message", { data: message }));
    container.dispatchEvent(new MessageEvent("message", { data: { other: 1 } }));
    stop();
    container.dispatchEvent(new MessageEvent("message", { data: message }));
    expect(seen).toEqual([message]);
    expect(container.startMessages).toHaveBeenCalled();
  });
});

describe("optionsFromQuery (dist/s3edge-sw.js?...)", () => {
  it("reads every option, AWS and custom endpoints", () => {
    expect(
      optionsFromQuery(
        "?cdn=https://a.test&cdn=https://b.test&bucket=media&region=eu-west-1&timeoutMs=2000&hedgeMs=300&cors=1&fallbackStatuses=404,503&persist=false",
      ),
    ).toEqual({
      cdn: ["https://a.test", "https://b.test"],
      origin: { bucket: "media", region: "eu-west-1" },
      timeoutMs: 2000,
      hedgeMs: 300,
      cors: true,
      persist: false,
      fallbackStatuses: [404, 503],
    });
    expect(optionsFromQuery("cdn=https://a.test&endpoint=https://r2.test&bucket=m&pathStyle=false")?.origin).toEqual({
      endpoint: "https://r2.test",
      bucket: "m",
      pathStyle: false,
    });
  });

  it("names nothing without a cdn (importScripts from another worker), and leaves bad values to the option checks", () => {
    expect(optionsFromQuery("?bucket=x")).toBeUndefined();
    const options = optionsFromQuery("?cdn=https://a.test&bucket=media&region=eu-west-1&timeoutMs=soon");
    if (options === undefined) throw new Error("options expected");
    expect(() => registerEdgeFallback({ ...options, listen: false, persist: false })).toThrow(
      /registerEdgeFallback: timeoutMs must be a number/,
    );
  });
});
