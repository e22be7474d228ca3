/**
 * `<EdgeProvider edge={…}>`: the edge (and its placeholder checker) that
 * `<EdgeImage>` and `useEdgeUrl` use below it, so one breaker serves the whole tree.
 */
import { createContext, createElement, useContext, useMemo, type ReactNode } from "react";
import { ConfigError } from "../core/errors.js";
import { durationOption, fallbackPredicate } from "../delivery/options.js";
import type { Edge } from "../delivery/types.js";
import { afterLoad } from "../dom/schedule.js";
import { createStatusChecker, DEFAULT_STATUS_CHECK_MS, type StatusChecker } from "../dom/status.js";

/** What the provider shares. */
export interface EdgeContextValue {
  edge: Edge;
  /** Placeholder detection for images loaded from a CDN (see `statusCheckMs`). */
  checker: StatusChecker;
  /** Whether a status makes a loaded image count as failed. */
  isFallback: (status: number) => boolean;
}

const EdgeContext = createContext<EdgeContextValue | undefined>(undefined);

/** Props of {@link EdgeProvider}. */
export interface EdgeProviderProps {
  /** The edge from `createEdge` (module scope or `useState`: keep it stable). */
  edge: Edge;
  /** Statuses that make a loaded image count as failed (a placeholder sent with a 5xx); default 500-599. */
  fallbackStatuses?: number[] | ((status: number) => boolean);
  /** At most one CORS `HEAD` check per CDN host per this long while it looks healthy (default 10 s; 0: no checks). See `autoFallback`. */
  statusCheckMs?: number;
  children?: ReactNode;
}

/** The default fallback statuses: 500-599. */
const defaultFallback = fallbackPredicate(undefined);

/**
 * The placeholder checker of one tree. A routine check (nothing in doubt) waits for the page's
 * `load` event and an idle moment, at most the edge's `timeoutMs`, as `autoFallback`'s does: a
 * healthy page spends nothing on it before its images show. A check with a reason to doubt goes at once.
 */
function checkerOf(edge: Edge, isFallback: (status: number) => boolean, intervalMs: number): StatusChecker {
  return createStatusChecker(edge.health, isFallback, intervalMs, Date.now, (run) => afterLoad(run, edge.timeoutMs));
}

/** Provide an edge to the `<EdgeImage>`s and `useEdgeUrl`s below. */
export function EdgeProvider({
  edge,
  fallbackStatuses,
  statusCheckMs = DEFAULT_STATUS_CHECK_MS,
  children,
}: EdgeProviderProps): ReactNode {
  const value = useMemo((): EdgeContextValue => {
    const isFallback = fallbackPredicate(fallbackStatuses, "EdgeProvider");
    const interval = durationOption("EdgeProvider", "statusCheckMs", statusCheckMs, DEFAULT_STATUS_CHECK_MS, true);
    return { edge, isFallback, checker: checkerOf(edge, isFallback, interval) };
  }, [edge, fallbackStatuses, statusCheckMs]);
  return createElement(EdgeContext.Provider, { value }, children);
}

/** The provider's value; `edge` overrides the provider's edge (with a checker of its own). */
export function useEdgeContext(edge?: Edge): EdgeContextValue {
  const provided = useContext(EdgeContext);
  const own = useMemo(
    () =>
      edge === undefined || edge === provided?.edge
        ? undefined
        : {
            edge,
            isFallback: defaultFallback,
            checker: checkerOf(edge, defaultFallback, DEFAULT_STATUS_CHECK_MS),
          },
    [edge, provided],
  );
  const value = own ?? provided;
  if (value === undefined) {
    throw new ConfigError(
      "edge",
      "s3edge/react: no edge; wrap the tree in <EdgeProvider edge={createEdge(...)}> or pass edge={...}",
    );
  }
  return value;
}

/** The edge of the nearest `<EdgeProvider>`. */
export function useEdge(): Edge {
  return useEdgeContext().edge;
}
