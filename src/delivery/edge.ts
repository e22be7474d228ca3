/**
 * `createEdge`: options normalised once, then URL building (hosts.ts), the
 * fallback loop (race.ts) and one request per host (attempt.ts) wired to a
 * shared circuit breaker, plus an observable of the hosts' breakers for UIs.
 */
import { InvalidInputError } from "../core/errors.js";
import { createHostHealth, type HostHealth, type HostHealthOptions, type HostStatus } from "../core/health.js";
import { createState, Emitter } from "../core/observable.js";
import { hostOf } from "../core/urls.js";
import { attempt, type AttemptOptions } from "./attempt.js";
import { createHosts } from "./hosts.js";
import { race, type Candidate } from "./race.js";
import type { Edge, EdgeEvents, EdgeOptions, EdgeQuery, EdgeState } from "./types.js";

/** A duration option: `undefined` gives `fallback`; otherwise a number above 0 (`timeoutMs`) or at least 0 (`hedgeMs`). */
function duration(name: string, value: number | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(name === "hedgeMs" ? value >= 0 : value > 0)) {
    throw new InvalidInputError(`createEdge: ${name} must be a number ${name === "hedgeMs" ? ">=" : ">"} 0`);
  }
  return value;
}

/**
 * Create an edge: CDN URLs for keys, and `fetch` that reads from the CDN and
 * falls back to S3 on network errors, timeouts, 5xx (or chosen statuses) and
 * open breakers.
 *
 * @example
 * const edge = createEdge({ cdn: "https://cdn.example.com", origin: { bucket: "media", region: "eu-west-1" } });
 * const response = await edge.fetch("avatars/1.png");
 */
export function createEdge(options: EdgeOptions): Edge {
  const hosts = createHosts(options.cdn, options.origin);
  const given = options.health;
  const health: HostHealth =
    given && typeof (given as HostHealth).acquire === "function"
      ? (given as HostHealth)
      : createHostHealth(given as HostHealthOptions | undefined);
  const timeoutMs = duration("timeoutMs", options.timeoutMs, 3000) as number;
  const hedgeMs = duration("hedgeMs", options.hedgeMs);
  const statuses = options.fallbackStatuses;
  const attemptOptions: AttemptOptions = {
    timeoutMs,
    follow: options.followRedirects === true,
    isFallback:
      typeof statuses === "function"
        ? statuses
        : statuses
          ? (status) => statuses.includes(status)
          : (status) => status >= 500 && status <= 599,
    configured: (url) => hosts.sourceOf(url) !== undefined,
    fetch: options.fetch,
  };

  const events = new Emitter<EdgeEvents>();
  if (options.onFallback) events.on("fallback", options.onFallback);

  const sourceOf = (url: string) => hosts.sourceOf(url);
  /** Breaker open (and not yet cooled down) or a probe in flight. */
  const down = (url: string): boolean => !health.usable(hostOf(url));
  const order = (cdn: string[], s3: string | undefined): string[] => [
    ...cdn.filter((url) => !down(url)),
    ...(s3 === undefined ? [] : [s3]),
    ...cdn.filter(down),
  ];
  const cdnUrls = (key: string, query?: EdgeQuery): string[] => hosts.cdn.map((_, i) => hosts.cdnUrl(i, key, query));

  // Observable host statuses: recomputed on read (breaker states also change with
  // the clock), identity kept while nothing changed.
  const snapshot = (): EdgeState => ({
    hosts: hosts.all().map(([host, source]) => ({ ...health.status(host), source })),
  });
  let current = snapshot();
  let currentText = JSON.stringify(current);
  const getState = (): EdgeState => {
    const next = snapshot();
    const text = JSON.stringify(next);
    if (text !== currentText) [current, currentText] = [next, text];
    return current;
  };
  const state = createState(current);
  let listeners = 0;
  let unsubscribe: (() => void) | undefined;
  const onHealth = (status: HostStatus): void => {
    if (sourceOf(`http://${status.host}`) === undefined) return;
    if (status.state === "closed") events.emit("recover", { host: status.host });
    state.set(getState());
  };
  /**
   * Count a listener that needs breaker events (state subscribers, recover
   * listeners); the edge listens to the breaker only while there is one, so a
   * shared breaker does not keep discarded edges alive. Returns the idempotent remover.
   */
  const hold = (off: () => void): (() => void) => {
    if (listeners++ === 0) unsubscribe = health.subscribe(onHealth);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      off();
      if (--listeners === 0) unsubscribe?.();
    };
  };
  if (options.onRecover) hold(events.on("recover", options.onRecover));

  return {
    timeoutMs,
    health,
    cdnUrl: (key, query) => hosts.cdnUrl(0, key, query),
    s3Url: (key) => hosts.s3Url(key),
    resolveS3Url: (key) => hosts.resolveS3Url(key),
    urls: (key, query) => order(cdnUrls(key, query), hosts.s3UrlNow(key)),
    resolveUrls: async (key, query) => order(cdnUrls(key, query), await hosts.resolveS3Url(key)),

    async fetch(key, init = {}) {
      const { timeoutMs: ms, query, signal, ...rest } = init;
      const urls = cdnUrls(key, query);
      let s3: Promise<string> | undefined;
      const candidates: Candidate[] = [
        ...urls.map((url): Candidate => ({ source: "cdn", url: () => url })),
        { source: "s3", url: () => (s3 ??= hosts.resolveS3Url(key)) },
      ];
      const run = { ...attemptOptions, timeoutMs: duration("timeoutMs", ms, timeoutMs) as number };
      return race(
        { health, hedgeMs, run: (url, s) => attempt(url, rest, run, s), emit: (e) => events.emit("fallback", e) },
        key,
        candidates,
        signal ?? undefined,
      );
    },

    report(url, ok, reason) {
      if (sourceOf(url) !== undefined) health.report(hostOf(url), ok, reason);
    },
    notify: (event) => events.emit("fallback", event),
    on(event, listener) {
      const off = events.on(event, listener);
      return event === "recover" ? hold(off) : off;
    },
    sourceOf,
    keyOf: (url) => hosts.keyOf(url),
    getState,
    subscribe: (listener) => hold(state.subscribe(listener)),
  };
}
