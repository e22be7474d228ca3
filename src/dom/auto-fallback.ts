/**
 * `autoFallback`: every `<img>` of the page whose URL is on a configured CDN
 * (or that carries `data-s3edge-key`) loads from the CDN and moves to the next
 * CDN, then the S3 origins (fastest healthy first, `candidates.ts`), on an
 * error, a placeholder status, its own timeout, or the breaker opening. Each
 * load feeds the host's latency estimate (Resource Timing, else the load event). One breaker for the page (persisted across page loads and
 * tabs by default); no ky, no uploader: this is the tiny `<head>` script.
 *
 * How it sees images: capture-phase `load`/`error` listeners on `document`
 * (they do not bubble), a `MutationObserver` for images inserted or changed
 * later, a scan at start and at `DOMContentLoaded` (images that failed before
 * the script ran have `complete && naturalWidth === 0`).
 */
import { browserHealthStore } from "../browser/health-store.js";
import { ConfigError } from "../core/errors.js";
import { createHostHealth } from "../core/health.js";
import { Emitter } from "../core/observable.js";
import { hostOf } from "../core/urls.js";
import type { FailureReason, FallbackReason } from "../delivery/types.js";
import { createHosts } from "../delivery/hosts.js";
import { checkRouting } from "../core/host-order.js";
import { notReplicatedYet } from "../delivery/route.js";
import { resourceLatency } from "../delivery/timing.js";
import { createCandidates } from "./candidates.js";
import { imageOfSource, notRequestedYet, rewriteImage, urlsOf } from "./element.js";
import { createStatusChecker, exposedStatus } from "./status.js";
import type { AutoFallback, AutoFallbackEvents, AutoFallbackOptions } from "./types.js";

const KEY = "data-s3edge-key";

/** What we know about one image. */
interface Watch {
  key: string;
  /** Candidate in use: a CDN index, or the CDN count plus an origin's index. */
  index: number;
  /** Candidates this image was on. */
  tried: Set<number>;
  /** Once every origin was tried, the walk starts over once. */
  again?: boolean;
  host: string;
  /** When we started watching it (for `elapsedMs`). */
  since: number;
  timer?: ReturnType<typeof setTimeout>;
  /** When its current URL was set or first seen (the load-event latency without Resource Timing). */
  armedAt?: number;
  /** When it loaded from a CDN (doubtful until a status check passes). */
  loadedAt?: number | undefined;
}

const isImage = (node: unknown): node is HTMLImageElement => (node as Element | null)?.tagName === "IMG";

/**
 * Make every CDN image of the page survive a CDN outage. Call it from a
 * synchronous `<script>` in `<head>`, before the images: with the breaker already
 * open (earlier page load, other tab), images parsed later are rewritten to S3
 * before the browser requests them.
 *
 * @example
 * S3Edge.autoFallback({ cdn: "https://cdn.example.com", origin: { bucket: "media", region: "eu-west-1" } });
 */
