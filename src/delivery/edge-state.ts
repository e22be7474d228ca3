/**
 * The observable side of an edge: the breaker status of each configured host
 * (`edge.getState()`/`subscribe`) and the `recover` event. Both come from the
 * breaker's own notifications, which the edge listens to only while someone
 * listens to it, so that a breaker shared by many edges does not keep
 * discarded edges alive.
 */
import type { HostHealth, HostStatus } from "../core/health.js";
import { createState, type Emitter, shallowEqual } from "../core/observable.js";
import type { Hosts } from "./hosts.js";
import type { EdgeEvents, EdgeHostStatus, EdgeState } from "./types.js";

/** What an edge exposes of its hosts' breakers. */
export interface EdgeStateView {
  /** Current statuses; the same object while nothing changed (breaker states also change with the clock). */
  getState(): EdgeState;
  subscribe(listener: (state: EdgeState) => void): () => void;
  /** Keep listening to the breaker while the listener `off` removes is registered; returns the idempotent remover. */
  hold(off: () => void): () => void;
}

/** Observe `health` for the hosts of `hosts`, emitting `recover` on `events`. */
export function createEdgeState(health: HostHealth, hosts: Hosts, events: Emitter<EdgeEvents>): EdgeStateView {
  /** Last status object per host: kept while equal, so that `hosts` compares element by element. */
  const last = new Map<string, EdgeHostStatus>();
  const statusOf = (host: string, source: EdgeHostStatus["source"]): EdgeHostStatus => {
    const next: EdgeHostStatus = { ...health.status(host), source };
    const previous = last.get(host);
    if (previous !== undefined && shallowEqual(previous, next)) return previous;
    last.set(host, next);
    return next;
  };
  let current: EdgeState = { hosts: [] };
  const getState = (): EdgeState => {
    const next = { hosts: hosts.all().map(([host, source]) => statusOf(host, source)) };
    if (!shallowEqual(current, next)) current = next;
    return current;
  };
  getState();
  // Breaker changes are discrete: delivered at once, never coalesced.
  const state = createState(current);

  const onHealth = (status: HostStatus): void => {
    if (hosts.sourceOf(`http://${status.host}`) === undefined) return;
    if (status.state === "closed") events.emit("recover", { host: status.host });
    state.set(getState());
  };
  let holders = 0;
  let release: (() => void) | undefined;
  const hold = (off: () => void): (() => void) => {
    if (holders++ === 0) release = health.subscribe(onHealth);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      off();
      if (--holders === 0) release?.();
    };
  };

  return { getState, subscribe: (listener) => hold(state.subscribe(listener)), hold };
}
