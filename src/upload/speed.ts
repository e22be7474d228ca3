/** Smoothed transfer speed (exponentially weighted moving average over samples at least 250 ms apart). */
export class Speedometer {
  #t = -1;
  #loaded = 0;
  /** Bytes per second. */
  speed = 0;

  /** Record that `loaded` bytes are done at time `now` (ms); returns the smoothed speed. */
  update(loaded: number, now: number): number {
    if (this.#t < 0) {
      this.#t = now;
      this.#loaded = loaded;
    } else if (now - this.#t >= 250) {
      const instant = Math.max(0, loaded - this.#loaded) / ((now - this.#t) / 1000);
      this.speed = this.speed ? this.speed * 0.7 + instant * 0.3 : instant;
      this.#t = now;
      this.#loaded = loaded;
    }
    return this.speed;
  }
}
