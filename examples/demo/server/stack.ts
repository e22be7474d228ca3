/**
 * Everything behind the demo page, on one machine, with geography you can feel:
 *
 *   browser ──20 ms RTT──> CDN (nginx caching proxy) ──> S3 (s3rver + SigV4 front)
 *   browser ──150 ms RTT──────────────────────────────> S3
 *
 * Both round trips come from the latency proxy of test/support (TCP-level, so the
 * CDN's and S3's answers, resets and silences reach the browser as they are). The
 * RTTs come from S3EDGE_DEMO_CDN_RTT_MS and S3EDGE_DEMO_S3_RTT_MS.
 */
import { startEdge, type Edge } from "../../../test/support/edge.js";
import { startLatencyProxy, type LatencyProxy } from "../../../test/support/latency-proxy.js";
import { startS3Fixture, type S3Fixture } from "../../../test/support/s3/fixture.js";
import { DNS_FAILURE_HOST, EDGE_MODES, type DemoMode } from "./modes.js";
import { startS3Front } from "./s3-front.js";

/** The running parts and what the page needs to know about them. */
export interface Stack {
  s3: S3Fixture;
  edge: Edge;
  /** Browser-facing S3 endpoint (through the S3 latency proxy). */
  s3Endpoint: string;
  /** CDN base URL (through the CDN latency proxy), bucket included. */
  cdn: string;
  /** The same CDN under a host name that does not resolve (`.invalid`, RFC 6761). */
  cdnUnresolvable: string;
  rtt: { cdnMs: number; s3Ms: number };
  mode(): DemoMode;
  setMode(mode: DemoMode): Promise<void>;
  close(): Promise<void>;
}

function rttFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a number of ms >= 0, got ${JSON.stringify(raw)}`);
  return value;
}

/** Starts S3, the edge and both latency proxies. */
export async function startStack(bucket: string): Promise<Stack> {
  const rtt = { cdnMs: rttFromEnv("S3EDGE_DEMO_CDN_RTT_MS", 20), s3Ms: rttFromEnv("S3EDGE_DEMO_S3_RTT_MS", 150) };
  const s3 = await startS3Fixture({ bucket });
  const closers: Array<() => Promise<void>> = [() => s3.close()];
  try {
    // The edge reaches its origin directly (a CDN's backbone), the browser through a proxy.
    const edge = await startEdge({ origin: s3.endpoint });
    closers.unshift(() => edge.close());
    const front = await startS3Front(s3.endpoint);
    closers.unshift(() => front.close());
    const s3Proxy: LatencyProxy = await startLatencyProxy({ target: `127.0.0.1:${front.port}`, rttMs: rtt.s3Ms });
    closers.unshift(() => s3Proxy.close());
    const cdnProxy: LatencyProxy = await startLatencyProxy({ target: `127.0.0.1:${edge.port}`, rttMs: rtt.cdnMs });
    closers.unshift(() => cdnProxy.close());
    let mode: DemoMode = "healthy";
    return {
      s3,
      edge,
      s3Endpoint: s3Proxy.url,
      cdn: `${cdnProxy.url}/${bucket}`,
      cdnUnresolvable: `http://${DNS_FAILURE_HOST}:${cdnProxy.port}/${bucket}`,
      rtt,
      mode: () => mode,
      async setMode(next) {
        await edge.setMode(EDGE_MODES[next]);
        // Each mode starts from a cold edge cache, so "healthy" after a fault shows MISS, then HIT.
        await edge.purge();
        mode = next;
      },
      async close() {
        for (const close of closers) await close().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}
