import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  defaultCacheDir,
  fileStore,
  memoryStore,
  webStorageStore,
  type ResumeRecord,
  type ResumeStore,
  type WebStorage,
} from "../../../src/node.js";

const record = (fingerprint: string, parts = 0): ResumeRecord => ({
  v: 1,
  fingerprint,
  filename: "a.bin",
  size: 20,
  key: `uploads/${fingerprint}`,
  uploadId: `id-${fingerprint}`,
  token: "t",
  partSize: 5,
  expiresAt: Date.now() + 1000,
  createdAt: Date.now(),
  parts: Array.from({ length: parts }, (_, i) => ({ partNumber: i + 1, etag: `"e${i}"`, size: 5 })),
});

/** A Web Storage in memory, optionally with a quota in characters. */
class FakeStorage implements WebStorage {
  readonly #items = new Map<string, string>();
  constructor(readonly quota = Infinity) {}
  get length(): number {
    return this.#items.size;
  }
  key(i: number): string | null {
    return [...this.#items.keys()][i] ?? null;
  }
  getItem(k: string): string | null {
    return this.#items.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    const used = [...this.#items].reduce((n, [key, value]) => n + (key === k ? 0 : value.length), 0);
    if (used + v.length > this.quota) throw new DOMException("quota", "QuotaExceededError");
    this.#items.set(k, v);
  }
  removeItem(k: string): void {
    this.#items.delete(k);
  }
  clear(): void {
    this.#items.clear();
  }
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "s3edge-store-"));
  dirs.push(dir);
  return dir;
}

describe.each<[string, () => Promise<ResumeStore>]>([
  ["memoryStore", async () => memoryStore()],
  ["webStorageStore", async () => webStorageStore(new FakeStorage())],
  ["fileStore", async () => fileStore(join(await tempDir(), "nested", "uploads"))],
])("%s", (_name, make) => {
  it("keeps, replaces, lists and removes records by fingerprint", async () => {
    const store = await make();
    expect(await store.get("a")).toBeUndefined();
    expect(await store.list()).toEqual([]);
    await store.set(record("a"));
    await store.set(record("b"));
    const replaced = record("a", 2);
    await store.set(replaced);
    expect(await store.get("a")).toEqual(replaced);
    expect((await store.list()).map((r) => r.fingerprint).sort()).toEqual(["a", "b"]);
    await store.remove("a");
    await store.remove("never-there");
    expect(await store.get("a")).toBeUndefined();
    expect((await store.list()).map((r) => r.fingerprint)).toEqual(["b"]);
  });

  it("returns copies: changing a record after set() does not change what is stored", async () => {
    const store = await make();
    const r = record("c", 1);
    await store.set(r);
    r.parts.push({ partNumber: 2, etag: '"x"', size: 5 });
    expect((await store.get("c"))?.parts).toHaveLength(1);
  });
});

