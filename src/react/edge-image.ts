/**
 * `<EdgeImage objectKey="…">`: an `<img>` that loads from the CDN and moves to
 * the next candidate (another CDN, then S3) on an error, a placeholder status,
 * its own timeout, or its host's breaker opening.
 *
 * - The candidate list is taken once per mount and key (not per render), so a
 *   re-render never sends an image back to a host it already left.
 * - Timers and breaker subscriptions live in effects, keyed by the URL in use.
 * - An image that failed before hydration (no `onError` ran) is caught by the
 *   effect: `complete && naturalWidth === 0`.
 * - SSR and hydration render the CDN URL (`suppressHydrationWarning` on the
 *   `<img>`): the server cannot know this browser's health. Right after
 *   hydration the list is taken from the breaker, persisted across page loads,
 *   so a CDN known to be down is left at once. To keep the browser from
 *   requesting the CDN at all for server-rendered images, add the `<head>`
 *   script (`autoFallback`): it rewrites them before the request, and leaves the
 *   rest of the work to this component (`data-s3edge-react`).
 */
import {
  createElement,
  forwardRef,
  useEffect,
  useImperativeHandle,
  useRef,
  useState,
  useSyncExternalStore,
  type ImgHTMLAttributes,
  type ReactElement,
  type SyntheticEvent,
} from "react";
import { hostOf } from "../core/urls.js";
import type { Edge, EdgeQuery, FallbackReason } from "../delivery/types.js";
import { mapSrcset } from "../dom/srcset.js";
import { useEdgeContext } from "./edge-context.js";

/** Props of {@link EdgeImage}: every `<img>` prop but `src`, plus the object. */
export interface EdgeImageProps extends Omit<ImgHTMLAttributes<HTMLImageElement>, "src"> {
  /** The object to show. */
  objectKey: string;
  /** Image-CDN query parameters (CDN URLs only). */
  query?: EdgeQuery;
  /** Use this edge instead of the `<EdgeProvider>`'s. */
  edge?: Edge;
}

interface Attempt {
  key: string;
  /** `objectKey` + query, to notice a change. */
  id: string;
  /** Candidate URLs, taken once; undefined while server-rendering or hydrating. */
  urls: string[] | undefined;
  index: number;
  since: number;
}

const subscribeNothing = (): (() => void) => () => undefined;
const safeHost = (url: string): string => {
  try {
    return hostOf(url);
  } catch {
    return "";
  }
};

/** `srcSet` for candidate `url`: as given on the first CDN, mapped to S3 on S3, left out elsewhere. */
function srcSetFor(edge: Edge, srcSet: string | undefined, url: string, first: string | undefined): string | undefined {
  if (srcSet === undefined || url === first) return srcSet;
  if (edge.sourceOf(url) !== "s3") return undefined;
  let complete = true;
  const mapped = mapSrcset(srcSet, (u) => {
    const key = edge.sourceOf(u) === "cdn" ? edge.keyOf(u) : undefined;
    if (key === undefined) return undefined;
    try {
      return edge.s3Url(key);
    } catch {
      complete = false; // a presign origin: no synchronous S3 URL for this size
      return undefined;
    }
  });
  return complete ? (mapped ?? srcSet) : undefined;
}

/** An `<img>` for `objectKey` that survives a CDN outage (see the module documentation). */
export const EdgeImage = forwardRef<HTMLImageElement, EdgeImageProps>(function EdgeImage(props, ref): ReactElement {
  const { objectKey, query, edge: edgeProp, srcSet, onLoad, onError, ...rest } = props;
  const { edge, checker } = useEdgeContext(edgeProp);
  const img = useRef<HTMLImageElement>(null);
  useImperativeHandle(ref, () => img.current as HTMLImageElement, []);
  const hydrating = useSyncExternalStore(
    subscribeNothing,
    () => false,
    () => true,
  );
  const id = `${objectKey}\n${query === undefined ? "" : JSON.stringify(query)}`;
  const [stored, setAttempt] = useState<Attempt>(() => ({
    key: objectKey,
    id,
    urls: undefined,
    index: 0,
    since: Date.now(),
  }));
  let attempt = stored;
  if (attempt.id !== id || (attempt.urls === undefined && !hydrating)) {
    // A new key, or the first client render: take the candidates now, once.
    attempt = {
      key: objectKey,
      id,
      urls: hydrating ? undefined : edge.urls(objectKey, query),
      index: 0,
      since: Date.now(),
    };
    setAttempt(attempt);
  }
  const url = attempt.urls?.[attempt.index] ?? edge.cdnUrl(objectKey, query);
  const last = attempt.urls === undefined || attempt.index >= attempt.urls.length - 1;

  // The latest values for the effect's callbacks, without re-running it on every render.
  const live = useRef({ attempt, url, last });
  live.current = { attempt, url, last };

  const fail = (reason: FallbackReason, status?: number): void => {
    const { attempt: a, url: failed, last: isLast } = live.current;
    if (reason !== "circuit-open") edge.report(failed, false, status ? String(status) : reason);
    if (isLast || a.urls === undefined) return;
    let next = a.index + 1;
    // Skip candidates whose breaker opened since the list was taken (S3, the last, is always tried).
    while (next < a.urls.length - 1 && !edge.health.usable(safeHost(a.urls[next] ?? ""))) next++;
    const to = a.urls[next] ?? "";
    edge.notify({
      key: a.key,
      from: safeHost(failed),
      to: safeHost(to),
      reason,
      ...(status ? { status } : {}),
      elapsedMs: Date.now() - a.since,
    });
    setAttempt({ ...a, index: next });
  };
  const loaded = (): void => {
    const loadedUrl = live.current.url;
    const host = safeHost(loadedUrl);
    if (edge.sourceOf(loadedUrl) !== "cdn") return edge.report(loadedUrl, true);
    checker.check(img.current?.currentSrc || loadedUrl, host, (result) => {
      if (live.current.url !== loadedUrl) return;
      if (result === undefined) edge.report(loadedUrl, true);
      else fail("status", result || undefined);
    });
  };
  const handlers = useRef({ fail, loaded });
  handlers.current = { fail, loaded };

  useEffect(() => {
    const element = img.current;
    if (element === null || hydrating) return;
    const host = safeHost(url);
    // Failed or loaded before hydration: no event will come.
    if (element.complete && element.getAttribute("src") === url) {
      if (element.naturalWidth === 0) handlers.current.fail("network");
      else handlers.current.loaded();
      return;
    }
    const timer = setTimeout(() => {
      if (!element.complete) handlers.current.fail("timeout");
    }, edge.timeoutMs);
    // Chromium never frees a hung host's connections: move as soon as its breaker opens.
    const off = edge.health.subscribe((status) => {
      if (status.host === host && status.state === "open" && !element.complete) handlers.current.fail("circuit-open");
    });
    return () => {
      clearTimeout(timer);
      off();
    };
  }, [url, hydrating, edge]);

  return createElement("img", {
    ...rest,
    ref: img,
    src: url,
    srcSet: srcSetFor(edge, srcSet, url, attempt.urls?.[0] ?? url),
    "data-s3edge-react": "",
    suppressHydrationWarning: true,
    onLoad(event: SyntheticEvent<HTMLImageElement>) {
      handlers.current.loaded();
      onLoad?.(event);
    },
    onError(event: SyntheticEvent<HTMLImageElement>) {
      handlers.current.fail("network");
      onError?.(event);
    },
  });
});
