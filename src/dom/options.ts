/**
 * `autoFallback`'s options, checked once (a `ConfigError` naming the option)
 * and resolved to what the rest of the image layer uses.
 */
import { browserHealthStore } from "../browser/health-store.js";
import { ConfigError } from "../core/errors.js";
import { createHostHealth } from "../core/health.js";
import type { HostHealth } from "../core/health-types.js";
import { checkRouting } from "../core/host-order.js";
import { createHosts, type Hosts } from "../delivery/hosts.js";
import { durationOption, fallbackPredicate } from "../delivery/options.js";
import type { RoutingOptions } from "../delivery/types.js";
import { DEFAULT_STATUS_CHECK_MS } from "./status.js";
import type { AutoFallbackOptions } from "./types.js";

/** The options of one `autoFallback` call, resolved. */
export interface ImageOptions {
  hosts: Hosts;
  timeoutMs: number;
  checkMs: number;
  isFallback: (status: number) => boolean;
  health: HostHealth;
  routing: RoutingOptions & { now?: () => number };
}

/** Check and resolve `options` (throws `ConfigError` for a bad one). */
export function imageOptions(options: AutoFallbackOptions): ImageOptions {
  const hosts = createHosts(options.cdn, options.origin);
  // Checked as createEdge and the service worker check theirs (a string such as "3000" is refused).
  const timeoutMs = durationOption("autoFallback", "timeoutMs", options.timeoutMs, 3000, false);
  const checkMs = durationOption("autoFallback", "statusCheckMs", options.statusCheckMs, DEFAULT_STATUS_CHECK_MS, true);
  const isFallback = fallbackPredicate(options.fallbackStatuses, "autoFallback");
  const health =
    options.health ??
    createHostHealth({ ...options.breaker, ...(options.persist !== false && { store: browserHealthStore() }) });
  const routing = checkRouting(options, (name, m) => new ConfigError(name, `autoFallback: ${m}`));
  return {
    hosts,
    timeoutMs,
    checkMs,
    isFallback,
    health,
    routing: { ...(options.breaker?.now && { now: options.breaker.now }), ...routing },
  };
}
