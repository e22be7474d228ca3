/**
 * The `<script>` build: `dist/s3edge.global.js` sets `window.S3Edge` with the
 * browser client (ky bundled in) and `autoFallback` for `<img>`.
 */
export * from "./index.js";
export { autoFallback } from "./dom/auto-fallback.js";
