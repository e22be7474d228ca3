/**
 * Page side of the worker: the `fallback` and `recover` events the worker
 * posts (see `post.ts`), for RUM code on the page. Health itself needs nothing
 * here: verdicts travel over the `s3edge-health` BroadcastChannel that
 * `browserHealthStore()` (the default of `autoFallback` and `createEdge` in
 * browsers) listens to.
 */
import type { EdgeWorkerMessage } from "./types.js";

const isMessage = (data: unknown): data is EdgeWorkerMessage =>
  typeof data === "object" &&
  data !== null &&
  "s3edge" in data &&
  (data.s3edge === "fallback" || data.s3edge === "recover") &&
  "event" in data;

/**
 * Listen, in a page, to what the s3edge worker controlling it does: `fallback`
 * (a request of this page answered by another host, with its reason) and
 * `recover` (a CDN came back). Returns the function that stops listening; does
 * nothing where service workers are not available.
 *
 * @example
 * onEdgeWorkerMessage((m) => m.s3edge === "fallback" && rum.track("cdn-fallback", m.event));
 */
export function onEdgeWorkerMessage(listener: (message: EdgeWorkerMessage) => void): () => void {
  const container = typeof navigator === "undefined" ? undefined : navigator.serviceWorker;
  if (container === undefined) return () => undefined;
  const handler = (event: MessageEvent): void => {
    if (isMessage(event.data)) listener(event.data);
  };
  container.addEventListener("message", handler);
  // Messages wait in a queue until the page starts it (or its `load`).
  container.startMessages();
  return () => container.removeEventListener("message", handler);
}
