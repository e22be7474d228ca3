/**
 * Resume store on disk (the Node default): one JSON file per upload in the
 * user's cache folder, written atomically (temp file + rename) so that a crash
 * mid-write never leaves a torn record.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ResumeRecord, ResumeStore } from "../types.js";

/** The OS cache folder for s3edge: $XDG_CACHE_HOME, ~/Library/Caches, %LOCALAPPDATA% or ~/.cache. */
export function defaultCacheDir(): string {
  const env = process.env;
  if (process.platform === "win32" && env["LOCALAPPDATA"]) return join(env["LOCALAPPDATA"], "s3edge", "uploads");
  if (process.platform === "darwin") return join(homedir(), "Library", "Caches", "s3edge", "uploads");
  return join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "s3edge", "uploads");
}

/** A {@link ResumeStore} writing JSON files under `dir` (default {@link defaultCacheDir}). */
export function fileStore(dir: string = defaultCacheDir()): ResumeStore {
  const file = (fingerprint: string): string =>
    join(dir, `${createHash("sha256").update(fingerprint).digest("hex").slice(0, 32)}.json`);
  // Records are returned unchecked: the uploader validates them (and discards malformed ones).
  const read = async (path: string): Promise<ResumeRecord | undefined> => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      return undefined;
    }
    try {
      return JSON.parse(text) as ResumeRecord;
    } catch {
      await rm(path, { force: true }).catch(() => undefined); // torn or foreign: nothing to resume from
      return undefined;
    }
  };
  return {
    get: async (fingerprint) => {
      const record = await read(file(fingerprint));
      // A record of another fingerprint under this name is not this upload's.
      const other = typeof record?.fingerprint === "string" && record.fingerprint !== fingerprint;
      return other ? undefined : record;
    },
    async set(record) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const target = file(record.fingerprint);
      const temp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(temp, JSON.stringify(record), { mode: 0o600 });
      await rename(temp, target);
    },
    remove: (fingerprint) => rm(file(fingerprint), { force: true }),
    async list() {
      const names = await readdir(dir).catch(() => [] as string[]);
      const records = await Promise.all(names.filter((n) => n.endsWith(".json")).map((n) => read(join(dir, n))));
      return records.filter((r): r is ResumeRecord => r !== undefined);
    },
  };
}
