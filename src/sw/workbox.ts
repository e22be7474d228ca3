/**
 * The fallback as a Workbox strategy plugin, for routes whose strategy
 * (`CacheFirst`, `NetworkFirst`, `StaleWhileRevalidate`...) fetches CDN URLs:
 * the strategy keeps its caching (under the CDN URL), the plugin makes its
 * network step survive the CDN. A function of its own (not a property of the
 * fallback), so that workers without Workbox do not carry it. The hooks, in
 * Workbox's order:
 * - `requestWillFetch`: an open breaker sends the request to S3 at once;
 *   otherwise the request gets `cors` mode (with `cors`) and a timer that
 *   aborts it when no headers came within `timeoutMs`;
 * - `fetchDidSucceed`: a fallback status is replaced by the next host's answer;
 * - `handlerDidError`: a network error or the timeout is answered by the next host.
 */
import { InvalidInputError } from "../core/errors.js";
import type { HostHealth } from "../core/health.js";
import { hostOf } from "../core/urls.js";
import type { Origins } from "../delivery/origins.js";
import type { FallbackEvent, FailureReason } from "../delivery/types.js";
import { pluginContexts, type Claim } from "./register.js";
import { requestFor } from "./request.js";
import type { EdgeFallback, EdgeFallbackPlugin } from "./types.js";

/** What the plugin needs from `registerEdgeFallback`. */
export interface PluginContext {
  config: {
    hosts: Origins;
    health: HostHealth;
    timeoutMs: number;
    isFallback: (status: number) => boolean;
    cors: boolean;
  };
  cdnHosts: string[];
  claim(request: Request): Claim | undefined;
  serve(request: Request, skip: number): Promise<Response>;
  announce(event: FallbackEvent, url: string, client: string | undefined): void;
}

/**
 * The Workbox strategy plugin of `fallback` (what `registerEdgeFallback`
 * returned): pass it in `plugins` of a strategy whose route fetches CDN URLs.
 *
 * @throws InvalidInputError when `fallback` was not made by `registerEdgeFallback`.
 * @example
 * const fallback = registerEdgeFallback({ cdn, origin, cors: true, listen: false });
 * registerRoute(({ request }) => request.destination === "image", new CacheFirst({ plugins: [workboxPlugin(fallback)] }));
 */
export function workboxPlugin(fallback: EdgeFallback): EdgeFallbackPlugin {
  const found = pluginContexts.get(fallback);
  if (found === undefined) throw new InvalidInputError("workboxPlugin: pass what registerEdgeFallback returned");
  const ctx: PluginContext = found;
  const { hosts, health, timeoutMs, isFallback, cors } = ctx.config;
  /** Timers of requests on their way, by URL, oldest first (Workbox hands the hooks clones). */
  const pending = new Map<string, { timer: ReturnType<typeof setTimeout>; at: number }[]>();
  const settle = (url: string): number => {
    const list = pending.get(url);
    const first = list?.shift();
    if (list?.length === 0) pending.delete(url);
    clearTimeout(first?.timer);
    return first?.at ?? Date.now();
  };

  /** The CDN of `request` failed: tell the breaker and the listeners, answer from the next host. */
  async function next(
    request: Request,
    claim: Claim,
    since: number,
    reason: FailureReason,
    status?: number,
  ): Promise<Response> {
    const host = ctx.cdnHosts[claim.index] ?? "";
    health.failure(host, status ? `${reason} ${status}` : reason);
    const to = ctx.cdnHosts[claim.index + 1] ?? hostOf(await hosts.resolveOriginUrl(0, claim.key));
    ctx.announce(
      { key: claim.key, from: host, to, reason, ...(status && { status }), elapsedMs: Date.now() - since },
      request.url,
      undefined,
    );
    return ctx.serve(request, 1);
  }

  return {
    async requestWillFetch({ request }) {
      const claim = ctx.claim(request);
      if (claim === undefined) return request;
      const host = ctx.cdnHosts[claim.index] ?? "";
      if (health.acquire(host) === "skip") {
        const url = await hosts.resolveOriginUrl(0, claim.key);
        ctx.announce(
          { key: claim.key, from: host, to: hostOf(url), reason: "circuit-open", elapsedMs: 0 },
          request.url,
          undefined,
        );
        return requestFor(request, url, cors).request;
      }
      const { request: outgoing, abortable } = requestFor(request, request.url, cors);
      if (!abortable) return outgoing;
      const controller = new AbortController();
      const list = pending.get(request.url) ?? [];
      list.push({ timer: setTimeout(() => controller.abort(), timeoutMs), at: Date.now() });
      pending.set(request.url, list);
      return new Request(outgoing, { signal: controller.signal });
    },

    async fetchDidSucceed({ request, response }) {
      const claim = ctx.claim(request);
      if (claim === undefined) return response;
      const since = settle(request.url);
      if (response.type !== "opaque" && isFallback(response.status)) {
        response.body?.cancel().catch(() => undefined);
        return next(request, claim, since, "status", response.status);
      }
      health.success(ctx.cdnHosts[claim.index] ?? "");
      return response;
    },

    async handlerDidError({ request, error }) {
      const claim = ctx.claim(request);
      if (claim === undefined) return undefined;
      const since = settle(request.url);
      const timedOut = error instanceof Error && error.name === "AbortError";
      return next(request, claim, since, timedOut ? "timeout" : "network");
    },
  };
}
