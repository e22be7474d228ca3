/**
 * `registerEdgeFallback`'s options, checked once with the same rules (and the
 * same code) as `createEdge`'s: every misconfiguration is a `ConfigError`
 * naming the option, its message naming `registerEdgeFallback`.
 */
import { ConfigError } from "../core/errors.js";
import type { HostHealth } from "../core/health-types.js";
import { createOrigins, type Origins } from "../delivery/origins.js";
import { DEFAULT_EDGE_TIMEOUT_MS, durationOption, fallbackPredicate } from "../delivery/options.js";
import { workerHealthStore } from "./health-store.js";
import { configuredRoute } from "./route.js";
import type { EdgeFallbackOptions } from "./types.js";

/** The options a worker runs with. */
export interface FallbackConfig {
  hosts: Origins;
  timeoutMs: number;
  hedgeMs: number | undefined;
  isFallback: (status: number) => boolean;
  cors: boolean;
  health: HostHealth;
  /** For one request: the origins' indexes in the order to try them. */
  origins: () => number[];
  /** Persisted verdicts loaded. */
  ready: Promise<void>;
}

const NAME = "registerEdgeFallback";

/** Check `options`; throws `ConfigError` naming the option at fault. */
export function checkFallbackOptions(options: EdgeFallbackOptions): FallbackConfig {
  const fail = (name: string) => (m: string) => new ConfigError(name, `${NAME}: ${m}`);
  if (typeof options !== "object" || options === null)
    throw fail("options")("pass an options object { cdn, origin, ... }");
  for (const name of ["cors", "persist", "listen"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "boolean")
      throw fail(name)(`${name} must be true or false`);
  }
  const hosts = createOrigins(options.cdn, options.origin, NAME);
  const timeoutMs = durationOption(NAME, "timeoutMs", options.timeoutMs, DEFAULT_EDGE_TIMEOUT_MS, false);
  const hedgeMs = durationOption(NAME, "hedgeMs", options.hedgeMs, undefined, true);
  const isFallback = fallbackPredicate(options.fallbackStatuses, NAME);
  const route = options.route ?? configuredRoute;
  if (typeof route !== "object" || route === null || typeof route.origins !== "function")
    throw fail("route")("route must be latencyRoute() or left out");
  let ready = Promise.resolve();
  let health = options.health;
  if (health === undefined) {
    const store = options.persist === false ? undefined : workerHealthStore();
    if (store) ready = store.ready;
    health = route.breaker({ ...options.breaker, ...(store && { store }) });
  }
  return {
    hosts,
    timeoutMs,
    hedgeMs,
    isFallback,
    cors: options.cors === true,
    health,
    origins: route.origins(hosts, health),
    ready,
  };
}
