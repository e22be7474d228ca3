/** Resume store in memory: survives pause/resume and a dropped uploader, not a reload. */
import type { ResumeRecord, ResumeStore } from "../types.js";

/** A {@link ResumeStore} kept in a Map (records are copied in and out). */
export function memoryStore(): ResumeStore {
  const records = new Map<string, string>();
  return {
    get: async (fingerprint) => {
      const json = records.get(fingerprint);
      return json === undefined ? undefined : (JSON.parse(json) as ResumeRecord);
    },
    has: (fingerprint) => records.has(fingerprint),
    set: async (record) => void records.set(record.fingerprint, JSON.stringify(record)),
    remove: async (fingerprint) => void records.delete(fingerprint),
    list: async () => [...records.values()].map((json) => JSON.parse(json) as ResumeRecord),
  };
}
