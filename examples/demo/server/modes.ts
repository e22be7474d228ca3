/**
 * The CDN faults the demo can switch on, each named in plain words. Shared by the
 * server (which switches the nginx edge) and the page (which lists them).
 */
import type { EdgeMode } from "../../../test/support/edge.js";

/** The demo's modes, in the order the page lists them. */
export const DEMO_MODES = ["healthy", "refused", "dns", "503", "503-image", "hang", "slow", "flapping"] as const;
export type DemoMode = (typeof DEMO_MODES)[number];

/** A host name that never resolves (RFC 6761 reserves `.invalid`): the page's CDN URL in "dns" mode. */
export const DNS_FAILURE_HOST = "cdn.s3edge-demo.invalid";

/** What the nginx edge does in each mode ("dns" keeps it healthy: the page cannot find it). */
export const EDGE_MODES: Record<DemoMode, EdgeMode> = {
  healthy: "healthy",
  refused: "stopped",
  dns: "healthy",
  "503": { status: 503 },
  "503-image": { status: 503, body: "image" },
  hang: "hang",
  slow: { slowBytesPerSecond: 64 * 1024 },
  flapping: { flapMs: 6_000 },
};

export function isDemoMode(value: string): value is DemoMode {
  return (DEMO_MODES as readonly string[]).includes(value);
}
