/**
 * The `<script>` build: `dist/s3edge.global.js` sets `window.S3Edge` with the
 * browser client (ky bundled in).
 */
export * from "./index.js";
