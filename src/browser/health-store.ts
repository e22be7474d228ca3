/**
 * Browser wiring of the persisted breaker (`core/health-store.ts`): verdicts
 * (and the hosts' latency estimates) in `localStorage`, shared with the other tabs through the `storage` event, and
 * through a `BroadcastChannel` with every other breaker of the origin: other
 * tabs, workers and service workers (which have no `localStorage`), and other
 * breakers of the same page (e.g. the `<head>` script's and the React app's,
 * two copies of the library). A verdict that arrives twice is taken once.
 * Nothing here throws.
 */
import {
  createHealthStore,
  type ChannelLike,
  type HealthStoreOptions,
  type StorageLike,
} from "../core/health-store.js";
import type { HealthStore } from "../core/health-types.js";

/**
 * `localStorage` when it can be read; undefined where touching it throws (storage disabled, workers,
 * SSR). Checked by a read, not a write: a write goes to the browser process and wakes every other tab's
 * `storage` listeners. Where writes fail later (Safari's old private mode, quota) the store catches
 * them and health stays page-local.
 */
function localStorageIfUsable(): StorageLike | undefined {
  try {
    const storage = globalThis.localStorage;
    storage.getItem("s3edge:probe");
    return storage;
  } catch {
    return undefined;
  }
}

function broadcastChannel(name: string): ChannelLike | undefined {
  try {
    const channel = new BroadcastChannel(name);
    // Node has BroadcastChannel too: never keep a process alive for it.
    (channel as { unref?: () => void }).unref?.();
    return {
      post: (message) => channel.postMessage(message),
      listen(listener) {
        const handler = (event: MessageEvent): void => listener(event.data);
        channel.addEventListener("message", handler);
        return () => channel.removeEventListener("message", handler);
      },
    };
  } catch {
    return undefined;
  }
}

/** Options of {@link browserHealthStore}: those of `createHealthStore` but the injected I/O. */
export type BrowserHealthStoreOptions = Omit<HealthStoreOptions, "storage" | "channel" | "watch">;

/**
 * The browser's {@link HealthStore}: breaker verdicts persisted in `localStorage`
 * (expiring with their cool-down) and shared across tabs, so that the next page
 * load and the other tabs skip a CDN this browser already found down. Pass it to
 * `createHostHealth({ store })`; `autoFallback` and `createEdge` use it by default
 * in browsers.
 */
export function browserHealthStore(options: BrowserHealthStoreOptions = {}): HealthStore {
  const storage = localStorageIfUsable();
  const watch: HealthStoreOptions["watch"] =
    storage && typeof addEventListener === "function"
      ? (listener) => {
          const handler = (event: StorageEvent): void => listener(event.key, event.newValue);
          addEventListener("storage", handler);
          return () => removeEventListener("storage", handler);
        }
      : undefined;
  const channel = broadcastChannel("s3edge-health");
  return createHealthStore({
    ...options,
    ...(storage && { storage }),
    ...(channel && { channel }),
    ...(watch && { watch }),
  });
}
