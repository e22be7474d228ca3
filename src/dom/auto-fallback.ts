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
 *
 * What a healthy page pays (`schedule.ts`): one shared timer for the pending
 * images, an image's key worked out only when it has to move, and nothing but
 * its Resource Timing status read when it loads; latency estimates, persisting
 * and the routine placeholder check wait for the page's `load` event.
 */
import { Emitter } from "../core/observable.js";
import { hostOf } from "../core/urls.js";
import type { FailureReason, FallbackReason } from "../delivery/types.js";
import { notReplicatedYet } from "../delivery/route.js";
import { resourceLatency } from "../delivery/timing.js";
import { createCandidates } from "./candidates.js";
import { rewriteImage, urlsOf } from "./element.js";
import { observeImages } from "./observe.js";
import { imageOptions } from "./options.js";
import { afterLoad } from "./schedule.js";
import { createStatusChecker, exposedStatus } from "./status.js";
import { createTimeouts, type Pending } from "./timeouts.js";
import type { AutoFallback, AutoFallbackEvents, AutoFallbackOptions } from "./types.js";

const KEY = "data-s3edge-key";

/** What we know about one image (its host, deadline and arming time: `timeouts.ts`). */
interface Watch extends Pending {
  /** Its object key, worked out when first needed (from `url`). */
  key?: string | undefined;
  /** The URL of ours it was found with. */
  url: string;
  /** Candidate in use: a CDN index, or the CDN count plus an origin's index. */
  index: number;
  /** Candidates this image was on. */
  tried: Set<number>;
  /** Once every origin was tried, the walk starts over once. */
  again?: boolean;
  /** When we started watching it (for `elapsedMs`). */
  since: number;
  /** When it loaded from a CDN (doubtful until a status check passes). */
  loadedAt?: number | undefined;
}

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
  const { hosts, timeoutMs, checkMs, isFallback, health, routing } = imageOptions(options);
  const bases = hosts.cdn;
  const candidates = createCandidates(hosts, health, routing);
  const count = bases.length;
  const cdnHosts = bases.map((base) => hostOf(base));
  const { urlOn, mapUrl } = candidates;
  const events = new Emitter<AutoFallbackEvents>();
  /** Routine placeholder checks wait for the page's `load` event: its images are in (at most `timeoutMs`). */
  const checker = createStatusChecker(health, isFallback, checkMs, Date.now, (run) => afterLoad(run, timeoutMs));
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

  /** Whether `url` is on the host `w` is on (a prefix test for a CDN: no URL parsing on every load). */
  const onHost = (url: string, w: Watch): boolean =>
    w.index < count ? url.startsWith(`${bases[w.index]}/`) : safeHost(url) === w.host;

  /** The key of a watched image; "" when its URL has none (it cannot move). */
  const keyFor = (w: Watch): string => (w.key ??= hosts.keyOf(w.url) ?? "");

  const url = (key: string): string =>
    urlOn(candidates.first().index, key) ?? hosts.s3UrlNow(key) ?? hosts.cdnUrl(0, key);

  if (typeof document === "undefined") {
    // SSR or a worker: nothing to watch, URLs still work.
    return { on: (e, l) => events.on(e, l), src: url, health, stop: () => undefined };
  }

  // The <head> script (dom/head.ts) rewrites before the request from what this remembers, on the next page load.
  const remember = (): void => void (options.persist !== false && candidates.remember());
  afterLoad(remember);

  const report = (host: string, ok: boolean, reason?: string): void => {
    if (host && hosts.sourceOf(`http://${host}/`) !== undefined) health.report(host, ok, reason);
  };

  // Every pending image's own timeout, behind one timer (`timeouts.ts`).
  const timeouts = createTimeouts<Watch>(
    timeoutMs,
    live,
    (img) => watches.get(img),
    (img, w) => fail(img, w, "timeout"),
  );
  const arm = timeouts.arm;

  /** Point `img` at candidate `index`; with a `reason`, tell the listeners it fell back. */
  const moveTo = (img: HTMLImageElement, w: Watch, index: number, reason?: FallbackReason, status?: number): void => {
    const from = w.host;
    const key = keyFor(w);
    if (index < 0 || key === "") {
      live.delete(img); // every candidate failed (or no key to move with): nothing left to try
      return;
    }
    w.index = index;
    w.tried.add(index);
    w.loadedAt = undefined;
    quietly(() => rewriteImage(img, (u) => mapUrl(u, index, key), urlOn(index, key)));
    if (index >= count && img.getAttribute("src") === null) {
      // A presigner with nothing cached: S3's URL comes later.
      void hosts.resolveOriginUrl(index - count, key).then(
        () => watches.get(img) === w && moveTo(img, w, index, reason, status),
        () => undefined,
      );
      return;
    }
    w.host = (index < count ? cdnHosts[index] : undefined) ?? safeHost(img.src);
    const elapsedMs = Date.now() - w.since;
    if (reason)
      events.emit("fallback", {
        key,
        from,
        to: w.host,
        reason,
        ...(status ? { status } : {}),
        elapsedMs,
        element: img,
      });
    arm(img, w);
  };

  function fail(img: HTMLImageElement, w: Watch, reason: FailureReason, status?: number): void {
    w.due = undefined;
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

  /** Loads whose latency the breaker has not heard yet: told once the page has loaded (persisting them is not free). */
  const samples: Array<[host: string, url: string, ms: number | undefined]> = [];
  const observe = (): void => {
    for (const [host, src, ms] of samples.splice(0)) {
      // Time to first byte when the browser shows it, else the load event after we set or saw the URL.
      const latency = resourceLatency(src) ?? ms;
      if (latency !== undefined) health.observe?.(host, latency);
    }
    remember(); // the fastest healthy origin may have changed
  };

  const loaded = (img: HTMLImageElement, w: Watch): void => {
    w.due = undefined;
    const host = w.host;
    const t = Date.now();
    const src = img.currentSrc || img.src;
    timeouts.delivered(host);
    if (host && samples.push([host, src, w.armedAt === undefined ? undefined : t - w.armedAt]) === 1)
      afterLoad(observe);
    if (w.index >= count) {
      live.delete(img);
      report(host, true);
      remember();
      return;
    }
    w.loadedAt = t;
    live.add(img); // doubtful until checked: moves with the others if the breaker opens
    checker.check(
      src,
      host,
      (result) => {
        if (watches.get(img) !== w || w.host !== host) return;
        if (result === undefined) {
          live.delete(img);
          report(host, true);
        } else fail(img, w, "status", result);
      },
      img.crossOrigin !== null,
    );
  };

  /** Take in an image we have not seen (or whose URLs the page changed). */
  const consider = (img: HTMLImageElement): void => {
    if (watches.has(img)) return;
    const urls = urlsOf(img);
    const given = img.getAttribute(KEY);
    const first = urls.find((u) => baseOf(u) >= 0);
    const s3 = first === undefined ? urls.find((u) => hosts.sourceOf(u) === "s3") : undefined;
    // Ours: a URL on a configured host, or a key given with no URL yet (another host's URL is not ours).
    if (given === "" || (first === undefined && s3 === undefined && (given === null || urls.length > 0))) return;
    const index = first === undefined ? (s3 === undefined ? 0 : candidates.indexOf(s3)) : baseOf(first);
    const host = candidates.host(index);
    const held = host !== undefined && !health.usable(host);
    // The breaker says no (this page, an earlier one, another tab), or no URL yet: a candidate before any request.
    const to = urls.length === 0 ? candidates.first() : held ? candidates.next(new Set([index])) : undefined;
    const w: Watch = {
      key: given ?? undefined,
      url: first ?? s3 ?? "",
      index,
      tried: new Set([index]),
      host: host ?? safeHost(img.src),
      since: Date.now(),
    };
    if (img.hasAttribute("data-s3edge-react")) {
      // An <EdgeImage> rendered on the server: only move it before its request; the component does the rest.
      const key = keyFor(w);
      if (to !== undefined && to.index !== index && key)
        quietly(() => rewriteImage(img, (u) => mapUrl(u, to.index, key)));
      return;
    }
    watches.set(img, w);
    if (to !== undefined) {
      moveTo(img, w, to.index, urls.length > 0 ? "circuit-open" : undefined);
      const chosen = candidates.host(to.index) ?? w.host;
      events.emit("route", {
        key: keyFor(w),
        host: chosen,
        source: to.index < count ? "cdn" : "s3",
        reason: to.reason,
        element: img,
      });
      return;
    }
    if (!img.complete) arm(img, w);
    else if (img.naturalWidth === 0)
      fail(img, w, "network"); // failed before we were watching
    else loaded(img, w);
  };

  const retake = (img: HTMLImageElement): void => {
    watches.delete(img);
    live.delete(img);
    consider(img);
  };

  const onEvent = (img: HTMLImageElement, event: Event): void => {
    const w = watches.get(img);
    if (w === undefined) return consider(img);
    // An event of a URL we moved away from (or that the page changed) is not about the current one.
    if (img.currentSrc && !onHost(img.currentSrc, w)) return;
    if (event.type === "load") return loaded(img, w);
    // An error queued for the URL we just moved away from can arrive before the browser takes up the
    // new one: judge in a later task, when a new request is pending (not complete) or really broken.
    setTimeout(() => {
      if (watches.get(img) === w && img.complete && img.naturalWidth === 0 && onHost(img.currentSrc || img.src, w))
        fail(img, w, "network");
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
    const doubtful = checker.suspect(host) ? checker.goodSince(host) : Infinity;
    for (const img of [...live]) {
      const w = watches.get(img);
      if (w?.host !== host) continue;
      if (w.loadedAt === undefined || w.loadedAt >= doubtful) {
        w.due = undefined;
        moveTo(img, w, pick(w), "circuit-open");
      }
    }
  });

  const dom = observeImages({ consider, retake, event: onEvent }, ["src", "srcset", KEY]);
  const quietly = dom.quietly;

  return {
    on: (event, listener) => events.on(event, listener),
    src: url,
    health,
    stop() {
      dom.stop();
      unsubscribe();
      timeouts.stop();
      live.clear();
    },
  };
}
