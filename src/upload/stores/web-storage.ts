/**
 * Resume store in `localStorage` (the browser default): one entry per upload
 * under a prefix. A record holds the upload token and part ETags, never a
 * signed URL. Unavailable storage (private mode, quota) degrades to no resume.
 */
import type { ResumeRecord, ResumeStore } from "../types.js";

/** A {@link ResumeStore} over a Web `Storage` (default `localStorage`). */
export function webStorageStore(storage?: Storage, prefix = "s3edge:upload:"): ResumeStore {
  const area = (): Storage | undefined => {
    try {
      return storage ?? globalThis.localStorage;
    } catch {
      return undefined; // Access can throw (sandboxed iframes, blocked cookies).
    }
  };
  const read = (name: string): ResumeRecord | undefined => {
    try {
      const json = area()?.getItem(name);
      return json ? (JSON.parse(json) as ResumeRecord) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    get: async (fingerprint) => read(prefix + fingerprint),
    set: async (record) => {
      try {
        area()?.setItem(prefix + record.fingerprint, JSON.stringify(record));
      } catch {
        // Quota exceeded: the upload goes on, it just cannot be resumed after a reload.
      }
    },
    remove: async (fingerprint) => {
      try {
        area()?.removeItem(prefix + fingerprint);
      } catch {
        // Nothing to do.
      }
    },
    list: async () => {
      const s = area();
      const out: ResumeRecord[] = [];
      for (let i = 0; s && i < s.length; i++) {
        const name = s.key(i);
        const record = name?.startsWith(prefix) ? read(name) : undefined;
        if (record) out.push(record);
      }
      return out;
    },
  };
}
