/**
 * Test-side access to the run-wide RGW: asks the broker (see broker.ts), which starts the cluster
 * on the first request of the run. Call it in `beforeAll` with a long hook timeout
 * ({@link RGW_START_TIMEOUT_MS}).
 */
import { inject } from "vitest";

import type { RgwInfo } from "./types.js";
import "./types.js";

/** Hook timeout for a `beforeAll` that may pay RGW's cold start (on a loaded 2-core machine). */
export const RGW_START_TIMEOUT_MS = 240_000;

async function call(method: "GET" | "POST", path: string): Promise<RgwInfo> {
  const base = inject("rgwBroker");
  if (!base)
    throw new Error("no RGW broker: add test/support/rgw/global-setup.ts to this vitest project's globalSetup");
  const response = await fetch(`${base}${path}`, { method, signal: AbortSignal.timeout(RGW_START_TIMEOUT_MS) });
  const body = (await response.json()) as RgwInfo | { error: string };
  if ("error" in body) throw new Error(`Ceph RGW is not available: ${body.error}`);
  return body;
}

/** The run's RGW (started now if it is the first request). */
export function connectRgw(): Promise<RgwInfo> {
  return call("GET", "/rgw");
}

/** Kills the run's radosgw and starts it again (same port; objects and multipart uploads survive). Other suites see a short outage. */
export function restartRgwGateway(): Promise<RgwInfo> {
  return call("POST", "/rgw/restart-gateway");
}
