/**
 * CDN-first with fallback: walk the candidates in order, asking the breaker
 * about each host, and (with `hedgeMs`) start the next candidate while the
 * current one is still silent. The first good answer wins; the others are
 * aborted without a verdict. Sequential fallback is the same loop without the
 * hedge timer.
 */
import { AbortError, redactUrl } from "../core/errors.js";
import type { HostHealth } from "../core/health.js";
import { hostOf } from "../core/urls.js";
import type { Outcome } from "./attempt.js";
import { FallbackError, type HostFailure } from "./errors.js";
import type { EdgeSource, FallbackEvent, FallbackReason } from "./types.js";

/** A host to try: its side and its URL (S3's may need presigning). */
export interface Candidate {
  source: EdgeSource;
  url: () => string | Promise<string>;
}

/** What {@link race} needs from the edge. */
export interface RaceContext {
  health: HostHealth;
  hedgeMs: number | undefined;
  run: (url: string, signal: AbortSignal) => Promise<Outcome>;
  emit: (event: FallbackEvent) => void;
}

interface Running {
  source: EdgeSource;
  url: string;
  host: string;
  probe: boolean;
  ctl: AbortController;
  /** Start order. */
  n: number;
}

/**
 * The signal of one attempt: ours, and the caller's for as long as the response body
 * is read (so it outlives the race). `AbortSignal.any` where it exists (it does not
 * keep the attempt alive); a listener on older runtimes (Safari before 17.4).
 */
function link(own: AbortController, caller: AbortSignal | undefined): AbortSignal {
  if (!caller) return own.signal;
  if (typeof AbortSignal.any === "function") return AbortSignal.any([own.signal, caller]);
  caller.addEventListener("abort", () => own.abort(caller.reason), { once: true });
  return own.signal;
}

/**
 * Fetch `key` from the first candidate that answers well. The last candidate
 * (S3) is the last resort: it is tried even when its breaker is open, so a
 * request never fails without having tried something.
 */
export function race(ctx: RaceContext, key: string, candidates: Candidate[], signal?: AbortSignal): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const started = Date.now();
    const failures: HostFailure[] = [];
    let running: Running[] = [];
    let next = 0;
    let count = 0;
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** First host skipped because its breaker is open, until the event is sent. */
    let skipped: string | undefined;
    let skipSent = false;
    /** A failure whose event waits for the host that takes over. */
    let left: HostFailure | undefined;
    let cause: unknown;
    let chain = Promise.resolve();

    const emit = (from: string, to: string, reason: FallbackReason, status?: number): void =>
      ctx.emit({ key, from, to, reason, ...(status !== undefined && { status }), elapsedMs: Date.now() - started });

    const stop = (a: Running): void => {
      a.ctl.abort();
      if (a.probe) ctx.health.release(a.host);
    };

    const end = (error?: unknown): void => {
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error) {
        running.forEach(stop);
        reject(error);
      }
    };

    function onAbort(): void {
      if (!done) end(new AbortError("edge.fetch was aborted", { cause: signal?.reason }));
    }

    function start(source: EdgeSource, url: string, host: string, probe: boolean): void {
      const a: Running = { source, url, host, probe, ctl: new AbortController(), n: count++ };
      if (left) emit(left.host, host, left.reason as FallbackReason, left.status);
      left = undefined;
      if (skipped !== undefined && !skipSent) emit(skipped, host, "circuit-open");
      skipSent ||= skipped !== undefined;
      running.push(a);
      clearTimeout(timer);
      if (ctx.hedgeMs !== undefined && next < candidates.length) timer = setTimeout(step, ctx.hedgeMs);
      ctx
        .run(url, link(a.ctl, signal))
        .then((o) => settle(a, o))
        // Only a throwing `fallbackStatuses` predicate gets here: the caller's bug, the caller's error.
        .catch((error: unknown) => done || end(error));
    }

    function settle(a: Running, o: Outcome): void {
      running = running.filter((r) => r !== a);
      if (o.response) {
        ctx.health.success(a.host);
        if (done) {
          o.response.body?.cancel().catch(() => undefined);
          return;
        }
        end();
        for (const b of running) {
          stop(b);
          if (b.n < a.n) emit(b.host, a.host, "hedge");
        }
        resolve(o.response);
        return;
      }
      if (!o.reason) return; // aborted by us or the caller: no verdict on the host
      ctx.health.failure(a.host, o.status ? `${o.reason} ${o.status}` : o.reason);
      const failure: HostFailure = { source: a.source, host: a.host, url: redactUrl(a.url), reason: o.reason };
      if (o.status) failure.status = o.status;
      failures.push(failure);
      if (done) return;
      const other = running[running.length - 1];
      if (other) emit(a.host, other.host, o.reason, o.status);
      else left = failure;
      step();
    }

    /** Start the next candidate the breaker lets through; fail when nothing is left. */
    async function advance(): Promise<void> {
      while (!done && next < candidates.length) {
        const c = candidates[next++] as Candidate;
        const last = next === candidates.length;
        let url: string;
        let host: string;
        try {
          url = await c.url();
          host = hostOf(url);
        } catch (error) {
          cause = error;
          failures.push({ source: c.source, host: "", url: "", reason: "url" });
          continue;
        }
        if (done) return;
        const verdict = ctx.health.acquire(host);
        if (verdict === "skip" && !last) {
          skipped ??= host;
          continue;
        }
        if (verdict === "skip" && running.length > 0) {
          next--; // the last resort waits until the hosts in flight have failed
          return;
        }
        start(c.source, url, host, verdict === "probe");
        return;
      }
      if (!done && running.length === 0) end(new FallbackError(key, failures, cause));
    }

    /** {@link advance}, one call at a time (the hedge timer and a failure may ask together). */
    function step(): void {
      chain = chain.then(advance).catch((error: unknown) => {
        if (!done) end(error);
      });
    }

    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    step();
  });
}
