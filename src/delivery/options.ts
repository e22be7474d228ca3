/**
 * `createEdge`'s options, checked once: every misconfiguration is a
 * `ConfigError` naming the option and what to do. What comes out is what the
 * edge runs with; nothing downstream checks again.
 */
import { ConfigError, InvalidInputError } from "../core/errors.js";
import type { HostHealth } from "../core/health.js";
import { checkRouting, type RoutingOptions } from "../core/host-order.js";
import type { EdgeOptions } from "./types.js";

/** Default time to response headers per host attempt, in ms. */
export const DEFAULT_EDGE_TIMEOUT_MS = 3000;

/** Options of an edge after checking. */
export interface EdgeConfig {
  timeoutMs: number;
  hedgeMs: number | undefined;
  isFallback: (status: number) => boolean;
  follow: boolean;
  /** The shared breaker given as `health`; `undefined`: the edge creates its own from `breaker`. */
  health: HostHealth | undefined;
  fetch: typeof fetch | undefined;
  /** How healthy hosts are ordered (`order`, `exploreAfterMs`, `exploreRate`, `crossTierMs`, `random`). */
  routing: RoutingOptions;
}

const HEALTH_METHODS = ["acquire", "success", "failure", "usable", "report", "release", "status", "subscribe"] as const;

/** Whether `value` has every method of a {@link HostHealth}. */
function isHostHealth(value: unknown): value is HostHealth {
  if (typeof value !== "object" || value === null) return false;
  const methods = value as Record<string, unknown>;
  return HEALTH_METHODS.every((name) => typeof methods[name] === "function");
}

/**
 * A duration in ms: `undefined` gives `fallback`; otherwise a number above 0, or
 * at least 0 when `zero` is allowed. `fail` builds the error (config or call).
 */
export function checkDuration(
  name: string,
  value: unknown,
  fallback: number | undefined,
  zero: boolean,
  fail: (message: string) => Error,
): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || !(zero ? value >= 0 : value > 0)) {
    throw fail(`${name} must be a number of milliseconds ${zero ? ">= 0" : "> 0"}, got ${String(value)}`);
  }
  return value;
}

/**
 * A duration option of `owner` (the factory or component a `ConfigError` names), checked by
 * {@link checkDuration}: "`owner`: `name` must be a number of milliseconds > 0, got …".
 */
export function durationOption(owner: string, name: string, value: unknown, fallback: number, zero: boolean): number;
export function durationOption(
  owner: string,
  name: string,
  value: unknown,
  fallback: undefined,
  zero: boolean,
): number | undefined;
export function durationOption(
  owner: string,
  name: string,
  value: unknown,
  fallback: number | undefined,
  zero: boolean,
): number | undefined {
  return checkDuration(name, value, fallback, zero, (m) => new ConfigError(name, `${owner}: ${m}`));
}

/** The per-call `timeoutMs` of `edge.fetch` (an argument, so an `InvalidInputError`). */
export function callTimeout(value: unknown, fallback: number): number {
  return checkDuration("timeoutMs", value, fallback, false, (m) => new InvalidInputError(`edge.fetch: ${m}`)) as number;
}

/** `fallbackStatuses` as a predicate: a list of statuses, a predicate, or the default 500-599; `name`: the factory the message names. */
export function fallbackPredicate(statuses: unknown, name = "createEdge"): (status: number) => boolean {
  if (statuses === undefined) return (status) => status >= 500 && status <= 599;
  if (typeof statuses === "function") return statuses as (status: number) => boolean;
  if (Array.isArray(statuses) && statuses.every((s) => Number.isInteger(s) && s >= 100 && s <= 599)) {
    const set = new Set<number>(statuses);
    return (status) => set.has(status);
  }
  throw new ConfigError(
    "fallbackStatuses",
    `${name}: fallbackStatuses must be a list of HTTP statuses (e.g. [404, 500, 502, 503, 504]) or a function (status) => boolean`,
  );
}

/** The shared `health` when given (checked), else `undefined`; checks `breaker` too. */
function sharedBreaker(options: EdgeOptions): HostHealth | undefined {
  const { health, breaker } = options;
  if (health !== undefined) {
    if (!isHostHealth(health)) {
      throw new ConfigError(
        "health",
        "createEdge: health must be a breaker from createHostHealth() (shared with other edges or layers); to tune a new one, pass its options as `breaker`",
      );
    }
    if (breaker !== undefined) {
      throw new ConfigError(
        "breaker",
        "createEdge: give either health (a shared breaker) or breaker (options of a new one), not both",
      );
    }
    return health;
  }
  if (breaker !== undefined && (typeof breaker !== "object" || breaker === null)) {
    throw new ConfigError(
      "breaker",
      "createEdge: breaker must be an object of breaker options, e.g. { failureThreshold: 3, cooldownMs: 15000 }",
    );
  }
  return undefined;
}

/** Check every option but `cdn` and `origin` (see `createHosts`). */
export function checkEdgeOptions(options: EdgeOptions): EdgeConfig {
  const timeoutMs = durationOption("createEdge", "timeoutMs", options.timeoutMs, DEFAULT_EDGE_TIMEOUT_MS, false);
  const hedgeMs = durationOption("createEdge", "hedgeMs", options.hedgeMs, undefined, true);
  if (options.followRedirects !== undefined && typeof options.followRedirects !== "boolean") {
    throw new ConfigError("followRedirects", "createEdge: followRedirects must be true or false");
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new ConfigError("fetch", "createEdge: fetch must be a fetch function (default: the global fetch)");
  }
  return {
    timeoutMs,
    hedgeMs,
    isFallback: fallbackPredicate(options.fallbackStatuses),
    follow: options.followRedirects === true,
    health: sharedBreaker(options),
    fetch: options.fetch,
    routing: checkRouting(options, (name, m) => new ConfigError(name, `createEdge: ${m}`)),
  };
}
