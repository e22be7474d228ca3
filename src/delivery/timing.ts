/**
 * Latency of a resource the browser fetched itself (an `<img>`, a worker's
 * fetch), from Resource Timing: time to first byte (`responseStart -
 * startTime`) when the server allows it (`Timing-Allow-Origin` for a
 * cross-origin host), else the whole request (`duration`, always exposed).
 */

/** Time to first byte (or, without Timing-Allow-Origin, the request's duration) of the last fetch of `url`, in ms; undefined when unknown or served from cache. */
export function resourceLatency(url: string, since = 0): number | undefined {
  try {
    const entries = globalThis.performance?.getEntriesByName?.(url, "resource") as
      | PerformanceResourceTiming[]
      | undefined;
    const entry = entries?.[entries.length - 1];
    if (entry === undefined || entry.startTime < since) return undefined;
    // A cache hit (no bytes over the network) says nothing about the host.
    if (entry.transferSize === 0 && entry.decodedBodySize > 0) return undefined;
    if (entry.responseStart > 0) return entry.responseStart - entry.startTime;
    return entry.duration > 0 ? entry.duration : undefined;
  } catch {
    return undefined;
  }
}
