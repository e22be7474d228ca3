/**
 * Sequential source over a web `ReadableStream` or any `AsyncIterable` of bytes
 * (a Node `Readable` is one). Parts are cut as the stream flows: `read(n)`
 * gathers exactly `n` bytes (fewer at the end), whatever the stream's chunking,
 * into a buffer from the source's {@link BufferPool}: the transfer gives it
 * back (`release`) once the part is stored, so memory stays at the parts in
 * flight. With a declared size, the source holds the stream to it.
 */
import type { SequentialSource } from "../types.js";
import { sourceChanged } from "./changed.js";
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

/**
 * Wrap a stream. `size` is its length when the caller declared it, else `null`;
 * a stream that ends before `size` bytes, or goes on past it, fails the read
 * with `SourceChanged`.
 */
export function streamSource(
  input: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  name = "file",
  size: number | null = null,
): SequentialSource {
  const chunks = iterate(input);
  const pool = new BufferPool();
  let rest: Uint8Array | undefined;
  let ended = false;
  let consumed = 0;

  /** The next chunk with bytes, or undefined at the end of the stream. */
  const pull = async (): Promise<Uint8Array | undefined> => {
    while (!ended) {
      const next = await chunks.next();
      if (next.done) ended = true;
      else {
        const chunk = typeof next.value === "string" ? new TextEncoder().encode(next.value) : next.value;
        if (chunk.byteLength) return chunk;
      }
    }
    return undefined;
  };

  return {
    kind: "sequential",
    size,
    name,
    type: "",
    fingerprint: undefined,
    async read(n) {
      const part = pool.take(n);
      let filled = 0;
      while (filled < n) {
        if (!rest?.byteLength) rest = await pull();
        if (!rest) break;
        const take = Math.min(n - filled, rest.byteLength);
        part.set(rest.subarray(0, take), filled);
        filled += take;
        rest = rest.subarray(take);
      }
      consumed += filled;
      if (size !== null && filled < n && consumed < size) {
        throw sourceChanged(name, `${size} bytes were declared, the stream ended after ${consumed}`);
      }
      if (size !== null && consumed >= size && (rest?.byteLength || (rest = await pull()))) {
        throw sourceChanged(name, `${size} bytes were declared, the stream is longer`);
      }
      return filled === n ? part : part.subarray(0, filled);
    },
    release: (body) => body instanceof Uint8Array && pool.give(body),
    async close() {
      if (!ended) await chunks.return?.();
    },
  };
}
