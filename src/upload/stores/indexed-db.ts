/**
 * Resume store in IndexedDB: for records too large for localStorage (an upload
 * of thousands of parts), written off the main thread's synchronous path.
 */
import type { ResumeRecord, ResumeStore } from "../types.js";

const STORE = "uploads";

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** A {@link ResumeStore} in the IndexedDB database `name` (object store "uploads", keyed by fingerprint). */
export function indexedDbStore(name = "s3edge"): ResumeStore {
  let db: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> => {
    if (!db) {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "fingerprint" });
      db = request(req);
    }
    return db;
  };
  const run = async <T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> =>
    request(fn((await open()).transaction(STORE, mode).objectStore(STORE)));
  return {
    get: async (fingerprint) => (await run("readonly", (s) => s.get(fingerprint))) as ResumeRecord | undefined,
    set: async (record) => void (await run("readwrite", (s) => s.put(record))),
    remove: async (fingerprint) => void (await run("readwrite", (s) => s.delete(fingerprint))),
    list: async () => (await run("readonly", (s) => s.getAll())) as ResumeRecord[],
  };
}
