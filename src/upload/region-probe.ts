/**
 * Which upload target is nearest: a tiny probe (two `HEAD`s to each target's URL, the second on
 * the warm connection, timed) run when a signer with several targets first names them, cached
 * in memory and in `localStorage` (when there is one) with an expiry. A create never waits for
 * it long: known samples (even stale ones, refreshed in the background) are used at once; only
 * when nothing is known does it wait, at most {@link PROBE_BUDGET_MS}, then goes with what it
 * has (possibly no preference). A target whose probe fails or times out is unreachable: never
 * preferred while another answers. Loaded by `session.ts` only once targets are known.
 */
import type { TargetProbe } from "../core/protocol.js";

/** Longest a create waits for probes when no sample is known, in ms. */
export const PROBE_BUDGET_MS = 300;
/** A sample younger than this is fresh; older ones are still used, and measured again. */
export const PROBE_TTL_MS = 10 * 60_000;
/** Targets and samples older than this are forgotten. */
export const PROBE_MAX_AGE_MS = 24 * 3_600_000;
/** A probe that has not answered within this many ms counts as unreachable. */
export const PROBE_TIMEOUT_MS = 3_000;
/** The `localStorage` key of the cache. */
export const PROBE_STORAGE_KEY = "s3edge:upload-targets";

/** One measurement of a target's URL: round trip in ms, or `null` when it did not answer. */
export interface ProbeSample {
  ms: number | null;
  at: number;
}

/** What the probe needs from its platform (injected in tests). */
export interface ProbeEnv {
  /** Times one request to `url` in ms; rejects when it fails. Default: a `HEAD` (`no-cors`, no cache, no credentials). */
  measure(url: string, signal: AbortSignal): Promise<number>;
  /** Epoch ms (expiry). */
  now(): number;
  storage: Pick<Storage, "getItem" | "setItem"> | undefined;
}

interface Cached {
  targets: TargetProbe[];
  at: number;
  samples: Record<string, ProbeSample>;
}

const isText = (v: unknown): v is string => typeof v === "string" && v !== "" && v.length <= 2048;

/** The targets an answer lists, when they are well formed (two or more, each `{ id, url }` with an http(s) URL). */
export function validTargets(value: unknown): TargetProbe[] | undefined {
  if (!Array.isArray(value) || value.length < 2 || value.length > 16) return undefined;
  const targets: TargetProbe[] = [];
  for (const t of value) {
    const { id, url } = (t ?? {}) as Record<string, unknown>;
    if (!isText(id) || !isText(url) || !/^https?:\/\//i.test(url)) return undefined;
    targets.push({ id, url });
  }
  return targets;
}

function defaultStorage(): ProbeEnv["storage"] {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined; // storage disabled, or a runtime whose localStorage throws
  }
}

/** The platform's defaults: a timed `fetch` HEAD, `Date.now`, `localStorage`. */
export function defaultProbeEnv(): ProbeEnv {
  return {
    async measure(url, signal) {
      const clock = (): number => globalThis.performance?.now() ?? Date.now();
      const start = clock();
      const response = await fetch(url, { method: "HEAD", mode: "no-cors", cache: "no-store", credentials: "omit", redirect: "manual", signal });
      const ms = clock() - start;
      await response.body?.cancel();
      return ms;
    },
    now: Date.now,
    storage: defaultStorage(),
  };
}

/** The nearest-target probe: learns targets from create answers, tells which it prefers. */
export class RegionProbe {
  readonly #makeEnv: () => ProbeEnv;
  #madeEnv: ProbeEnv | undefined;
  #cache: Cached | undefined;
  #loaded = false;
  readonly #running = new Map<string, Promise<void>>();

  /** `env` is made at first use (the default reads `localStorage` only then). */
  constructor(env: () => ProbeEnv = defaultProbeEnv) {
    this.#makeEnv = env;
  }

  get #env(): ProbeEnv {
    return (this.#madeEnv ??= this.#makeEnv());
  }

