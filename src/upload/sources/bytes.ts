/** Random-access source over bytes in memory: parts are views, not copies. */
import type { RandomAccessSource } from "../types.js";

/** Wrap a Uint8Array (a Node Buffer is one) or an ArrayBuffer. Not resumable after a reload: the bytes are gone. */
export function bytesSource(data: Uint8Array | ArrayBuffer, name = "file"): RandomAccessSource {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  return {
    kind: "random",
    size: bytes.byteLength,
    name,
    type: "",
    fingerprint: undefined,
    slice: (start, end) => Promise.resolve(bytes.subarray(start, end)),
    close: () => undefined,
  };
}
