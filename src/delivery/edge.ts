/**
 * `createEdge`: options checked once (options.ts, hosts.ts), then URL building
 * (hosts.ts), the fallback walk (race.ts) and one request per host (attempt.ts)
 * wired to a shared circuit breaker, plus an observable of the hosts' breakers
 * for UIs (edge-state.ts).
 */
import { ConfigError } from "../core/errors.js";
import { browserHealthStore } from "../browser/health-store.js";
import { createHostHealth } from "../core/health.js";
import { hostOf } from "../core/urls.js";
import { Emitter } from "../core/observable.js";
import { attempt, type AttemptOptions } from "./attempt.js";
import { createEdgeState } from "./edge-state.js";
import { createHosts } from "./hosts.js";
import { callTimeout, checkEdgeOptions } from "./options.js";
import { race, type Candidate } from "./race.js";
import type { Edge, EdgeEvents, EdgeOptions, EdgeQuery } from "./types.js";

/**
 * Create an edge: CDN URLs for keys, and `fetch` that reads from the CDN and
 * falls back to S3 on network errors, timeouts, 5xx (or chosen statuses) and
 * open breakers.
 *
 * @throws ConfigError naming the option (`cdn`, `origin`, `timeoutMs`, `hedgeMs`,
 * `fallbackStatuses`, `health`, `breaker`...) when an option cannot be used.
 *
 * @example
 * const edge = createEdge({ cdn: "https://cdn.example.com", origin: { bucket: "media", region: "eu-west-1" } });
 * const response = await edge.fetch("avatars/1.png");
 * edge.on("fallback", (e) => metrics.count("cdn_fallback", { reason: e.reason }));
 */
export function createEdge(options: EdgeOptions): Edge {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError("options", 'createEdge needs its options: createEdge({ cdn: "https://cdn.example.com", origin: { bucket, region } })');
  }
  const hosts = createHosts(options.cdn, options.origin);
  const config = checkEdgeOptions(options);
  const { timeoutMs, hedgeMs } = config;
  // In a page, the default breaker's verdicts persist and are shared with the other tabs and with
  // `autoFallback` (browserHealthStore; `breaker.store` replaces it, `health` replaces the breaker).
  const health =
    config.health ??
    createHostHealth({ ...(typeof document !== "undefined" && { store: browserHealthStore() }), ...options.breaker });
  const attemptOptions: AttemptOptions = {
    timeoutMs,
    follow: config.follow,
    isFallback: config.isFallback,
    configured: (url) => hosts.sourceOf(url) !== undefined,
    fetch: config.fetch,
  };
  const events = new Emitter<EdgeEvents>();
  const view = createEdgeState(health, hosts, events);

  /** Whether the breaker lets `url`'s host be used now (closed, or past its cool-down). */
  const usable = (url: string): boolean => health.usable(hostOf(url));
  const cdnUrls = (key: string, query?: EdgeQuery): string[] => hosts.cdn.map((_, i) => hosts.cdnUrl(i, key, query));
  /** Usable CDNs in order, then S3 (when known), then the CDNs whose breaker is open. */
  const order = (cdn: string[], s3: string | undefined): string[] => [
    ...cdn.filter(usable),
    ...(s3 === undefined ? [] : [s3]),
    ...cdn.filter((url) => !usable(url)),
  ];

  return {
    timeoutMs,
    health,
    cdnUrl: (key, query) => hosts.cdnUrl(0, key, query),
    src(key, query) {
      const cdn = cdnUrls(key, query);
      return cdn.find(usable) ?? hosts.s3UrlNow(key) ?? (cdn[0] as string);
    },
    s3Url: (key) => hosts.s3Url(key),
    resolveS3Url: (key) => hosts.resolveS3Url(key),
    urls: (key, query) => order(cdnUrls(key, query), hosts.s3UrlNow(key)),
    resolveUrls: async (key, query) => order(cdnUrls(key, query), await hosts.resolveS3Url(key)),

    async fetch(key, init = {}) {
      const { timeoutMs: ms, query, signal, ...rest } = init;
      const run = { ...attemptOptions, timeoutMs: callTimeout(ms, timeoutMs) };
      let s3: Promise<string> | undefined;
      const candidates: Candidate[] = [
        ...cdnUrls(key, query).map((url): Candidate => ({ source: "cdn", url: () => url })),
        { source: "s3", url: () => (s3 ??= hosts.resolveS3Url(key)) },
      ];
      return race(
        { health, hedgeMs, run: (url, s) => attempt(url, rest, run, s), emit: (e) => events.emit("fallback", e) },
        key,
        candidates,
        signal ?? undefined,
      );
    },

    report(url, ok, reason) {
      if (hosts.sourceOf(url) !== undefined) health.report(hostOf(url), ok, reason);
    },
    notify: (event) => events.emit("fallback", event),
    on(event, listener) {
      const off = events.on(event, listener);
      return event === "recover" ? view.hold(off) : off;
    },
    sourceOf: (url) => hosts.sourceOf(url),
    keyOf: (url) => hosts.keyOf(url),
    getState: view.getState,
    subscribe: view.subscribe,
  };
}
