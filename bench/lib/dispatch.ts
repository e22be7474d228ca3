/**
 * Connection control for Node's fetch: fresh (cold) or kept-alive (warm)
 * connections per host, through undici `Agent`s. Node 20 bundles undici
 * without exposing it; the global dispatcher's constructor is its `Agent`.
 */

/** The part of undici's Agent the bench uses. */
export interface Dispatcher {
  destroy(): Promise<void>;
}

type AgentClass = new (options?: Record<string, unknown>) => Dispatcher;

let agentClass: AgentClass | undefined;

/** undici's Agent class (makes one throwaway request to instantiate the global dispatcher). */
export async function undiciAgent(): Promise<AgentClass> {
  if (agentClass) return agentClass;
  const key = Symbol.for("undici.globalDispatcher.1");
  if (!(globalThis as Record<symbol, unknown>)[key]) await fetch("http://127.0.0.1:1/").catch(() => undefined);
  const global = (globalThis as Record<symbol, unknown>)[key];
  if (!global || typeof global !== "object") throw new Error("bench: cannot find Node's undici dispatcher");
  agentClass = (global as { constructor: AgentClass }).constructor;
  return agentClass;
}

/** A `fetch` that sends each request through the dispatcher `pick` chooses for its URL. */
export function routedFetch(pick: (url: URL) => Dispatcher): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return fetch(input, { ...init, dispatcher: pick(url) } as RequestInit);
  };
}
