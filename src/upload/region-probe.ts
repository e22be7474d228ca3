/**
 * Which upload target is nearest: a tiny probe (two `HEAD`s to each target's URL, timed; the
 * faster counts) run when a signer with several targets first names them, cached in memory and
 * in `localStorage` (when there is one) with an expiry. A create never waits for it long: known
 * samples (even stale ones, measured again in the background) are used at once; only when
 * nothing is known does it wait, at most {@link PROBE_BUDGET_MS} or until one target answered,
 * then goes with what it has (possibly no preference). A target whose probe fails or times out
 * is unreachable: never preferred. Loaded by `session.ts` only once targets are known.
 */
import type { TargetProbe } from "../core/protocol.js";

/** Longest a create waits for probes when no sample is known, in ms. */
const PROBE_BUDGET_MS = 300;
/** A sample younger than this is fresh; older ones are still used, and measured again. */
export const PROBE_TTL_MS = 600_000;
/** Targets and samples older than this are forgotten. */
const PROBE_MAX_AGE_MS = 86_400_000;
/** A probe that has not answered within this many ms counts as unreachable. */
const PROBE_TIMEOUT_MS = 3_000;
/** The `localStorage` key of the cache (`session.ts` checks it before loading this module). */
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

/** The nearest-target probe. */
export interface RegionProbe {
  /** Targets from a create answer: remembered, and measured in the background when not fresh. */
  learn(targets: unknown): void;
  /** The id of the nearest reachable target, or `undefined`; waits only when nothing is measured, at most `budgetMs`. */
  preferred(budgetMs?: number): Promise<string | undefined>;
  /** The samples, by URL (a copy). */
  samples(): Record<string, ProbeSample>;
  /** Forget everything (tests). */
  reset(): void;
}

interface Cache {
  targets: TargetProbe[];
  at: number;
  samples: Record<string, ProbeSample>;
}

/** The targets an answer lists when well formed: 2 to 16 of `{ id, url }` with an http(s) URL. */
export function validTargets(value: unknown): TargetProbe[] | undefined {
  const ok =
    Array.isArray(value) &&
    value.length > 1 &&
    value.length < 17 &&
    value.every(
      (t: Partial<TargetProbe> | null) =>
        typeof t?.id === "string" && t.id !== "" && typeof t.url === "string" && /^https?:\/\//i.test(t.url),
    );
  return ok ? value.map(({ id, url }: TargetProbe) => ({ id, url })) : undefined;
}

/** The platform's defaults: a timed `fetch` HEAD, `Date.now`, `localStorage`. */
function defaultProbeEnv(): ProbeEnv {
  let storage: ProbeEnv["storage"];
  try {
    storage = globalThis.localStorage;
  } catch {
    // storage disabled
  }
  return {
    async measure(url, signal) {
      const start = performance.now();
      await fetch(url, {
        method: "HEAD",
        mode: "no-cors",
        cache: "no-store",
        credentials: "omit",
        redirect: "manual",
        signal,
      });
      return performance.now() - start;
    },
    now: Date.now,
    storage,
  };
}

/** A probe over `env` (made at first use). */
export function createRegionProbe(makeEnv: () => ProbeEnv = defaultProbeEnv): RegionProbe {
  let env: ProbeEnv | undefined;
  let cache: Cache | undefined;
  let loaded = false;
  const running = new Map<string, Promise<void>>();
  const e = (): ProbeEnv => (env ??= makeEnv());
  const save = (): void => {
    try {
      e().storage?.setItem(PROBE_STORAGE_KEY, JSON.stringify(cache ?? null));
    } catch {
      // full or disabled: the memory cache still serves this page
    }
  };
  const load = (): Cache | undefined => {
    if (!loaded) {
      loaded = true;
      try {
        const c = JSON.parse(e().storage?.getItem(PROBE_STORAGE_KEY) ?? "null") as Cache | null;
        const now = e().now();
        const targets = validTargets(c?.targets);
        if (c && targets && now - c.at < PROBE_MAX_AGE_MS) {
          const samples: Cache["samples"] = {};
          for (const [url, s] of Object.entries(c.samples))
            if (now - s.at < PROBE_MAX_AGE_MS && (s.ms === null || s.ms >= 0)) samples[url] = { ms: s.ms, at: s.at };
          cache ??= { targets, at: c.at, samples };
        }
      } catch {
        // an unreadable or malformed cache is no cache
      }
    }
    return cache;
  };
  const fresh = (url: string): boolean => e().now() - (cache?.samples[url]?.at ?? -Infinity) < PROBE_TTL_MS;
  const record = (url: string, ms: number | null): void => {
    if (cache) cache.samples[url] = { ms: ms === null ? null : Math.round(ms * 10) / 10, at: e().now() };
    save();
  };
  /** Measure `url` (once at a time): the faster of two requests, the second on the warm connection. */
  const probe = (url: string): Promise<void> => {
    let task = running.get(url);
    if (!task) {
      task = (async () => {
        const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
        let ms: number | null = null;
        try {
          for (let i = 0; i < 2; i++) record(url, (ms = Math.min(ms ?? Infinity, await e().measure(url, signal))));
        } catch {
          if (ms === null) record(url, null);
        }
        running.delete(url);
      })();
      running.set(url, task);
    }
    return task;
  };

  return {
    learn(value) {
      const targets = validTargets(value);
      if (!targets) return;
      cache = { targets, at: e().now(), samples: load()?.samples ?? {} };
      save();
      for (const t of targets) if (!fresh(t.url)) void probe(t.url);
    },
    async preferred(budgetMs = PROBE_BUDGET_MS) {
      const c = load();
      if (!c) return undefined;
      const known = (): boolean => c.targets.some((t) => c.samples[t.url]?.ms != null);
      const waits = c.targets.filter((t) => !fresh(t.url)).map((t) => probe(t.url));
      if (!known() && waits.length) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        // The first reachable answer is enough: a target slower than it is not the nearest.
        await new Promise<void>((resolve) => {
          timer = setTimeout(resolve, budgetMs);
          for (const w of waits) void w.then(() => known() && resolve());
          void Promise.all(waits).then(() => resolve());
        });
        clearTimeout(timer);
      }
      let best: { id: string; ms: number } | undefined;
      for (const t of c.targets) {
        const ms = c.samples[t.url]?.ms;
        if (ms != null && !(best && best.ms <= ms)) best = { id: t.id, ms };
      }
      return best?.id;
    },
    samples: () => ({ ...load()?.samples }),
    reset() {
      cache = undefined;
      loaded = true;
      running.clear();
      save();
    },
  };
}

/** The probe shared by every uploader of this page (or process). */
export const regionProbe: RegionProbe = createRegionProbe();
