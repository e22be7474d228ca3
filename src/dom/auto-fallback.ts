/**
 * `autoFallback`: every `<img>` of the page whose URL is on a configured CDN
 * (or that carries `data-s3edge-key`) loads from the CDN and moves to the next
 * CDN, then S3, on an error, a placeholder status, its own timeout, or the
 * breaker opening. One breaker for the page (persisted across page loads and
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
import { imageOfSource, notRequestedYet, rewriteImage, urlsOf } from "./element.js";
import { createStatusChecker } from "./status.js";
import type { AutoFallback, AutoFallbackEvents, AutoFallbackOptions } from "./types.js";

const KEY = "data-s3edge-key";

/** What we know about one image. */
interface Watch {
  key: string;
  /** Candidate in use: a CDN index, or the CDN count for S3. */
  index: number;
  host: string;
  /** When we started watching it (for `elapsedMs`). */
  since: number;
  timer?: ReturnType<typeof setTimeout>;
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
  const count = bases.length;
  const cdnHosts = bases.map((base) => hostOf(base));
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

  /** The URL `url` (of an image of `key`) has on candidate `index`; undefined leaves it as is. */
  const mapUrl = (url: string, index: number, key: string): string | undefined => {
    const from = baseOf(url);
    if (from < 0 && hosts.sourceOf(url) !== "s3") return undefined;
    if (index < count) return from < 0 ? hosts.cdnUrl(index, hosts.keyOf(url) ?? key) : bases[index] + url.slice((bases[from] ?? "").length);
    return hosts.s3UrlNow(hosts.keyOf(url) ?? key);
  };
  /** First candidate from `index` on whose breaker lets us in (S3, the last, always does). */
  const pick = (index: number): number => {
    while (index < count && health.acquire(cdnHosts[index] ?? "") === "skip") index++;
    return index;
  };

  const url = (key: string): string => {
    const index = cdnHosts.findIndex((host) => health.usable(host));
    return index < 0 ? (hosts.s3UrlNow(key) ?? hosts.cdnUrl(0, key)) : hosts.cdnUrl(index, key);
  };

  if (typeof document === "undefined") {
    // SSR or a worker: nothing to watch, URLs still work.
    return { on: (e, l) => events.on(e, l), src: url, health, stop: () => undefined };
  }

  // The <head> script (dom/head.ts) rewrites before the request from these on the next page load.
  const origin = options.origin;
  if (options.persist !== false && typeof origin === "object" && !("presign" in origin)) {
    try {
      const s3Base = hosts.s3Url("k").slice(0, -2);
      for (const base of bases) localStorage.setItem(`s3edge:img:v1:${base}`, s3Base);
    } catch {
      // No storage: the next page load relearns (the breaker is page-local then too).
    }
  }

  const report = (host: string, ok: boolean, reason?: string): void => {
    if (host && hosts.sourceOf(`http://${host}/`) !== undefined) health.report(host, ok, reason);
  };

  /** When each host last delivered an image: a host that does is busy, not hung. */
  const lastLoad = new Map<string, number>();
  const arm = (img: HTMLImageElement, w: Watch): void => {
    clearTimeout(w.timer);
    live.add(img);
    const armedAt = Date.now();
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
    w.index = index;
    w.loadedAt = undefined;
    quietly(() => rewriteImage(img, (u) => mapUrl(u, index, w.key), index < count ? hosts.cdnUrl(index, w.key) : hosts.s3UrlNow(w.key)));
    if (index >= count && img.getAttribute("src") === null) {
      // A presigner with nothing cached: S3's URL comes later.
      void hosts.resolveS3Url(w.key).then(() => watches.get(img) === w && moveTo(img, w, index, reason, status), () => undefined);
      return;
    }
    w.host = index < count ? (cdnHosts[index] ?? "") : safeHost(img.src);
    const elapsedMs = Date.now() - w.since;
    if (reason) events.emit("fallback", { key: w.key, from, to: w.host, reason, ...(status ? { status } : {}), elapsedMs, element: img });
    arm(img, w);
  };

  function fail(img: HTMLImageElement, w: Watch, reason: FailureReason, status?: number): void {
    clearTimeout(w.timer);
    report(w.host, false, status ? String(status) : reason);
    if (w.index >= count) {
      live.delete(img); // S3 failed too: nothing left to try.
      return;
    }
    moveTo(img, w, pick(w.index + 1), reason, status);
  }

  const loaded = (img: HTMLImageElement, w: Watch): void => {
    clearTimeout(w.timer);
    const host = w.host;
    lastLoad.set(host, Date.now());
    if (w.index >= count) {
      live.delete(img);
      report(host, true);
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
    const index = first === undefined ? (onS3 ? count : 0) : baseOf(first);
    if (img.hasAttribute("data-s3edge-react")) {
      // An <EdgeImage> rendered on the server: only move it before its request; the component does the rest.
      const to = index < count ? pick(index) : index;
      if (to !== index) quietly(() => rewriteImage(img, (u) => mapUrl(u, to, key)));
      return;
    }
    const w: Watch = { key, index, host: index < count ? (cdnHosts[index] ?? "") : safeHost(img.src), since: Date.now() };
    watches.set(img, w);
    const usable = index < count ? pick(index) : index;
    if (usable !== index || urls.length === 0) {
      // The breaker says no (this page, an earlier one, another tab), or no URL yet: set one before any request.
      moveTo(img, w, usable, urls.length > 0 ? "circuit-open" : undefined);
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
    if (event.type === "load") loaded(img, w);
    else fail(img, w, "network");
  };

  const unsubscribe = health.subscribe((status) => {
    const { host, state } = status;
    if (!cdnHosts.includes(host)) return;
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
        moveTo(img, w, pick(w.index + 1), "circuit-open");
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
