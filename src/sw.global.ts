/**
 * The ready-made worker script, `dist/s3edge-sw.js` (global `S3Edge` in the
 * worker). Registered with its options in its query string it handles the
 * CDN's requests, and takes control of open pages as soon as it is active
 * (`skipWaiting` + `clients.claim`), e.g.
 * `navigator.serviceWorker.register("/s3edge-sw.js?cdn=https://cdn.example.com&bucket=media&region=eu-west-1")`.
 * Loaded with `importScripts("/s3edge-sw.js")` by a worker whose own URL names
 * no `cdn`, it does nothing until `S3Edge.registerEdgeFallback({...})` is called
 * (`S3Edge.workboxPlugin(fallback)` for a Workbox strategy).
 */
import { optionsFromQuery } from "./sw/query.js";
import { registerEdgeFallback } from "./sw/register.js";

export { registerEdgeFallback };
// Several origins ordered by latency: `S3Edge.registerEdgeFallback({ ..., route: S3Edge.latencyRoute() })`.
export { latencyRoute } from "./sw/latency-route.js";
// For Workbox loaded with importScripts: `S3Edge.workboxPlugin(fallback)`.
export { workboxPlugin } from "./sw/workbox.js";

interface Extendable extends Event {
  waitUntil(promise: Promise<unknown>): void;
}

const options = typeof location === "undefined" ? undefined : optionsFromQuery(location.search);
if (options !== undefined) {
  registerEdgeFallback(options);
  addEventListener("install", () => {
    const skip: unknown = Reflect.get(globalThis, "skipWaiting");
    if (typeof skip === "function") void skip.call(globalThis);
  });
  addEventListener("activate", (event) => {
    const clients: { claim?: () => Promise<void> } | undefined = Reflect.get(globalThis, "clients");
    const claimed = clients?.claim?.();
    if (claimed && "waitUntil" in event) (event as Extendable).waitUntil(claimed);
  });
}
