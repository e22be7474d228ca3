/**
 * Random-access source over a file path (Node). Each part is read with
 * positioned reads into a buffer from the source's {@link BufferPool}, which
 * the transfer gives back (`release`) once the request is over, so memory stays
 * at the parts in flight. The file is checked before every read:
 * if its size or modification time changed, the upload fails with
 * `SourceChanged` (and is aborted) instead of storing a mix of two versions.
 */
import { open, type FileHandle } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.js";
import { sourceChanged } from "../sources/changed.js";
import { BufferPool } from "../sources/pool.js";
import type { RandomAccessSource } from "../types.js";
import { contentTypeOf } from "./mime.js";

/** Open `path` for upload. The fingerprint (for resume) is the absolute path, size and mtime. */
export async function pathSource(path: string, name?: string): Promise<RandomAccessSource> {
  const absolute = resolve(path);
  let handle: FileHandle;
  try {
    handle = await open(absolute, "r");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new InvalidInputError(
      `Cannot upload ${path}: ${code === "ENOENT" ? "no such file" : `it cannot be opened (${String(code ?? error)})`}`,
    );
  }
  const first = await handle.stat();
  if (!first.isFile()) {
    await handle.close();
    throw new InvalidInputError(`Cannot upload ${basename(absolute)}: not a file`);
  }
  const fileName = name ?? basename(absolute);
  const pool = new BufferPool();
  const changed = (what: string) => sourceChanged(fileName, what);
  return {
    kind: "random",
    size: first.size,
    name: fileName,
    type: contentTypeOf(fileName),
    fingerprint: ["path", absolute, first.size, first.mtimeMs].join(":"),
    async slice(start, end) {
      const now = await handle.stat();
      if (now.size !== first.size) throw changed(`size ${first.size} -> ${now.size}`);
      if (now.mtimeMs !== first.mtimeMs) throw changed("modified");
      const buffer = pool.take(end - start);
      let filled = 0;
      while (filled < buffer.byteLength) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, start + filled);
        if (bytesRead === 0) throw changed("shorter than when it was opened");
        filled += bytesRead;
      }
      return buffer;
    },
    release: (body) => body instanceof Uint8Array && pool.give(body),
    close: () => handle.close(),
  };
}
