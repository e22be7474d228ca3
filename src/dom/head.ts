/**
 * The `<head>` part of `autoFallback` (`dist/s3edge-img.global.js`): the little
 * that must run before the browser parses the page's images, and nothing more.
 *
 * 1. From the verdicts the breaker persisted (`s3edge:health:v1:<host>`) and the
 *    S3 base the full implementation remembered for each CDN base
 *    (`s3edge:img:v1:<cdn base>`: with several origins, the fastest healthy one), it knows which CDN is down right now, and
 *    rewrites the URLs of images on it to S3 before they are requested (a
 *    `MutationObserver` sees parser-inserted images before their fetch starts).
 *    Past a cool-down the first image of that CDN is left alone: it is the probe.
 * 2. It loads the full implementation (`s3edge-img-full.global.js`, next to this
 *    script, or `options.script`) without blocking the parser; that one takes
 *    over: errors, timers, placeholder checks, the breaker, telemetry.
 *
 * On a first visit nothing is known to be down, so step 1 does nothing.
 */
import { ConfigError } from "../core/errors.js";
import { imageOfSource, rewriteImage, urlsOf } from "./element.js";
import type { AutoFallback, AutoFallbackEvents, AutoFallbackHead, AutoFallbackHeadOptions } from "./types.js";

/** Global name the full implementation's script build sets. */
export const FULL_GLOBAL = "S3EdgeImages";

/** Where this script was loaded from (read while it runs: `currentScript` is this script only then). */
const here = typeof document === "undefined" ? undefined : (document.currentScript as HTMLScriptElement | null)?.src;

interface Down {
  s3: string;
  /** Past its cool-down: let the first image through as the breaker's probe. */
  probe: boolean;
}

const read = (key: string): string | null => {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
};

/**
 * Start `autoFallback` from `<head>`: rewrite images of a CDN known to be down
 * before their request, and load the full implementation without blocking.
 * Same options as the full `autoFallback`, plus `script` (the URL of
 * `s3edge-img-full.global.js`; needed when this script is inlined).
 */
export function autoFallback(options: AutoFallbackHeadOptions): AutoFallbackHead {
  const script = options.script ?? here?.replace(/[^/]*$/, "s3edge-img-full.global.js");
  if (!script) {
    throw new ConfigError("script", 'autoFallback: inlined, it needs script: "<URL of s3edge-img-full.global.js>"');
  }
  const t = Date.now();
  const down = new Map<string, Down>();
  for (const raw of Array.isArray(options.cdn) ? options.cdn : [options.cdn]) {
    try {
      const url = new URL(raw);
      const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
      const v = JSON.parse(read(`s3edge:health:v1:${url.host}`) ?? "null") as {
        v?: number;
        state?: string;
        until?: number;
        expires?: number;
      } | null;
      const s3 = read(`s3edge:img:v1:${base}`);
      if (s3 && v?.v === 1 && v.state === "open" && (v.expires ?? 0) > t)
        down.set(base, { s3, probe: (v.until ?? 0) <= t });
    } catch {
      // Not a URL: the full implementation reports it.
    }
  }
  const on = (url: string): [string, Down] | undefined => [...down].find(([base]) => url.startsWith(`${base}/`));
  const seen = new WeakSet<HTMLImageElement>();
  const fix = (img: HTMLImageElement): void => {
    if (seen.has(img)) return;
    seen.add(img);
    const first = urlsOf(img)
      .map(on)
      .find((hit) => hit !== undefined);
    if (first === undefined) return;
    if (first[1].probe) {
      first[1].probe = false;
      return;
    }
    rewriteImage(img, (url) => {
      const hit = on(url);
      return hit && hit[1].s3 + url.slice(hit[0].length).replace(/[?#].*$/, "");
    });
  };
  const scan = (node: Node): void => {
    const el = node as Element;
    if (el.tagName === "IMG") fix(el as HTMLImageElement);
    else if (el.tagName === "SOURCE") {
      const img = imageOfSource(el);
      if (img) fix(img);
    } else if (el.getElementsByTagName) for (const img of el.getElementsByTagName("img")) fix(img);
  };
  const observer =
    down.size > 0 && typeof MutationObserver !== "undefined"
      ? new MutationObserver((records) => {
          for (const record of records) record.addedNodes.forEach(scan);
        })
      : undefined;
  if (observer) {
    observer.observe(document, { childList: true, subtree: true });
    scan(document);
  }

  type Entry = { event: keyof AutoFallbackEvents; listener: (value: never) => void; off?: () => void };
  const queued = new Set<Entry>();
  // Rewriting here lasts while the page is parsed (the full implementation's observer, created
  // later, does not always see parser-inserted images before their request) and until the full
  // implementation runs; then its breaker decides.
  let loaded = false;
  const release = (): void => {
    if (loaded && document.readyState !== "loading") observer?.disconnect();
  };
  document.addEventListener("DOMContentLoaded", release);
  let full: AutoFallback | undefined;
  let stopped = false;
  const ready = new Promise<AutoFallback>((resolve, reject) => {
    const tag = document.createElement("script");
    tag.src = script;
    tag.async = true;
    tag.onload = () => {
      loaded = true;
      release();
      const api = (globalThis as { [FULL_GLOBAL]?: { autoFallback?: (o: AutoFallbackHeadOptions) => AutoFallback } })[
        FULL_GLOBAL
      ];
      if (!api?.autoFallback)
        return reject(new ConfigError("script", `autoFallback: ${script} is not s3edge-img-full.global.js`));
      full = api.autoFallback(options);
      // Its first scan waits for a microtask: listeners attached now hear about every image.
      for (const entry of queued) entry.off = full.on(entry.event, entry.listener as (value: unknown) => void);
      if (stopped) full.stop();
      resolve(full);
    };
    tag.onerror = () => reject(new ConfigError("script", `autoFallback: could not load ${script}`));
    (document.head ?? document.documentElement).append(tag);
  });
  ready.catch(() => undefined);

  return {
    ready,
    on(event, listener) {
      if (full) return full.on(event, listener);
      const entry: Entry = { event, listener: listener as (value: never) => void };
      queued.add(entry);
      return () => {
        queued.delete(entry);
        entry.off?.();
      };
    },
    stop() {
      stopped = true;
      observer?.disconnect();
      full?.stop();
    },
  };
}
