/**
 * Keeping `autoFallback` off a healthy page's critical path: the work an image
 * that loads fine never needs (latency bookkeeping, persisting, the routine
 * placeholder check) waits until the page is idle.
 */

type IdleCallback = (task: () => void, options: { timeout: number }) => number;

/**
 * Run `task` once the page is idle (at most `timeoutMs` later), or after a short
 * delay where `requestIdleCallback` is missing (Safari before 18).
 */
export function whenIdle(task: () => void, timeoutMs = 1000): void {
  const idle = (globalThis as { requestIdleCallback?: IdleCallback }).requestIdleCallback;
  if (typeof idle === "function") idle(() => task(), { timeout: timeoutMs });
  else setTimeout(task, 50);
}

/**
 * Run `task` once the page has loaded (its `load` event: every image of the
 * first render is in) and is idle, or `maxMs` from now if `load` takes longer
 * (a resource of the page hangs).
 */
export function afterLoad(task: () => void, maxMs = 5000): void {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    whenIdle(task);
  };
  const timer = setTimeout(once, maxMs);
  if (document.readyState === "complete") once();
  else addEventListener("load", once, { once: true });
}
