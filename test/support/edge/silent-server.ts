/**
 * A TCP server on 127.0.0.1 that accepts connections and never writes a byte: the upstream of
 * the edge's "hang" mode.
 */
import { createServer, type Socket } from "node:net";

/** A running silent server. */
export interface SilentServer {
  port: number;
  /** Connections accepted and still open. */
  openSockets(): number;
  /** Destroys every accepted socket and stops listening. */
  close(): Promise<void>;
}

/** Starts a silent server on an ephemeral loopback port. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    // Read and discard whatever the proxy sends, so its writes never block; answer nothing.
    socket.resume();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("silent server has no port");
  return {
    port: address.port,
    openSockets: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        server.close(() => resolve());
      }),
  };
}
