/**
 * Resume records are validated when read: a malformed record, or one of another version, makes
 * the upload start over (`restart` with reason `mismatch`) and is removed; it never fails the upload.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createUploader,
  fileStore,
  memoryStore,
  webStorageStore,
  type ResumeRecord,
  type ResumeStore,
  type UploadEvents,
  type WebStorage,
} from "../../../src/node.js";
import { parseResumeRecord } from "../../../src/upload/stores/record.js";
import { ENDPOINT, bytes, fakeBackend, useMswServer } from "./fake-backend.js";

const MiB = 1024 * 1024;
const server = useMswServer();

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function storage(): WebStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    get length() {
      return items.size;
    },
    key: (i) => [...items.keys()][i] ?? null,
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
  };
}

const file = new File([new Uint8Array(bytes(6 * MiB, 21))], "movie.mp4", {
  type: "video/mp4",
  lastModified: 1_700_000_000_000,
});
const FINGERPRINT = `blob:movie.mp4:${6 * MiB}:video/mp4:1700000000000`;

const NOW = Date.now();
const valid = (): ResumeRecord => ({
  v: 1,
  fingerprint: FINGERPRINT,
  filename: "movie.mp4",
  size: 6 * MiB,
  key: "uploads/old",
  uploadId: "up-old",
  token: "tok-old",
  partSize: 5 * MiB,
  expiresAt: NOW + 3_600_000,
  createdAt: NOW,
  parts: [],
});

/** Stores with a way to put raw text (or a raw value) where the uploader will look for FINGERPRINT. */
const stores: Array<
  [string, () => Promise<{ store: ResumeStore; put(raw: string): Promise<void>; present(): Promise<boolean> }>]
> = [
  [
    "memoryStore",
    async () => {
      const store = memoryStore();
      return {
        store,
        // memoryStore keeps JSON: set() of any parsed value is what it would hold.
        put: (raw) => store.set(JSON.parse(raw) as ResumeRecord).catch(() => undefined),
        present: async () => (await store.list()).length > 0,
      };
    },
  ],
  [
    "webStorageStore",
    async () => {
      const s = storage();
      return {
        store: webStorageStore(s),
        put: async (raw) => void s.setItem(`s3edge:upload:${FINGERPRINT}`, raw),
        present: async () => s.items.size > 0,
      };
    },
  ],
  [
    "fileStore",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "s3edge-records-"));
      dirs.push(dir);
      const name = `${createHash("sha256").update(FINGERPRINT).digest("hex").slice(0, 32)}.json`;
      return {
        store: fileStore(dir),
        put: (raw) => writeFile(join(dir, name), raw),
        present: async () => (await readdir(dir)).length > 0,
      };
    },
  ],
];

const { size: _size, ...withoutSize } = valid();
const garbage: Array<[string, unknown]> = [
  ["an old record (no version)", { ...valid(), v: undefined }],
  ["a record of a future version", { ...valid(), v: 2 }],
  ["a size that is a string", { ...valid(), size: "6291456" }],
  ["no size", withoutSize],
  ["parts that are not parts", { ...valid(), parts: [{ partNumber: 0, etag: 5 }] }],
  ["parts that are not an array", { ...valid(), parts: "1,2" }],
  ["an unknown checksum", { ...valid(), checksum: "MD5" }],
  ["an array", [1, 2, 3]],
  ["a number", 42],
];

describe.each(stores)("a malformed record in %s", (name, make) => {
  // A memory store is keyed by the record's own fingerprint: it cannot hold a bare array or number there.
  const cases =
    name === "memoryStore" ? garbage.filter(([, raw]) => typeof raw === "object" && !Array.isArray(raw)) : garbage;
  it.each(cases)("%s: restarts with reason mismatch, removes it, and uploads", async (_what, raw) => {
    const backend = fakeBackend();
    server.use(...backend.handlers);
    const { store, put, present } = await make();
    await put(JSON.stringify(raw));
    const upload = createUploader({ endpoint: ENDPOINT, store, retry: { baseDelayMs: 1, maxDelayMs: 5 } }).add(file);
    const restarts: Array<UploadEvents["restart"]> = [];
    upload.on("restart", (e) => restarts.push(e));
    const result = await upload.done();
    expect(restarts).toEqual([{ reason: "mismatch" }]);
    expect(upload.getState().resumed).toBe(false);
    expect(result.key).toBe("uploads/movie.mp4");
    expect(backend.ops("create")).toHaveLength(1);
    expect(await present()).toBe(false);
  });

  it("a record that still names an upload has it aborted (its parts stop being billed)", async () => {
    const backend = fakeBackend();
    server.use(...backend.handlers);
    const { store, put } = await make();
    await put(JSON.stringify({ ...valid(), v: undefined }));
    await createUploader({ endpoint: ENDPOINT, store }).upload(file);
    expect(backend.ops("abort").map((c) => c["uploadId"])).toEqual(["up-old"]);
  });
});

