/**
 * A service worker built with Workbox, as an app would write it (bundled by the Chromium suite
 * with esbuild): a typical `CacheFirst` route for images with the s3edge fallback as its plugin,
 * and the fallback as the handler of every other CDN request. Options come from the query string.
 */
import { registerRoute } from "workbox-routing";
import { CacheFirst } from "workbox-strategies";
import { registerEdgeFallback, workboxPlugin } from "../../../src/sw.js";

const q = new URLSearchParams(location.search);
const fallback = registerEdgeFallback({
  cdn: q.get("cdn") ?? "",
  origin: { endpoint: q.get("endpoint") ?? "", bucket: q.get("bucket") ?? "" },
  cors: true,
  timeoutMs: 1000,
  listen: false,
});

// Images (and CSS images): cached first; the network step goes CDN-first with fallback.
registerRoute(
  ({ request }) => request.destination === "image" && fallback.match(request),
  new CacheFirst({ cacheName: "images", plugins: [workboxPlugin(fallback)] }),
);
// Every other CDN request (fonts, media, fetch()): the fallback alone, no caching.
registerRoute(({ request }) => fallback.match(request), fallback.handler);

addEventListener("install", () => {
  const skip: unknown = Reflect.get(globalThis, "skipWaiting");
  if (typeof skip === "function") void skip.call(globalThis);
});
addEventListener("activate", () => {
  const clients: { claim?: () => Promise<void> } | undefined = Reflect.get(globalThis, "clients");
  void clients?.claim?.();
});
