/**
 * Placeholder detection: a CDN that answers 5xx with a valid image body (its
 * "service unavailable" picture) makes the browser render it and fire `load`,
 * never `error`. What Chromium 156 tells a page (measured, see
 * docs/delivery.md "Images"):
 *
 * - `PerformanceResourceTiming.responseStatus` is the real status only for
 *   CORS-mode images (`crossorigin` attribute, CDN sends
 *   `Access-Control-Allow-Origin`); for a plain `<img>` it is 0, with or without
 *   `Timing-Allow-Origin`.
 * - Otherwise a CORS `HEAD` of the same URL reads the status, when the CDN sends
 *   `Access-Control-Allow-Origin` on that answer.
 *
 * The checker keeps the `HEAD`s few: one at a time per host, made for the first
 * image of a host, while the breaker has failures or a check found a bad
 * status, and otherwise at most once per `intervalMs`. A routine check (nothing
 * in doubt but the interval) can wait for `defer`: `autoFallback` holds it until
 * the page's images have loaded, so that a healthy page spends nothing on it
 * before its images show.
 */
import type { HostHealth } from "../core/health-types.js";

/** How often a routine placeholder check may be made per CDN host, by default (`statusCheckMs`), in ms. */
export const DEFAULT_STATUS_CHECK_MS = 10_000;

/** The status an image's response was received with, when the browser exposes it; else undefined. */
export function exposedStatus(url: string): number | undefined {
  const entries = globalThis.performance?.getEntriesByName?.(url, "resource") ?? [];
  const status = (entries[entries.length - 1] as PerformanceResourceTiming | undefined)?.responseStatus;
  return status ? status : undefined;
}

/** Status of a CORS `HEAD` of `url`; undefined when the answer is not readable (no CORS headers, network error). */
export function headStatus(url: string): Promise<number | undefined> {
  return fetch(url, { method: "HEAD", mode: "cors", credentials: "omit", cache: "no-store" }).then(
    (response) => response.status,
    () => undefined,
  );
}

/**
 * Verdict of a check: undefined = the image is good (or nothing can tell);
 * a status = it came with this fallback status; 0 = unreadable where this CDN
 * answered CORS before (its error answers lack the CORS headers).
 */
export type CheckResult = number | undefined;

/** Per-host placeholder checks; see the module documentation. */
export interface StatusChecker {
  /**
   * Decide about an image that loaded from `url` on CDN `host`; `done` is called once. `cors: false`
   * (a plain `<img>`, whose status Resource Timing never shows) skips reading Resource Timing.
   */
  check(url: string, host: string, done: (result: CheckResult) => void, cors?: boolean): void;
  /** True while the last check of `host` found a bad status (images loaded since its last good check are doubtful). */
  suspect(host: string): boolean;
  /** When the last good check of `host` started (epoch ms; 0 when none). */
  goodSince(host: string): number;
  /** Drop the queued checks of `host` (its breaker opened: every doubtful image moves anyway). */
  clear(host: string): void;
}

interface HostChecks {
  at: number;
  good: number;
  suspect: boolean;
  busy: boolean;
  /** This host answered a CORS check before. */
  cors: boolean;
  /** A check was unreadable before any CORS answer: this CDN sends no CORS headers, stop asking. */
  blind: boolean;
  /** A routine check waits for `defer`. */
  waiting: boolean;
  queue: [string, (result: CheckResult) => void][];
}

/**
 * Create the checker of one page (or one React tree). `intervalMs` 0 turns the `HEAD` checks off.
 * With `defer`, a routine check (the host's breaker closed without failures, no bad status found)
 * waits until `defer` runs the function it is given; a check with a reason to doubt goes at once.
 */
export function createStatusChecker(
  health: HostHealth,
  isFallback: (status: number) => boolean,
  intervalMs: number,
  now: () => number = Date.now,
  defer?: (run: () => void) => void,
): StatusChecker {
  const hosts = new Map<string, HostChecks>();
  const of = (host: string): HostChecks => {
    let c = hosts.get(host);
    if (c === undefined) {
      c = { at: -Infinity, good: 0, suspect: false, busy: false, cors: false, blind: false, waiting: false, queue: [] };
      hosts.set(host, c);
    }
    return c;
  };

  const pump = (c: HostChecks): void => {
    c.waiting = false;
    if (c.busy) return;
    const next = c.queue.shift();
    if (next === undefined) return;
    c.busy = true;
    const started = (c.at = now());
    void headStatus(next[0]).then((status) => {
      c.busy = false;
      const unreadable = status === undefined;
      if (!unreadable) c.cors = true;
      else if (!c.cors) c.blind = true;
      const result: CheckResult = unreadable ? (c.cors ? 0 : undefined) : isFallback(status) ? status : undefined;
      if (result === undefined) {
        c.suspect = false;
        c.good = started;
        for (const [, done] of [next, ...c.queue.splice(0)]) done(undefined);
        return;
      }
      c.suspect = true;
      next[1](result);
      pump(c);
    });
  };

  return {
    check(url, host, done, cors = true) {
      const exposed = cors ? exposedStatus(url) : undefined;
      if (exposed !== undefined) return done(isFallback(exposed) ? exposed : undefined);
      const c = of(host);
      if (!intervalMs || c.blind) return done(undefined);
      const s = health.status(host);
      const reason = c.busy || c.suspect || s.state !== "closed" || s.failures > 0;
      if (!reason && now() - c.at < intervalMs) return done(undefined);
      c.queue.push([url, done]);
      if (reason || defer === undefined) return pump(c);
      if (c.waiting) return;
      c.waiting = true;
      defer(() => c.waiting && pump(c));
    },
    suspect: (host) => hosts.get(host)?.suspect === true,
    goodSince: (host) => hosts.get(host)?.good ?? 0,
    clear(host) {
      const c = hosts.get(host);
      if (c) {
        c.queue.length = 0;
        c.waiting = false;
      }
    },
  };
}
