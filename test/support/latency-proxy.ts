/**
 * A TCP latency proxy for benchmarks (TESTING.md "Emulating geography"): listens on
 * 127.0.0.1 and forwards every connection to a target port, adding the delays a
 * distant server would have.
 *
 * - Connecting costs one round trip: bytes the client sends are held until one
 *   `rttMs` after the connection was accepted (the TCP handshake a real client
 *   would have waited for), then delivered half a round trip later.
 * - Every chunk, in each direction, arrives half a round trip after it was sent,
 *   in order. A request on a fresh connection therefore takes two round trips to
 *   its first response byte, one on a kept-alive connection.
 * - A target that refuses the connection: the client's socket is reset one round
 *   trip after it connected (what a distant RST looks like).
 * - Ends (half-close) and resets travel with the same half-round-trip delay.
 *
 * Bandwidth is not limited. Not for `npm test` timings: the machines are noisy.
 */
import { createServer, connect, type Socket } from "node:net";

/** Options of {@link startLatencyProxy}. */
export interface LatencyProxyOptions {
  /** Where to forward: `"127.0.0.1:PORT"` (host and port). */
  target: string;
  /** Round-trip time to emulate, in ms (0 forwards without delay). */
  rttMs: number;
}

/** A running latency proxy. */
export interface LatencyProxy {
  /** `http://127.0.0.1:PORT`: the proxy as an HTTP base URL. */
  url: string;
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** The emulated round trip, in ms. */
  rttMs: number;
  /** Client connections accepted since the start. */
  connections(): number;
  /** Destroys every open connection and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

/** Above this many bytes scheduled but not yet written, the sending side is paused. */
const HIGH_WATER = 4 * 1024 * 1024;

type Item = { due: number; chunk: Buffer } | { due: number; end: true } | { due: number; reset: true };

/**
 * One direction of a connection: chunks read from `from` are written to `to`
 * once their due time has come, in order, with `from` paused while too much is
 * in flight.
 */
class DelayedPipe {
  readonly #to: Socket;
  readonly #from: Socket;
  readonly #queue: Item[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pending = 0;
  #paused = false;
  #last = 0;
  #done = false;

  constructor(from: Socket, to: Socket) {
    this.#from = from;
    this.#to = to;
  }

  /** Schedule `item` (its due time is raised to keep the order). */
  push(item: Item): void {
    if (this.#done) return;
    item.due = Math.max(item.due, this.#last);
    this.#last = item.due;
    this.#queue.push(item);
    if ("chunk" in item) {
      this.#pending += item.chunk.byteLength;
      if (this.#pending > HIGH_WATER && !this.#paused) {
        this.#paused = true;
        this.#from.pause();
      }
    }
    if (this.#queue.length === 1) this.#arm();
  }

  /** Drop everything still queued (the connection is gone). */
  cancel(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#queue.length = 0;
  }

  #arm(): void {
    clearTimeout(this.#timer);
    const head = this.#queue[0];
    if (!head) return;
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, head.due - performance.now()));
  }

  #flush(): void {
    const now = performance.now();
    while (this.#queue.length > 0 && (this.#queue[0] as Item).due <= now + 0.5) {
      const item = this.#queue.shift() as Item;
      if ("chunk" in item) {
        const size = item.chunk.byteLength;
        if (this.#to.destroyed) continue;
        this.#to.write(item.chunk, () => {
          this.#pending -= size;
          if (this.#paused && this.#pending < HIGH_WATER / 2) {
            this.#paused = false;
            this.#from.resume();
          }
        });
      } else if ("end" in item) {
        this.#done = true;
        this.#to.end();
      } else {
        this.#done = true;
        this.#to.resetAndDestroy();
      }
    }
    this.#arm();
  }
}

function parseTarget(target: string): { host: string; port: number } {
  const match = /^([^:]+):(\d+)$/.exec(target);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new TypeError(`latency proxy target must be "host:port", got ${JSON.stringify(target)}`);
  }
  return { host: match[1] as string, port };
}

/** Proxy one accepted client connection to the target. */
function relay(
  client: Socket,
  target: { host: string; port: number },
  rttMs: number,
  track: (s: Socket) => void,
): void {
  const half = rttMs / 2;
  const accepted = performance.now();
  const handshakeDone = accepted + rttMs;
  client.setNoDelay(true);
  const upstream = connect({ host: target.host, port: target.port });
  upstream.setNoDelay(true);
  track(upstream);
  const up = new DelayedPipe(client, upstream);
  const down = new DelayedPipe(upstream, client);
  let connected = false;

  // Client -> target: held until the emulated handshake is over, then half a round trip.
  client.on("data", (chunk: Buffer) => up.push({ due: Math.max(performance.now(), handshakeDone) + half, chunk }));
  client.on("end", () => up.push({ due: Math.max(performance.now(), handshakeDone) + half, end: true }));
  client.on("error", () => undefined);
  client.on("close", (hadError) => {
    if (hadError) {
      up.cancel();
      if (connected) upstream.destroy();
    }
  });

  upstream.on("connect", () => (connected = true));
  upstream.on("data", (chunk: Buffer) => down.push({ due: performance.now() + half, chunk }));
  upstream.on("end", () => down.push({ due: performance.now() + half, end: true }));
  upstream.on("error", () => {
    up.cancel();
    // Refused (or reset): the client learns it when a real RST would arrive.
    down.push({ due: connected ? performance.now() + half : handshakeDone, reset: true });
  });
}

/** Start a latency proxy on 127.0.0.1 (ephemeral port) in front of `options.target`. */
export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const target = parseTarget(options.target);
  const rttMs = options.rttMs;
  if (typeof rttMs !== "number" || !Number.isFinite(rttMs) || rttMs < 0) {
    throw new TypeError(`latency proxy rttMs must be a number >= 0, got ${String(rttMs)}`);
  }
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    track(client);
    relay(client, target, rttMs, track);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("latency proxy has no port");
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    rttMs,
    connections: () => accepted,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        server.close(() => resolve());
      })),
  };
}
