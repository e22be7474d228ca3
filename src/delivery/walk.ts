/**
 * CDN-first with fallback, the walk itself: go through the candidates in order, asking the breaker
 * about each host, and (with `hedgeMs`) start the next candidate while the
 * current one is still silent. The first good answer wins; the others are
 * aborted without a verdict. Sequential fallback is the same walk without the
 * hedge timer.
 *
 * One {@link Race} per `edge.fetch`: its fields are the whole state, its
 * methods the transitions (begin, advance, launch, settle -> win/lose, abort,
 * finish). Time comes from an injected {@link Clock}, so tests drive the hedge
 * timer and `elapsedMs` without sleeping.
 *
 * Every answer feeds the host's latency estimate (time to headers, `health.observe`),
 * when the breaker keeps one. The errors a walk fails with are the caller's
 * (`fail`, `aborted`): `race.ts` gives `edge.fetch` its `FallbackError` and
 * `AbortError`; the service worker needs none (the page sees a network error).
 * A candidate may say which statuses mean "not here yet" (`miss`: an S3 replica
 * behind on replication): such an answer moves on without a verdict on the host.
 */
import type { HostHealth } from "../core/health-types.js";
import { hostOf } from "../core/urls.js";
import type { Outcome } from "./attempt.js";
import type { HostFailure } from "./errors.js";
import type { EdgeSource, FallbackEvent, FallbackReason } from "./types.js";

/** A host to try: its side and its URL (S3's may need presigning). */
export interface Candidate {
  source: EdgeSource;
  url: () => string | Promise<string>;
  /** Statuses meaning the object is not on this host yet: move on, no breaker verdict (e.g. 403/404 of a replica). */
  miss?: (status: number) => boolean;
}

/** Time for a race: the clock of `elapsedMs` and the hedge timer. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock: `Date.now` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** What {@link race} needs from the edge. */
export interface RaceContext {
  health: HostHealth;
  hedgeMs: number | undefined;
  run: (url: string, signal: AbortSignal) => Promise<Outcome>;
  emit: (event: FallbackEvent) => void;
  /** Default {@link systemClock}. */
  clock?: Clock;
  /** Told the first host a request is sent to (telemetry). */
  route?: (host: string, source: EdgeSource) => void;
}

/** A {@link RaceContext} with the errors of the walk. */
export interface WalkContext extends RaceContext {
  /** The rejection when every candidate failed (`failures` in order, URLs not redacted; `cause`: why a URL could not be had). Never undefined. */
  fail: (key: string, failures: HostFailure[], cause: unknown) => unknown;
  /** The rejection when the caller's signal aborts the walk. Never undefined. */
  aborted: (reason: unknown) => unknown;
}

/** One started request to one host. */
interface Attempt {
  source: EdgeSource;
  url: string;
  host: string;
  /** Holds the breaker's half-open probe slot of `host`. */
  probe: boolean;
  controller: AbortController;
  /** Start order (0 for the first attempt). */
  order: number;
  startedAt: number;
  miss: Candidate["miss"];
}

/** Where a race stands: attempts may still be made, or it has settled. */
type Phase = "racing" | "settled";

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

/** The state and transitions of one `edge.fetch`; see the module documentation. */
class Walk {
  #phase: Phase = "racing";
  /** Index of the next candidate to consider. */
  #next = 0;
  /** Attempts started so far (gives each its start order). */
  #startedCount = 0;
  /** Attempts in flight, in start order. */
  #inFlight: Attempt[] = [];
  /** Every host failure so far, for `fail`. */
  readonly #failures: HostFailure[] = [];
  /** Why a candidate's URL could not be had (kept as the error's cause). */
  #urlError: unknown;
  /** First host skipped for an open breaker; its `circuit-open` event goes out with the next start. */
  #skipped: string | undefined;
  #skipAnnounced = false;
  /** A failure with nothing else in flight: its event waits for the host that takes over. */
  #unannounced: HostFailure | undefined;
  #hedgeTimer: unknown;
  /** Advances run one at a time (the hedge timer and a failure may ask together). */
  #queue: Promise<void> = Promise.resolve();
  readonly #startedAt: number;
  readonly #clock: Clock;
  readonly #onAbort = (): void => this.#abort();

  constructor(
    private readonly ctx: WalkContext,
    private readonly key: string,
    private readonly candidates: Candidate[],
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (response: Response) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.#clock = ctx.clock ?? systemClock;
    this.#startedAt = this.#clock.now();
  }

  /** Start: fail at once for an aborted signal, else advance to the first candidate. */
  begin(): void {
    if (this.signal?.aborted) {
      this.#abort();
      return;
    }
    this.signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#step();
  }