describe("webStorageStore", () => {
  it("keeps only its own prefixed entries and ignores foreign or corrupt ones", async () => {
    const storage = new FakeStorage();
    storage.setItem("other-app", "{}");
    storage.setItem("s3edge:upload:broken", "{not json");
    const store = webStorageStore(storage);
    await store.set(record("ok"));
    expect((await store.list()).map((r) => r.fingerprint)).toEqual(["ok"]);
    expect(storage.getItem("other-app")).toBe("{}");
    expect(storage.getItem("s3edge:upload:broken")).toBeNull(); // unparsable: removed
  });

  it("spills records that are too large, or refused, to the spill store, and finds them there", async () => {
    const storage = new FakeStorage(2_000);
    const spill = memoryStore();
    const store = webStorageStore(storage, { maxEntryChars: 1_000, spill });
    await store.set(record("small"));
    await store.set(record("large", 40)); // over maxEntryChars
    await store.set(record("small2", 8)); // fits the limit, but not the quota left
    expect(storage.getItem("s3edge:upload:small")).not.toBeNull();
    expect(storage.getItem("s3edge:upload:large")).toBe('{"spilled":1}'); // a marker: the record is in the spill store
    expect((await spill.get("large"))?.parts).toHaveLength(40);
    expect((await store.get("large"))?.parts).toHaveLength(40);
    expect((await store.list()).map((r) => r.fingerprint).sort()).toEqual(["large", "small", "small2"]);
    await store.remove("large");
    expect(await spill.get("large")).toBeUndefined();
  });

  it("opens the spill store only for records it holds: no IndexedDB before each upload's create", async () => {
    const storage = new FakeStorage();
    const spill = memoryStore();
    let opened = 0;
    const touched: string[] = [];
    const spy = {
      ...spill,
      get: (f: string) => {
        touched.push(`get ${f}`);
        return spill.get(f);
      },
      remove: (f: string) => {
        touched.push(`remove ${f}`);
        return spill.remove(f);
      },
    };
    const store = webStorageStore(storage, {
      maxEntryChars: 1_000,
      spill: async () => {
        opened++;
        return spy;
      },
    });
    expect(await store.get("never-stored")).toBeUndefined();
    await store.set(record("small"));
    expect((await store.get("small"))?.fingerprint).toBe("small");
    await store.remove("small");
    await store.remove("never-stored");
    expect([opened, touched]).toEqual([0, []]);

    await store.set(record("large", 40));
    expect((await store.get("large"))?.parts).toHaveLength(40);
    // The record shrinks back under the limit: it returns to localStorage and leaves the spill store.
    await store.set(record("large", 1));
    expect(await spill.get("large")).toBeUndefined();
    expect((await store.get("large"))?.parts).toHaveLength(1);
    expect(opened).toBe(1);
  });

  it("has() says synchronously whether a record (or a spilled record's marker) may be there", async () => {
    const storage = new FakeStorage();
    const store = webStorageStore(storage, { maxEntryChars: 1_000, spill: memoryStore() });
    expect(store.has?.("small")).toBe(false);
    await store.set(record("small"));
    await store.set(record("large", 40));
    expect([store.has?.("small"), store.has?.("large")]).toEqual([true, true]);
    await store.remove("large");
    expect(store.has?.("large")).toBe(false);
    const blocked = webStorageStore({
      ...storage,
      length: 0,
      key: () => null,
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => undefined,
      removeItem: () => undefined,
    });
    expect(blocked.has?.("small")).toBe(false); // no storage: get() finds nothing either
    const memory = memoryStore();
    await memory.set(record("m"));
    expect([memory.has?.("m"), memory.has?.("other")]).toEqual([true, false]);
  });

  it("degrades to no resume when storage is full, without failing the upload", async () => {
    const store = webStorageStore(new FakeStorage(10));
    await expect(store.set(record("big", 50))).resolves.toBeUndefined();
    expect(await store.get("big")).toBeUndefined();
  });
});

describe("fileStore", () => {
  it("writes atomically: one JSON file per upload, no temp file left behind", async () => {
    const dir = await tempDir();
    const store = fileStore(dir);
    await Promise.all([1, 2, 3, 4, 5].map((n) => store.set(record("same", n))));
    const names = await readdir(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^[0-9a-f]{32}\.json$/);
    const stored = JSON.parse(await readFile(join(dir, names[0] as string), "utf8")) as ResumeRecord;
    expect(stored.fingerprint).toBe("same");
    expect(stored.parts.length).toBeGreaterThanOrEqual(1);
  });

  it("ignores unreadable files and a record whose fingerprint does not match its file", async () => {
    const dir = await tempDir();
    const store = fileStore(dir);
    await store.set(record("real"));
    const [name] = await readdir(dir);
    await writeFile(join(dir, "garbage.json"), "{nope");
    expect((await store.list()).map((r) => r.fingerprint)).toEqual(["real"]);
    // A file renamed onto another fingerprint's name is not returned for that fingerprint.
    await writeFile(join(dir, name as string), JSON.stringify(record("impostor")));
    expect(await store.get("real")).toBeUndefined();
  });

  // Linux rules (the machines that run this suite); each OS has its own branch in defaultCacheDir.
  it.runIf(process.platform === "linux")(
    "defaults to $XDG_CACHE_HOME/s3edge/uploads, else ~/.cache/s3edge/uploads",
    () => {
      const previous = process.env["XDG_CACHE_HOME"];
      try {
        process.env["XDG_CACHE_HOME"] = "/tmp/xdg-test";
        expect(defaultCacheDir()).toBe("/tmp/xdg-test/s3edge/uploads");
        delete process.env["XDG_CACHE_HOME"];
        expect(defaultCacheDir()).toBe(join(homedir(), ".cache", "s3edge", "uploads"));
        process.env["XDG_CACHE_HOME"] = "";
        expect(defaultCacheDir()).toBe(join(homedir(), ".cache", "s3edge", "uploads"));
      } finally {
        if (previous === undefined) delete process.env["XDG_CACHE_HOME"];
        else process.env["XDG_CACHE_HOME"] = previous;
      }
    },
  );
});
