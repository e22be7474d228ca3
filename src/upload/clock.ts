/**
 * The servers' time, as seen from a client whose clock may be wrong. Every
 * `expiresAt` the signing endpoint hands out is in server time, and S3 judges
 * a presigned URL by its own clock; a laptop ten minutes slow would otherwise
 * keep using URLs S3 already refuses. Each answer's `Date` header (the
 * endpoint's, and S3's when readable) updates the estimate:
 * skew = server Date - local time when the answer arrived.
 */

/** Epoch ms of an HTTP `Date` header (IMF-fixdate, which every engine's `Date.parse` reads), or undefined. */
function parseHttpDate(value: string | null | undefined): number | undefined {
  if (!value || !/\bGMT$/i.test(value.trim())) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

/** Local clock corrected by the skew observed in `Date` headers. */
export class ServerClock {
  readonly #local: () => number;
  #skew = 0;

  /** `local` is the device's clock (epoch ms). */
  constructor(local: () => number = Date.now) {
    this.#local = local;
  }

  /** Estimated server time now (epoch ms). */
  now(): number {
    return this.#local() + this.#skew;
  }

  /** Server minus local time, in ms, as last observed (0 until a `Date` header was seen). */
  get skewMs(): number {
    return this.#skew;
  }

  /**
   * Record the `Date` header of an answer that just arrived; ignored when absent
   * or unreadable. `Date` has a one-second resolution: the server's time was in
   * [Date, Date + 1 s), so the middle of that second is taken.
   */
  observe(date: string | null | undefined): void {
    const at = parseHttpDate(date);
    if (at !== undefined) this.#skew = at + 500 - this.#local();
  }
}