  /** Targets from a create answer: remembered, and probed in the background when not fresh. */
  learn(value: unknown): void {
    const targets = validTargets(value);
    if (targets === undefined) return;
    const cache = this.#load();
    const samples = cache?.samples ?? {};
    this.#cache = { targets, at: this.#env.now(), samples };
    this.#save();
    for (const t of targets) if (!this.#fresh(t.url)) void this.#probe(t.url);
  }

  /** The measured samples, by URL (a copy). */
  samples(): Record<string, ProbeSample> {
    return { ...this.#load()?.samples };
  }

  /**
   * The id of the nearest reachable target, or `undefined` when the signer named no targets or
   * none is known reachable. Waits only when no sample is known, at most `budgetMs`.
   */
  async preferred(budgetMs = PROBE_BUDGET_MS): Promise<string | undefined> {
    const cache = this.#load();
    if (cache === undefined) return undefined;
    const stale = cache.targets.filter((t) => !this.#fresh(t.url));
    const waits = stale.map((t) => this.#probe(t.url));
    if (!cache.targets.some((t) => cache.samples[t.url]?.ms != null) && waits.length > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)));
      // The first reachable answer is enough: a target slower than it is not the nearest.
      const firstReachable = Promise.all(waits.map((w, i) => w.then(() => (cache.samples[stale[i]?.url ?? ""]?.ms != null ? Promise.reject() : undefined)))).catch(() => undefined);
      await Promise.race([budget, firstReachable]);
      clearTimeout(timer);
    }
    let best: { id: string; ms: number } | undefined;
    for (const t of cache.targets) {
      const ms = cache.samples[t.url]?.ms;
      if (ms != null && (best === undefined || ms < best.ms)) best = { id: t.id, ms };
    }
    return best?.id;
  }

  /** Forget everything (tests; a user who wants a new measurement). */
  reset(): void {
    this.#cache = undefined;
    this.#loaded = true;
    this.#running.clear();
    this.#save();
  }

  #fresh(url: string): boolean {
    const sample = this.#cache?.samples[url];
    return sample !== undefined && this.#env.now() - sample.at < PROBE_TTL_MS;
  }

  #load(): Cached | undefined {
    if (this.#loaded) return this.#cache;
    this.#loaded = true;
    try {
      const raw = this.#env.storage?.getItem(PROBE_STORAGE_KEY);
      const parsed = raw ? (JSON.parse(raw) as Partial<Cached>) : undefined;
      const targets = validTargets(parsed?.targets);
      const now = this.#env.now();
      if (targets && typeof parsed?.at === "number" && now - parsed.at < PROBE_MAX_AGE_MS) {
        const samples: Record<string, ProbeSample> = {};
        for (const [url, s] of Object.entries(parsed.samples ?? {})) {
          if (typeof s?.at === "number" && now - s.at < PROBE_MAX_AGE_MS && (s.ms === null || typeof s.ms === "number")) samples[url] = { ms: s.ms, at: s.at };
        }
        this.#cache ??= { targets, at: parsed.at, samples };
      }
    } catch {
      // An unreadable or malformed cache is no cache.
    }
    return this.#cache;
  }

  #save(): void {
    try {
      this.#env.storage?.setItem(PROBE_STORAGE_KEY, JSON.stringify(this.#cache ?? null));
    } catch {
      // A full or disabled storage: the memory cache still serves this page.
    }
  }

  /** Measure `url` (once at a time): the faster of two requests, the second on the warm connection. */
  #probe(url: string): Promise<void> {
    const running = this.#running.get(url);
    if (running) return running;
    const task = (async () => {
      const env = this.#env;
      const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
      let ms: number | null = null;
      try {
        for (let i = 0; i < 2; i++) {
          const took = await env.measure(url, signal);
          ms = ms === null ? took : Math.min(ms, took);
          this.#record(url, ms);
        }
      } catch {
        if (ms === null) this.#record(url, null);
      } finally {
        this.#running.delete(url);
      }
    })();
    this.#running.set(url, task);
    return task;
  }

  #record(url: string, ms: number | null): void {
    const cache = this.#cache;
    if (cache === undefined) return;
    cache.samples[url] = { ms: ms === null ? null : Math.round(ms * 10) / 10, at: this.#env.now() };
    this.#save();
  }
}

/** The probe shared by every uploader of this page (or process). */
export const regionProbe = new RegionProbe();