  #step(): void {
    this.#queue = this.#queue.then(() => this.#advance()).catch((error: unknown) => this.#finish(error));
  }

  /**
   * Start the next candidate the breaker lets through. The last candidate (S3)
   * is the last resort: tried even when its breaker is open, but only once the
   * hosts in flight have failed. Fails the race when nothing is left.
   */
  async #advance(): Promise<void> {
    while (this.#phase === "racing" && this.#next < this.candidates.length) {
      const candidate = this.candidates[this.#next++] as Candidate;
      const last = this.#next === this.candidates.length;
      let url: string;
      let host: string;
      try {
        url = await candidate.url();
        host = hostOf(url);
      } catch (error) {
        this.#urlError = error;
        this.#failures.push({ source: candidate.source, host: "", url: "", reason: "url" });
        continue;
      }
      if (this.#phase !== "racing") return;
      const verdict = this.ctx.health.acquire(host);
      if (verdict === "skip" && !last) {
        this.#skipped ??= host;
        continue;
      }
      if (verdict === "skip" && this.#inFlight.length > 0) {
        this.#next--; // the last resort waits until the hosts in flight have failed
        return;
      }
      this.#launch(candidate, url, host, verdict === "probe");
      return;
    }
    if (this.#phase === "racing" && this.#inFlight.length === 0) {
      this.#finish(this.ctx.fail(this.key, this.#failures, this.#urlError));
    }
  }

  /** Send the request to `host`, announce the fallback that led here, and arm the hedge timer. */
  #launch({ source, miss }: Candidate, url: string, host: string, probe: boolean): void {
    const attempt: Attempt = {
      source,
      url,
      host,
      probe,
      controller: new AbortController(),
      order: this.#startedCount++,
      startedAt: this.#clock.now(),
      miss,
    };
    if (attempt.order === 0) this.ctx.route?.(host, source);
    const failed = this.#unannounced;
    if (failed) this.#announce(failed.host, host, failed.reason as FallbackReason, failed.status);
    this.#unannounced = undefined;
    if (this.#skipped !== undefined && !this.#skipAnnounced) {
      this.#announce(this.#skipped, host, "circuit-open");
      this.#skipAnnounced = true;
    }
    this.#inFlight.push(attempt);
    this.#clock.clearTimeout(this.#hedgeTimer);
    if (this.ctx.hedgeMs !== undefined && this.#next < this.candidates.length) {
      this.#hedgeTimer = this.#clock.setTimeout(() => this.#step(), this.ctx.hedgeMs);
    }
    this.ctx
      .run(url, link(attempt.controller, this.signal))
      .then((outcome) => this.#settle(attempt, outcome))
      // Only a throwing `fallbackStatuses` predicate gets here: the caller's bug, the caller's error.
      .catch((error: unknown) => this.#finish(error));
  }

  /** An attempt answered: a good answer wins, a failure of the host moves on, an abort says nothing. */
  #settle(attempt: Attempt, outcome: Outcome): void {
    this.#inFlight = this.#inFlight.filter((a) => a !== attempt);
    if (outcome.response || outcome.status)
      this.ctx.health.observe?.(attempt.host, this.#clock.now() - attempt.startedAt);
    if (outcome.response && attempt.miss?.(outcome.response.status)) this.#miss(attempt, outcome.response);
    else if (outcome.response) this.#win(attempt, outcome.response);
    else if (outcome.reason) this.#lose(attempt, outcome.reason, outcome.status);
    // Neither: aborted by us or the caller, no verdict on the host.
  }

  #win(attempt: Attempt, response: Response): void {
    this.ctx.health.success(attempt.host);
    if (this.#phase !== "racing") {
      response.body?.cancel().catch(() => undefined); // a late winner: nobody reads it
      return;
    }
    this.#finish();
    for (const other of this.#inFlight) {
      this.#stop(other);
      if (other.order < attempt.order) this.#announce(other.host, attempt.host, "hedge");
    }
    this.resolve(response);
  }

  #lose(attempt: Attempt, reason: NonNullable<Outcome["reason"]>, status: number | undefined): void {
    this.ctx.health.failure(attempt.host, status ? `${reason} ${status}` : reason);
    const failure: HostFailure = { source: attempt.source, host: attempt.host, url: attempt.url, reason };
    if (status) failure.status = status;
    this.#failures.push(failure);
    if (this.#phase !== "racing") return;
    const taker = this.#inFlight[this.#inFlight.length - 1];
    if (taker) this.#announce(attempt.host, taker.host, reason, status);
    else this.#unannounced = failure;
    this.#step();
  }

  /** Not on this host yet: no verdict (the host answered), move on to the next candidate. */
  #miss(attempt: Attempt, response: Response): void {
    response.body?.cancel().catch(() => undefined);
    if (attempt.probe) this.ctx.health.release(attempt.host);
    const { status } = response;
    this.#failures.push({ source: attempt.source, host: attempt.host, url: attempt.url, reason: "missing", status });
    if (this.#phase !== "racing") return;
    const taker = this.#inFlight[this.#inFlight.length - 1];
    if (taker) this.#announce(attempt.host, taker.host, "missing", status);
    else this.#unannounced = this.#failures[this.#failures.length - 1];
    this.#step();
  }

  #abort(): void {
    if (this.#phase === "racing") this.#finish(this.ctx.aborted(this.signal?.reason));
  }

  /** Settle the race: stop the timer and, on an error, every attempt in flight. Idempotent. */
  #finish(error?: unknown): void {
    if (this.#phase === "settled") return;
    this.#phase = "settled";
    this.#clock.clearTimeout(this.#hedgeTimer);
    this.signal?.removeEventListener("abort", this.#onAbort);
    if (error === undefined) return;
    for (const attempt of this.#inFlight) this.#stop(attempt);
    this.reject(error);
  }

  /** Abort an attempt without a verdict, giving back its probe slot. */
  #stop(attempt: Attempt): void {
    attempt.controller.abort();
    if (attempt.probe) this.ctx.health.release(attempt.host);
  }

  #announce(from: string, to: string, reason: FallbackReason, status?: number): void {
    this.ctx.emit({
      key: this.key,
      from,
      to,
      reason,
      ...(status !== undefined && { status }),
      elapsedMs: this.#clock.now() - this.#startedAt,
    });
  }
}

/**
 * Fetch `key` from the first candidate that answers well. The last candidate
 * (S3) is the last resort: it is tried even when its breaker is open, so a
 * request never fails without having tried something. Rejects with `ctx.fail` or `ctx.aborted`.
 */
export function walk(ctx: WalkContext, key: string, candidates: Candidate[], signal?: AbortSignal): Promise<Response> {
  return new Promise<Response>((resolve, reject) => new Walk(ctx, key, candidates, signal, resolve, reject).begin());
}
