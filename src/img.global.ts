/**
 * The `<head>` image script: `dist/s3edge-img.global.js` sets `S3Edge.autoFallback`
 * and nothing else: no ky, no uploader. The full `s3edge.global.js` has it too.
 */
export { autoFallback } from "./dom/auto-fallback.js";
