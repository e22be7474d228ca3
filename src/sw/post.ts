/**
 * Worker -> page messages: a `fallback` goes to the page whose request fell
 * back, a `recover` to every page the worker controls, so that RUM code on the
 * page sees what the worker did (see `onEdgeWorkerMessage`).
 */
import type { EdgeWorkerMessage } from "./types.js";

interface ClientLike {
  postMessage(message: unknown): void;
}
interface ClientsLike {
  get(id: string): Promise<ClientLike | undefined>;
  matchAll(): Promise<readonly ClientLike[]>;
}

/** The worker's `clients`, when this runs in a service worker. */
const clients = (): ClientsLike | undefined => {
  const found: unknown = Reflect.get(globalThis, "clients");
  return typeof found === "object" && found !== null && "matchAll" in found ? (found as ClientsLike) : undefined;
};

/** Post `message` to the client `id`, or to every client when `id` is undefined. Never throws. */
export function post(message: EdgeWorkerMessage, id?: string): void {
  const all = clients();
  if (all === undefined || id === "") return;
  const sent = id === undefined ? all.matchAll() : all.get(id).then((client) => (client ? [client] : []));
  sent
    .then((list) => {
      for (const client of list) client.postMessage(message);
    })
    .catch(() => undefined);
}