export function autoFallback(options: AutoFallbackOptions): AutoFallback {
  const hosts = createHosts(options.cdn, options.origin);
  const timeoutMs = options.timeoutMs ?? 3000;
  const checkMs = options.statusCheckMs ?? 10_000;
  if (!(timeoutMs > 0)) throw new ConfigError("timeoutMs", "autoFallback: timeoutMs must be a number > 0 (ms)");
  if (!(checkMs >= 0)) throw new ConfigError("statusCheckMs", "autoFallback: statusCheckMs must be a number >= 0 (ms; 0 turns checks off)");
  const statuses = options.fallbackStatuses;
  const isFallback =
    typeof statuses === "function" ? statuses : statuses ? (s: number) => statuses.includes(s) : (s: number) => s > 499 && s < 600;
  const health =
    options.health ??
    createHostHealth({ ...options.breaker, ...(options.persist !== false && { store: browserHealthStore() }) });
  const bases = hosts.cdn;
  const routing = checkRouting(options, (name, m) => new ConfigError(name, `autoFallback: ${m}`));
  const candidates = createCandidates(hosts, health, { ...(options.breaker?.now && { now: options.breaker.now }), ...routing });
  const count = bases.length;
  const cdnHosts = bases.map((base) => hostOf(base));
  const { urlOn, mapUrl } = candidates;
  const events = new Emitter<AutoFallbackEvents>();
  const checker = createStatusChecker(health, isFallback, checkMs);
  const watches = new WeakMap<HTMLImageElement, Watch>();
  /** Images pending, or loaded from a CDN and not yet known good. */
  const live = new Set<HTMLImageElement>();
  const baseOf = (url: string): number => bases.findIndex((base) => url.startsWith(`${base}/`));
  const safeHost = (url: string): string => {
    try {
      return hostOf(url);
    } catch {
      return "";
    }
  };

  /** The next candidate for `w` (breaker and latency order; the last origin always lets us in). */
  const pick = (w: Watch): number => {
    if (w.index >= count) for (let i = 0; i < count; i++) w.tried.add(i); // from an origin, only origins are left
    return candidates.next(w.tried)?.index ?? -1;
  };

  const url = (key: string): string => urlOn(candidates.first().index, key) ?? hosts.s3UrlNow(key) ?? hosts.cdnUrl(0, key);

  if (typeof document === "undefined") {
    // SSR or a worker: nothing to watch, URLs still work.
    return { on: (e, l) => events.on(e, l), src: url, health, stop: () => undefined };
  }

  // The <head> script (dom/head.ts) rewrites before the request from what this remembers, on the next page load.
  const remember = (): void => void (options.persist !== false && candidates.remember());
  remember();

  const report = (host: string, ok: boolean, reason?: string): void => {
    if (host && hosts.sourceOf(`http://${host}/`) !== undefined) health.report(host, ok, reason);
  };

  /** When each host last delivered an image: a host that does is busy, not hung. */
  const lastLoad = new Map<string, number>();
  const arm = (img: HTMLImageElement, w: Watch): void => {
    clearTimeout(w.timer);
    live.add(img);
    const armedAt = Date.now();
    w.armedAt = armedAt;
    const tick = (): void => {
      if (watches.get(img) !== w || img.complete) return;
      const t = Date.now();
      // Queued behind the browser's 6 connections to a host that keeps answering: wait more (up to 4 timeouts).
      const busy = t - (lastLoad.get(w.host) ?? 0) < timeoutMs && t - armedAt < 4 * timeoutMs;
      if (busy || notRequestedYet(img)) w.timer = setTimeout(tick, timeoutMs);
      else fail(img, w, "timeout");
    };
    w.timer = setTimeout(tick, timeoutMs);
  };

  /** Point `img` at candidate `index`; with a `reason`, tell the listeners it fell back. */
  const moveTo = (img: HTMLImageElement, w: Watch, index: number, reason?: FallbackReason, status?: number): void => {
    const from = w.host;
    if (index < 0) {
      live.delete(img); // every candidate failed: nothing left to try
      return;
    }
    w.index = index;
    w.tried.add(index);
    w.loadedAt = undefined;
    quietly(() => rewriteImage(img, (u) => mapUrl(u, index, w.key), urlOn(index, w.key)));
    if (index >= count && img.getAttribute("src") === null) {
      // A presigner with nothing cached: S3's URL comes later.
      void hosts.resolveOriginUrl(index - count, w.key).then(() => watches.get(img) === w && moveTo(img, w, index, reason, status), () => undefined);
      return;
    }
    w.host = (index < count ? cdnHosts[index] : undefined) ?? safeHost(img.src);
    const elapsedMs = Date.now() - w.since;
    if (reason) events.emit("fallback", { key: w.key, from, to: w.host, reason, ...(status ? { status } : {}), elapsedMs, element: img });
    arm(img, w);
  };

  function fail(img: HTMLImageElement, w: Watch, reason: FailureReason, status?: number): void {
    clearTimeout(w.timer);
    // A replica without the object yet (403/404, when the browser shows the status) is not a failure of the host.
    const seen = status ?? (candidates.replica(w.index) ? exposedStatus(img.currentSrc || img.src) : undefined);
    const missing = candidates.replica(w.index) && seen !== undefined && notReplicatedYet(seen);
    if (!missing) report(w.host, false, status ? String(status) : reason);
    let next = pick(w);
    if (next < 0 && !w.again) {
      // Every origin tried: once more from the first usable one (a spurious error may have moved it on).
      w.again = true;
      w.tried = new Set([w.index]);
      next = pick(w);
    }
    moveTo(img, w, next, missing ? "missing" : reason, seen);
  }

  const loaded = (img: HTMLImageElement, w: Watch): void => {
    clearTimeout(w.timer);
    const host = w.host;
    const t = Date.now();
    lastLoad.set(host, t);
    // Time to first byte when the browser shows it, else the load event after we set or saw the URL.
    const ms = resourceLatency(img.currentSrc || img.src) ?? (w.armedAt === undefined ? undefined : t - w.armedAt);
    if (ms !== undefined && host) health.observe?.(host, ms);
    if (w.index >= count) {
      live.delete(img);
      report(host, true);
      remember();
      return;
    }
    w.loadedAt = Date.now();
    live.add(img); // doubtful until checked: moves with the others if the breaker opens
    checker.check(img.currentSrc || img.src, host, (result) => {
      if (watches.get(img) !== w || w.host !== host) return;
      if (result === undefined) {
        live.delete(img);
        report(host, true);
      } else fail(img, w, "status", result);
    });
  };

  /** Take in an image we have not seen (or whose URLs the page changed). */
  const consider = (img: HTMLImageElement): void => {
    if (watches.has(img)) return;
    const urls = urlsOf(img);
    const given = img.getAttribute(KEY);
    const first = urls.find((u) => baseOf(u) >= 0);
    const onS3 = first === undefined && urls.some((u) => hosts.sourceOf(u) === "s3");
    const key = given ?? (first === undefined ? undefined : hosts.keyOf(first));
    if (key === undefined || key === "" || (first === undefined && !onS3 && urls.length > 0)) return;
    const index = first === undefined ? (onS3 ? candidates.indexOf(urls.find((u) => hosts.sourceOf(u) === "s3") ?? "") : 0) : baseOf(first);
    const host = candidates.host(index);
    const held = host !== undefined && !health.usable(host);
    // The breaker says no (this page, an earlier one, another tab), or no URL yet: a candidate before any request.
    const to = urls.length === 0 ? candidates.first() : held ? candidates.next(new Set([index])) : undefined;
    if (img.hasAttribute("data-s3edge-react")) {
      // An <EdgeImage> rendered on the server: only move it before its request; the component does the rest.
      if (to !== undefined && to.index !== index) quietly(() => rewriteImage(img, (u) => mapUrl(u, to.index, key)));
      return;
    }
    const w: Watch = { key, index, tried: new Set([index]), host: host ?? safeHost(img.src), since: Date.now() };
    watches.set(img, w);
    if (to !== undefined) {
      moveTo(img, w, to.index, urls.length > 0 ? "circuit-open" : undefined);
      const chosen = candidates.host(to.index) ?? w.host;
      events.emit("route", { key, host: chosen, source: to.index < count ? "cdn" : "s3", reason: to.reason, element: img });
      return;
    }
    if (!img.complete) arm(img, w);
    else if (img.naturalWidth === 0) fail(img, w, "network"); // failed before we were watching
    else loaded(img, w);
  };

  const scan = (node: Node): void => {
    if (node.nodeType !== 1) return;
    const el = node as Element;
    if (isImage(el)) consider(el);
    else if (el.tagName === "SOURCE") {
      const img = imageOfSource(el);
      if (img) retake(img);
    } else for (const img of el.getElementsByTagName("img")) consider(img);
  };
  const retake = (img: HTMLImageElement): void => {
    const w = watches.get(img);
    if (w) clearTimeout(w.timer);
    watches.delete(img);
    live.delete(img);
    consider(img);
  };

  const onRecords = (records: MutationRecord[]): void => {
    for (const record of records) {
      if (record.type === "childList") record.addedNodes.forEach(scan);
      else if (isImage(record.target)) retake(record.target);
      else scan(record.target);
    }
  };
  const observer = new MutationObserver(onRecords);
  /** Our own attribute writes are not the page's: drop their records, keep the page's. */
  function quietly(write: () => void): void {
    const pending = observer.takeRecords();
    write();
    observer.takeRecords();
    if (pending.length > 0) onRecords(pending);
  }

  const onEvent = (event: Event): void => {
    const img = event.target;
    if (!isImage(img)) return;
    const w = watches.get(img);
    if (w === undefined) return consider(img);
    // An event of a URL we moved away from (or that the page changed) is not about the current one.
    if (img.currentSrc && safeHost(img.currentSrc) !== w.host) return;
    if (event.type === "load") return loaded(img, w);
    // An error queued for the URL we just moved away from can arrive before the browser takes up the
    // new one: judge in a later task, when a new request is pending (not complete) or really broken.
    setTimeout(() => {
      if (watches.get(img) === w && img.complete && img.naturalWidth === 0 && safeHost(img.currentSrc || img.src) === w.host) fail(img, w, "network");
    });
  };

  const unsubscribe = health.subscribe((status) => {
    const { host, state } = status;
    if (hosts.sourceOf(`http://${host}/`) === undefined) return;
    if (state === "closed") events.emit("recover", { host });
    if (state !== "open") return;
    // Chromium never frees the connections of a hung host: move every image still waiting on it now,
    // and, when a check found placeholders, those loaded since its last good check.
    checker.clear(host);
    const doubtful = checker.suspect(host) ? checker.goodSince(host) : Number.POSITIVE_INFINITY;
    for (const img of [...live]) {
      const w = watches.get(img);
      if (w?.host !== host) continue;
      if (w.loadedAt === undefined || w.loadedAt >= doubtful) {
        clearTimeout(w.timer);
        moveTo(img, w, pick(w), "circuit-open");
      }
    }
  });

  const root = document.documentElement;
  const onReady = (): void => scan(root);
  document.addEventListener("load", onEvent, true);
  document.addEventListener("error", onEvent, true);
  document.addEventListener("DOMContentLoaded", onReady);
  observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["src", "srcset", KEY] });
  // The images already there are taken after a microtask, so that listeners the caller attaches
  // right after this call hear about them too; images parsed later reach the observer first.
  let stopped = false;
  queueMicrotask(() => stopped || scan(root));

  return {
    on: (event, listener) => events.on(event, listener),
    src: url,
    health,
    stop() {
      stopped = true;
      observer.disconnect();
      document.removeEventListener("load", onEvent, true);
      document.removeEventListener("error", onEvent, true);
      document.removeEventListener("DOMContentLoaded", onReady);
      unsubscribe();
      for (const img of live) clearTimeout(watches.get(img)?.timer);
      live.clear();
    },
  };
}
