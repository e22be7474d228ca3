/**
 * Resume store in `localStorage` (the browser default): one entry per upload
 * under a prefix. A record holds the upload token and part ETags, never a
 * signed URL. A record larger than `maxEntryChars`, or one localStorage
 * refuses (quota), goes to the `spill` store instead (the browser default
 * spills to IndexedDB), leaving a small marker under its name so that looking
 * up or removing any other record never opens the spill store (an IndexedDB
 * open and transaction before each upload's `create`); with no spill store,
 * resume degrades to none.
 */
import type { ResumeRecord, ResumeStore } from "../types.js";

/**
 * The part of the Web Storage API the store uses (`localStorage`, `sessionStorage`, or any
 * object with these members): declared here so that Node-only type checks need no DOM types.
 */
export interface WebStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Options of {@link webStorageStore}. */
export interface WebStorageStoreOptions {
  /** Key prefix. Default `"s3edge:upload:"`. */
  prefix?: string;
  /** Records whose JSON is longer go to `spill`. Default 100,000 characters (about 1,300 parts). */
  maxEntryChars?: number;
  /** Where large records go (e.g. `indexedDbStore()`). */
  spill?: ResumeStore | (() => Promise<ResumeStore>);
}

/** A {@link ResumeStore} over a Web Storage (default `localStorage`), spilling large records. */
export function webStorageStore(storage?: WebStorage, options: WebStorageStoreOptions = {}): ResumeStore {
  const prefix = options.prefix ?? "s3edge:upload:";
  const max = options.maxEntryChars ?? 100_000;
  let spilled: Promise<ResumeStore | undefined> | undefined;
  const spill = (): Promise<ResumeStore | undefined> => {
    const s = options.spill;
    spilled ??= (typeof s === "function" ? s() : Promise.resolve(s)).catch(() => undefined);
    return spilled;
  };
  const area = (): WebStorage | undefined => {
    try {
      return storage ?? (globalThis as { localStorage?: WebStorage }).localStorage;
    } catch {
      return undefined; // Access can throw (sandboxed iframes, blocked cookies).
    }
  };
  /** What stays in the Web Storage for a record kept in the spill store. */
  const MARKER = '{"spilled":1}';
  const raw = (name: string): string | null | undefined => {
    try {
      return area()?.getItem(name);
    } catch {
      return undefined; // storage not accessible
    }
  };
  const spilledHere = (fingerprint: string): boolean => raw(prefix + fingerprint) === MARKER;
  // Records are returned unchecked: the uploader validates them (and discards malformed ones).
  const read = (name: string): ResumeRecord | undefined => {
    try {
      const json = area()?.getItem(name);
      if (!json) return undefined;
      try {
        return JSON.parse(json) as ResumeRecord;
      } catch {
        area()?.removeItem(name); // unparsable: nothing to resume from
        return undefined;
      }
    } catch {
      return undefined; // storage not accessible
    }
  };
  return {
    // No entry (or no storage: then `get` finds nothing either) means no record; a marker means one is spilled.
    has: (fingerprint) => typeof raw(prefix + fingerprint) === "string",
    get: async (fingerprint) =>
      spilledHere(fingerprint) ? (await spill())?.get(fingerprint).catch(() => undefined) : read(prefix + fingerprint),
    set: async (record) => {
      const json = JSON.stringify(record);
      const name = prefix + record.fingerprint;
      if (json.length <= max) {
        try {
          const wasSpilled = raw(name) === MARKER;
          area()?.setItem(name, json);
          if (wasSpilled) await (await spill())?.remove(record.fingerprint);
          return;
        } catch {
          // Quota exceeded: spill, or go on without resume after a reload.
        }
      }
      try {
        const store = await spill();
        if (!store) return area()?.removeItem(name);
        await store.set(record);
        area()?.setItem(name, MARKER);
      } catch {
        // No resume for this one; the upload itself goes on.
      }
    },
    remove: async (fingerprint) => {
      try {
        const spilled = spilledHere(fingerprint);
        area()?.removeItem(prefix + fingerprint);
        if (spilled) await (await spill())?.remove(fingerprint);
      } catch {
        // Nothing to do.
      }
    },
    list: async () => {
      const s = area();
      const out: ResumeRecord[] = options.spill ? ((await (await spill())?.list().catch(() => [])) ?? []) : [];
      const names: string[] = [];
      for (let i = 0; s && i < s.length; i++) {
        const name = s.key(i);
        if (name?.startsWith(prefix)) names.push(name);
      }
      // Read after listing: reading removes unparsable entries, which shifts the indexes.
      for (const name of names) {
        const record = raw(name) === MARKER ? undefined : read(name); // a marker's record came from the spill store
        if (record) out.push(record);
      }
      return out;
    },
  };
}
