/**
 * `dist/s3edge-img-full.global.js` (global `S3EdgeImages.autoFallback`): the full image fallback
 * that the `<head>` script loads without blocking. Also usable alone as a synchronous `<script>`.
 */
export { autoFallback } from "./dom/auto-fallback.js";
