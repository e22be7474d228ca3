// The service worker of index.html: serve it from the site's root so that it controls every page.
// Without a bundler: the ready-made script, then one call. (Or register
// "/s3edge-sw.js?cdn=...&bucket=...&region=...&cors=1" directly and skip this file.)
importScripts("/s3edge-sw.js");

const fallback = S3Edge.registerEdgeFallback({
  cdn: "https://cdn.example.com",
  origin: { bucket: "media", region: "eu-west-1" },
  // The CDN and the bucket send Access-Control-Allow-Origin on every answer, errors included:
  // statuses of plain <img>/CSS/<video> requests are visible, and videos seek on from S3.
  cors: true,
  timeoutMs: 3000,
});
fallback.on("fallback", (e) => console.info(`s3edge: ${e.url} ${e.from} -> ${e.to} (${e.reason})`));

// Take control of open pages as soon as this worker is active (the first visit's later requests).
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
