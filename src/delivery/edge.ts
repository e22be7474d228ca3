/**
 * `createEdge`: options checked once (options.ts, hosts.ts), then URL building
 * (hosts.ts), the order of the hosts (route.ts: CDNs, then S3 origins, fastest
 * healthy first), the fallback walk (race.ts) and one request per host
 * (attempt.ts) wired to a shared circuit breaker, plus an observable of the
 * hosts' breakers and latency estimates for UIs (edge-state.ts).
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
import { createRouter, notReplicatedYet, type Plan, type Target } from "./route.js";
import { resourceLatency } from "./timing.js";
import type { Edge, EdgeEvents, EdgeOptions, EdgeQuery, RouteEvent } from "./types.js";

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
    throw new ConfigError(
      "options",
      'createEdge needs its options: createEdge({ cdn: "https://cdn.example.com", origin: { bucket, region } })',
    );
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

  const router = createRouter(hosts, health, {
    ...(options.breaker?.now && { now: options.breaker.now }),
    ...config.routing,
  });
  /** The URL of `key` on `target` when it can be had synchronously. */
  const urlNow = (t: Target, key: string, query?: EdgeQuery): string | undefined =>
    t.source === "cdn" ? hosts.cdnUrl(t.index, key, query) : hosts.originUrlNow(t.index, key);
  const listNow = (plan: Plan, key: string, query?: EdgeQuery): string[] =>
    plan.list.flatMap((t) => urlNow(t, key, query) ?? []);
  /** Tell `route` listeners which host `plan` sends a request of `key` to first, and why. */
  const announce = (plan: Plan, key: string, host: string, source: Target["source"]): void => {
    const first = plan.usable[0];
    const event: RouteEvent = {
      key,
      host,
      source,
      reason: first?.host === host || first?.host === undefined ? plan.reason : "health",
    };
    const estimate = health.latency?.(host);
    if (estimate !== undefined) event.latencyMs = Math.round(estimate.ms);
    events.emit("route", event);
  };

  return {
    timeoutMs,
    health,
    cdnUrl: (key, query) => hosts.cdnUrl(0, key, query),
    src(key, query) {
      // Usable hosts in order, then the held-back origins (S3 rather than a CDN known down).
      for (const t of router
        .plan()
        .list.filter((t) => t.source === "s3" || t.host === undefined || health.usable(t.host))) {
        const found = urlNow(t, key, query);
        if (found !== undefined) return found;
      }
      return hosts.cdnUrl(0, key, query);
    },
    s3Url: (key) => hosts.s3Url(key),
    resolveS3Url: (key) => hosts.resolveS3Url(key),
    urls: (key, query) => listNow(router.plan(true), key, query),
    async resolveUrls(key, query) {
      const plan = router.plan(true);
      const urls = await Promise.all(
        plan.list.map((t) =>
          t.source === "cdn" ? hosts.cdnUrl(t.index, key, query) : hosts.resolveOriginUrl(t.index, key),
        ),
      );
      return urls;
    },

    async fetch(key, init = {}) {
      const { timeoutMs: ms, query, signal, ...rest } = init;
      const run = { ...attemptOptions, timeoutMs: callTimeout(ms, timeoutMs) };
      const plan = router.plan();
      const lastOrigin = plan.walk.filter((t) => t.source === "s3").at(-1);
      const candidates = plan.walk.map((t): Candidate => {
        if (t.source === "cdn") {
          const url = hosts.cdnUrl(t.index, key, query);
          return { source: "cdn", url: () => url };
        }
        let s3: Promise<string> | undefined;
        return {
          source: "s3",
          url: () => (s3 ??= hosts.resolveOriginUrl(t.index, key)),
          ...(t !== lastOrigin && { miss: notReplicatedYet }),
        };
      });
      return race(
        {
          health,
          hedgeMs,
          run: (url, s) => attempt(url, rest, run, s),
          emit: (e) => events.emit("fallback", e),
          route: (host, source) => announce(plan, key, host, source),
        },
        key,
        candidates,
        signal ?? undefined,
      );
    },

    report(url, ok, reason) {
      if (hosts.sourceOf(url) === undefined) return;
      const host = hostOf(url);
      const ms = ok ? resourceLatency(url) : undefined;
      if (ms !== undefined) health.observe?.(host, ms);
      health.report(host, ok, reason);
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
