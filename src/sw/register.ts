/**
 * `registerEdgeFallback`: in a service worker, every GET to a configured CDN
 * (CSS backgrounds, fonts, `<video>` ranges, `fetch()`, images) is answered
 * CDN-first and falls back to the next CDN, then S3, on a network error, a
 * timeout, a fallback status or an open breaker: what `<img>` events cannot
 * reach. Everything else passes through untouched: navigations, non-GET
 * requests, other hosts, URLs that map to no key.
 *
 * The walk over the hosts is `edge.fetch`'s (`delivery/walk.ts`: breaker,
 * hedging, `fallback` events); what differs is how one host is asked
 * (`request.ts`: the page's own request, modes, `Range`) and that a CDN body
 * that breaks half-way goes on from S3 (`resume.ts`).
 */
import { Emitter } from "../core/observable.js";
import { hostOf } from "../core/urls.js";
import type { Outcome } from "../delivery/attempt.js";
import { walk, type Candidate } from "../delivery/walk.js";
import { notReplicatedYet } from "../delivery/route.js";
import type { FallbackEvent } from "../delivery/types.js";
import { checkFallbackOptions } from "./options.js";
import { post } from "./post.js";
import { attempt } from "./request.js";
import { rebuilt, requestedRange, resumable, spanOf } from "./resume.js";
import type {
  EdgeFallback,
  EdgeFallbackEvents,
  EdgeFallbackOptions,
  FetchEventLike,
  WorkerFallbackEvent,
} from "./types.js";
import type { PluginContext } from "./workbox.js";

/** A request the worker handles: its CDN (index) and key. */
export interface Claim {
  index: number;
  key: string;
}

/**
 * What `workboxPlugin` needs of each fallback, kept out of its public face so
 * that a worker that does not import the plugin does not carry it.
 */
export const pluginContexts = new WeakMap<EdgeFallback, PluginContext>();

/**
 * Handle the CDN requests of a service worker: call it once at the top level of
 * the worker script. With `listen: false` it adds no listener; route requests
 * with `handle`, `handler` (Workbox) or `plugin`.
 *
 * @example
 * // sw.js (bundled)
 * import { registerEdgeFallback } from "s3edge/sw";
 * registerEdgeFallback({ cdn: "https://cdn.example.com", origin: { bucket: "media", region: "eu-west-1" }, cors: true });
 */
export function registerEdgeFallback(options: EdgeFallbackOptions): EdgeFallback {
  const config = checkFallbackOptions(options);
  const { hosts, health, ready } = config;
  const bases = hosts.cdn;
  const cdnHosts = bases.map((base) => hostOf(base));
  const events = new Emitter<EdgeFallbackEvents>();

  const claim = (request: Request): Claim | undefined => {
    if (request.method !== "GET" || request.mode === "navigate") return undefined;
    const index = bases.findIndex((base) => request.url.startsWith(`${base}/`));
    const key = index < 0 ? undefined : hosts.keyOf(request.url);
    return key === undefined ? undefined : { index, key };
  };

  const announce = (event: FallbackEvent, url: string, client: string | undefined): void => {
    const fallback: WorkerFallbackEvent = { ...event, url: url.split(/[?#]/)[0] ?? "" };
    events.emit("fallback", fallback);
    post({ s3edge: "fallback", event: fallback }, client ?? "");
  };

  /** Answer `request` from the candidates after the first `skip` ones (CDNs from the one requested, then the S3 origins). */
  async function serve(request: Request, skip = 0, client?: string): Promise<Response> {
    const found = claim(request);
    if (found === undefined) return fetch(request);
    await ready;
    const { index, key } = found;
    const path = request.url.slice((bases[index] ?? "").length);
    const candidates: Candidate[] = [];
    for (let i = index + skip; i < bases.length; i++) {
      candidates.push({ source: "cdn", url: () => (i === index ? request.url : bases[i] + path) });
    }
    // What each S3 URL is: an origin, or the last one (no timeout, any status is its answer).
    const origins = config.origins();
    const final = origins.at(-1);
    const s3Urls = new Map<string, boolean>();
    for (const t of origins) {
      const url = async (): Promise<string> => {
        const resolved = await hosts.resolveOriginUrl(t, key);
        s3Urls.set(resolved, t === final);
        return resolved;
      };
      // A replica's 403/404 (not replicated yet) moves on without counting against it.
      candidates.push({ source: "s3", url, ...(t !== final && { miss: notReplicatedYet }) });
    }
    // A CDN body that breaks goes on from the first origin in that order.
    const first = origins[0] ?? 0;
    const rest = async (from: number, end: number | undefined): Promise<Response> =>
      fetch(await hosts.resolveOriginUrl(first, key), {
        mode: "cors",
        credentials: "same-origin",
        headers: { range: `bytes=${from}-${end ?? ""}` },
      });
    const started = Date.now();
    const asked = requestedRange(request);
    const run = async (url: string, signal: AbortSignal): Promise<Outcome> => {
      const s3 = s3Urls.has(url);
      const outcome = await attempt(request, url, config, signal, s3Urls.get(url) === true);
      const response = outcome.response;
      const span = response && response.type !== "opaque" ? spanOf(response, asked) : undefined;
      if (response === undefined || span === undefined) return outcome;
      // Ranges of one resource must come from one origin for a <video>: S3's answer takes the page's URL.
      if (s3) return asked ? { response: rebuilt(response, response.body, span) } : outcome;
      const host = hostOf(url);
      return {
        response: resumable(response, span, config.timeoutMs, rest, (reason) => {
          health.failure(host, `body ${reason}`);
          const to = hosts.originHost(first);
          announce({ key, from: host, to: to ?? "", reason, elapsedMs: Date.now() - started }, request.url, client);
        }),
      };
    };
    try {
      // No error object: when every host failed the page sees a network error.
      const failed = (): null => null;
      const emit = (event: FallbackEvent): void => announce(event, request.url, client);
      return await walk(
        { health, hedgeMs: config.hedgeMs, run, emit, fail: failed, aborted: failed },
        key,
        candidates,
        request.signal,
      );
    } catch {
      // Every host failed: the page sees a network error, as it would have without the worker.
      return Response.error();
    }
  }

  const handle = (event: FetchEventLike): boolean => {
    if (claim(event.request) === undefined) return false;
    event.respondWith(serve(event.request, 0, event.resultingClientId || event.clientId));
    return true;
  };

  const unsubscribe = health.subscribe(({ host, state }) => {
    if (state !== "closed" || !cdnHosts.includes(host)) return;
    events.emit("recover", { host });
    post({ s3edge: "recover", event: { host } });
  });

  const listener = (event: Event): void => {
    if ("request" in event && "respondWith" in event) handle(event as Event & FetchEventLike);
  };
  const listening = options.listen !== false && typeof addEventListener === "function";
  if (listening) addEventListener("fetch", listener);

  const fallback: EdgeFallback = {
    match: (request) => claim(request) !== undefined,
    handle,
    fetch: (request) => serve(request),
    handler: ({ request, event }) =>
      serve(typeof request === "string" ? new Request(request) : request, 0, event?.clientId),
    on: (event, listener) => events.on(event, listener),
    health,
    ready,
    stop() {
      if (listening) removeEventListener("fetch", listener);
      unsubscribe();
    },
  };
  pluginContexts.set(fallback, { config, claim, serve, announce, cdnHosts });
  return fallback;
}
