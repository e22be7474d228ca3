/**
 * Part buffers, reused. A 1 GiB upload in 8 MiB parts would otherwise allocate
 * 128 buffers, and V8 collects external memory late: peak memory then grows
 * far past the parts really in flight. Sources that read into memory take
 * their buffers here and get them back (`UploadSource.release`) as soon as the
 * transfer no longer needs them.
 */
export class BufferPool {
  readonly #free: Uint8Array[] = [];

  /** Keep at most `max` free buffers (the rest is left to the GC). */
  constructor(readonly max = 16) {}

  /** A buffer of exactly `size` bytes: a free one when there is one (its old bytes are overwritten by the caller). */
  take(size: number): Uint8Array {
    const i = this.#free.findIndex((b) => b.byteLength === size);
    return i >= 0 ? (this.#free.splice(i, 1)[0] as Uint8Array) : new Uint8Array(size);
  }

  /** Give back a buffer from {@link take}; views into a larger buffer are ignored. */
  give(buffer: Uint8Array): void {
    const whole = buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength;
    if (whole && this.#free.length < this.max && !this.#free.includes(buffer)) this.#free.push(buffer);
  }
}
