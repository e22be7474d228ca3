/**
 * Sequential source over a web `ReadableStream` or any `AsyncIterable` of bytes
 * (a Node `Readable` is one). Parts are cut as the stream flows: `read(n)`
 * gathers exactly `n` bytes (fewer at the end) into one new buffer, so memory
 * stays at the parts in flight, whatever the stream's chunking.
 */
import type { UploadSource } from "../types.js";
import { BufferPool } from "./pool.js";

type Chunks = AsyncIterator<Uint8Array> & { return?(): Promise<IteratorResult<Uint8Array>> };

function iterate(input: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): Chunks {
  if (Symbol.asyncIterator in input) return (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  // Some browsers' ReadableStream is not async-iterable yet.
  const reader = (input as ReadableStream<Uint8Array>).getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
    return: async () => {
      await reader.cancel();
      return { done: true, value: undefined };
    },
  };
}

/** Wrap a stream. `size` is its length when the caller knows it, else `null`. */
export function streamSource(
  input: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  name = "file",
  size: number | null = null,
): UploadSource {
  const chunks = iterate(input);
  const pool = new BufferPool();
  let rest: Uint8Array | undefined;
  let ended = false;
  return {
    size,
    name,
    type: "",
    fingerprint: undefined,
    async read(n) {
      const part = pool.take(n);
      let filled = 0;
      while (filled < n) {
        if (!rest?.byteLength) {
          if (ended) break;
          const next = await chunks.next();
          if (next.done) {
            ended = true;
            break;
          }
          rest = typeof next.value === "string" ? new TextEncoder().encode(next.value) : next.value;
          continue;
        }
        const take = Math.min(n - filled, rest.byteLength);
        part.set(rest.subarray(0, take), filled);
        filled += take;
        rest = rest.subarray(take);
      }
      return filled === n ? part : part.subarray(0, filled);
    },
    release: (body) => body instanceof Uint8Array && pool.give(body),
    async close() {
      if (!ended) await chunks.return?.();
    },
  };
}
