/** Test data: pseudo-random bytes (cheap to make, not compressible) and temp files. */
import { randomFillSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `size` pseudo-random bytes (one 16 MiB random block repeated: fast, and no part is all zeros). */
export function makeData(size: number): Buffer {
  const data = Buffer.allocUnsafe(size);
  const block = Math.min(size, 16 * 1024 * 1024);
  randomFillSync(data, 0, block);
  for (let at = block; at < size; at += block) data.copy(data, at, 0, Math.min(block, size - at));
  return data;
}

/** A temp dir with files written on demand; `remove()` deletes it. */
export async function tempFiles(): Promise<{
  write(name: string, data: Uint8Array): Promise<string>;
  remove(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), "s3edge-bench-"));
  return {
    async write(name, data) {
      const path = join(dir, name);
      await writeFile(path, data);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** An async generator of `size` bytes in fresh `chunk`-byte Buffers (a stream with no Buffer behind it). */
export async function* generated(size: number, chunk = 1024 * 1024): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < size; sent += chunk) {
    const piece = Buffer.allocUnsafe(Math.min(chunk, size - sent));
    piece.fill((sent / chunk) & 255);
    yield piece;
  }
}

/** A GC (when node runs with --expose-gc) and a short pause for the servers to settle, between timed runs. */
export async function settle(ms = 150): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, ms));
}
