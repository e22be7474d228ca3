/**
 * The `<head>` image script, `dist/s3edge-img.global.js` (global `S3Edge.autoFallback`): rewrites
 * images of a CDN known to be down before their request, and loads the full implementation,
 * `dist/s3edge-img-full.global.js` (from `img-full.global.ts`), without blocking. No ky, no uploader.
 */
export { autoFallback } from "./dom/head.js";
