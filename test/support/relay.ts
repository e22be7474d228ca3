/**
 * A TCP relay whose destination can change while it runs (test support for geography): the
 * signer's target points at the relay, the relay at one of several latency proxies in front
 * of the same S3 fixture, so a test can make a region near or far, or stop it, mid-test.
 * Switching closes every open connection (keep-alive ones too), so the next request takes the
 * new path. `down()`: every connection is reset as soon as it is accepted.
 */
import { connect, createServer, type Socket } from "node:net";

/** A running relay. */
export interface Relay {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Send new connections to `port` on 127.0.0.1 (and drop the open ones). */
  to(port: number): void;
  /** Reset every connection (a stopped region); `to()` brings it back. */
  down(): void;
  close(): Promise<void>;
}

/** Start a relay to `port` on 127.0.0.1. */
export async function startRelay(port: number): Promise<Relay> {
  let target: number | undefined = port;
  const open = new Set<Socket>();
  const dropAll = (): void => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  const server = createServer((client) => {
    if (target === undefined) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target, "127.0.0.1");
    open.add(client);
    open.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("relay: no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    to(next) {
      target = next;
      dropAll();
    },
    down() {
      target = undefined;
      dropAll();
    },
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}