describe.each(stores.filter(([name]) => name !== "memoryStore"))("unreadable text in %s", (_name, make) => {
  it("is removed, and the upload starts afresh", async () => {
    const backend = fakeBackend();
    server.use(...backend.handlers);
    const { store, put, present } = await make();
    await put("{torn wri");
    const upload = createUploader({ endpoint: ENDPOINT, store }).add(file);
    await upload.done();
    expect(backend.ops("create")).toHaveLength(1);
    expect(await present()).toBe(false);
  });
});

describe("storage writes", () => {
  it("a small file (one PUT) costs none; a multipart upload writes its record and removes it when done", async () => {
    const backend = fakeBackend();
    server.use(...backend.handlers);
    const area = storage();
    const writes: string[] = [];
    const counted: WebStorage = {
      get length() {
        return area.length;
      },
      key: (i) => area.key(i),
      getItem: (k) => area.getItem(k),
      setItem: (k, v) => {
        writes.push(`set ${k}`);
        area.setItem(k, v);
      },
      removeItem: (k) => {
        writes.push(`remove ${k}`);
        area.removeItem(k);
      },
    };
    const uploader = createUploader({ endpoint: ENDPOINT, store: webStorageStore(counted) });
    const small = new File([new Uint8Array(bytes(1000, 3))], "small.png", { type: "image/png", lastModified: 1 });
    await uploader.upload(small);
    expect(writes).toEqual([]);
    await uploader.upload(file);
    expect(writes.at(0)).toBe(`set s3edge:upload:${FINGERPRINT}`);
    expect(writes.at(-1)).toBe(`remove s3edge:upload:${FINGERPRINT}`);
    expect(area.items.size).toBe(0);
  });
});

describe("a store that throws", () => {
  it("means no resume, not a failed upload", async () => {
    const backend = fakeBackend();
    server.use(...backend.handlers);
    const broken: ResumeStore = {
      get: () => Promise.reject(new Error("disk on fire")),
      set: () => Promise.reject(new Error("disk on fire")),
      remove: () => Promise.reject(new Error("disk on fire")),
      list: () => Promise.reject(new Error("disk on fire")),
    };
    const uploader = createUploader({ endpoint: ENDPOINT, store: broken });
    expect((await uploader.upload(file)).key).toBe("uploads/movie.mp4");
    expect(await uploader.resumable()).toEqual([]);
  });
});

describe("parseResumeRecord", () => {
  it("accepts a record of this version and returns a copy without unknown fields", () => {
    const record = {
      ...valid(),
      parts: [{ partNumber: 1, etag: '"e"', size: 5 * MiB, checksum: "AAAAAA==" }],
      extra: "x",
    };
    const parsed = parseResumeRecord(record);
    expect(parsed).toEqual({ ...valid(), parts: record.parts });
    expect(parsed).not.toBe(record);
  });

  it.each(garbage)("refuses %s", (_what, raw) => {
    expect(parseResumeRecord(raw)).toBeUndefined();
  });

  it("resumable() lists only valid, unexpired records", async () => {
    const store = memoryStore();
    await store.set(valid());
    await store.set({ ...valid(), fingerprint: "other", v: 2 } as unknown as ResumeRecord);
    await store.set({ ...valid(), fingerprint: "expired", expiresAt: Date.now() - 1 });
    const listed = await createUploader({ endpoint: ENDPOINT, store }).resumable();
    expect(listed.map((r) => r.fingerprint)).toEqual([FINGERPRINT]);
  });
});
