/**
 * Breaker verdicts kept in IndexedDB: the worker has no `localStorage`. One
 * record per host in the `verdicts` store of the `s3edge-health` database.
 * Nothing here throws: without IndexedDB (private modes, a refused open) the
 * verdicts are simply not kept.
 */

/** Where the worker keeps verdicts between its restarts. */
export interface VerdictPersistence {
  /** Every record kept (raw: they are checked by the caller). */
  load(): Promise<unknown[]>;
  /** Keep `record` under `host`, replacing the one before. */
  put(host: string, record: unknown): Promise<void>;
  /** Forget the record of `host`. */
  remove(host: string): Promise<void>;
}

const STORE = "verdicts";

/** Run one request in a transaction; resolves with its result, or undefined on any failure. */
function run<T>(
  db: Promise<IDBDatabase | undefined>,
  mode: IDBTransactionMode,
  make: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T | undefined> {
  return db.then(
    (opened) =>
      new Promise<T | undefined>((resolve) => {
        try {
          if (opened === undefined) return resolve(undefined);
          const request = make(opened.transaction(STORE, mode).objectStore(STORE));
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => resolve(undefined);
        } catch {
          resolve(undefined);
        }
      }),
  );
}

/** The IndexedDB {@link VerdictPersistence} (database `name`, default `s3edge-health`). */
export function idbPersistence(name = "s3edge-health"): VerdictPersistence {
  const db = new Promise<IDBDatabase | undefined>((resolve) => {
    try {
      const open = indexedDB.open(name, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => resolve(undefined);
      open.onblocked = () => resolve(undefined);
    } catch {
      resolve(undefined);
    }
  });
  return {
    load: () => run(db, "readonly", (store) => store.getAll()).then((all) => all ?? []),
    put: (host, record) => run(db, "readwrite", (store) => store.put(record, host)).then(() => undefined),
    remove: (host) => run(db, "readwrite", (store) => store.delete(host)).then(() => undefined),
  };
}
