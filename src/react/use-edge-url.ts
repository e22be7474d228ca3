/**
 * `useEdgeUrl(key)`: the URL to use for `key` right now, re-rendering when the
 * breaker changes its mind (a CDN found down, or back).
 */
import { useCallback, useSyncExternalStore } from "react";
import type { Edge, EdgeQuery } from "../delivery/types.js";
import { useEdgeContext } from "./edge-context.js";

/** The first candidate of `key` now: a CDN whose breaker lets requests through, else S3. */
export const bestUrl = (edge: Edge, key: string, query?: EdgeQuery): string =>
  edge.urls(key, query)[0] ?? edge.cdnUrl(key, query);

/**
 * The URL of `key` to use now: the first CDN whose breaker is closed, else S3.
 * The server (and hydration) render the CDN URL; the client switches to S3 right
 * after hydration when the (persisted) breaker says the CDN is down. It updates
 * when a breaker opens or closes (not when a cool-down merely ends).
 */
export function useEdgeUrl(key: string, query?: EdgeQuery, edge?: Edge): string {
  const { edge: e } = useEdgeContext(edge);
  const q = query === undefined ? "" : JSON.stringify(query);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `q` stands for `query`'s content.
  const client = useCallback(() => bestUrl(e, key, query), [e, key, q]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: as above.
  const server = useCallback(() => e.cdnUrl(key, query), [e, key, q]);
  return useSyncExternalStore(e.health.subscribe, client, server);
}
