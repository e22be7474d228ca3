/** Browser (and any Web runtime) wiring: XHR for progress where it exists, localStorage for resume. */
import type { Platform } from "./context.js";
import { commonSource, refuse } from "./sources/index.js";
import { webStorageStore } from "./stores/web-storage.js";
import { fetchTransport } from "./transports/fetch.js";
import { xhrTransport } from "./transports/xhr.js";

/** The default platform of the uploader (browsers, workers, Deno, Bun). */
export const webPlatform: Platform = {
  toSource(input, options) {
    return commonSource(input, options) ?? refuse(input);
  },
  transport: (fetchImpl) =>
    !fetchImpl && typeof XMLHttpRequest !== "undefined" ? xhrTransport() : fetchTransport(fetchImpl),
  store: () =>
    typeof localStorage !== "undefined"
      ? webStorageStore(
          undefined,
          // IndexedDB code is loaded only when a record outgrows localStorage.
          typeof indexedDB !== "undefined"
            ? { spill: () => import("./stores/indexed-db.js").then((m) => m.indexedDbStore()) }
            : {},
        )
      : undefined,
  onLine: () =>
    typeof navigator !== "undefined" && typeof navigator.onLine === "boolean" ? navigator.onLine : undefined,
  offline: () =>
    typeof navigator !== "undefined" && navigator.onLine === false && typeof addEventListener === "function"
      ? new Promise<void>((resolve) => addEventListener("online", () => resolve(), { once: true }))
      : undefined,
};
