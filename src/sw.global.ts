/**
 * The ready-made worker script, `dist/s3edge-sw.js` (global `S3Edge` in the
 * worker): registered with its options in its query string it handles the
 * CDN's requests at once, e.g.
 * `navigator.serviceWorker.register("/s3edge-sw.js?cdn=https://cdn.example.com&bucket=media&region=eu-west-1")`;
 * loaded with `importScripts("/s3edge-sw.js")` by a worker whose own URL names
 * no `cdn`, it does nothing until `S3Edge.registerEdgeFallback({...})` is called.
 */
import { optionsFromQuery } from "./sw/query.js";
import { registerEdgeFallback } from "./sw/register.js";

export { registerEdgeFallback };

const options = typeof location === "undefined" ? undefined : optionsFromQuery(location.search);
if (options !== undefined) registerEdgeFallback(options);
