/**
 * Calls between the bench and its helper processes over Node's IPC channel:
 * servers run in a child so that they get their own core and event loop.
 */
import { fork, type ChildProcess } from "node:child_process";

type Handler = (...args: never[]) => unknown;
type Message = { id: number; method: string; args: unknown[] };
type Reply = { id: number; result?: unknown; error?: string };

/** In the child: answer calls with `handlers` (an error answers its message). */
export function serve(handlers: Record<string, Handler>): void {
  process.on("message", (raw) => {
    const message = raw as Message;
    const handler = handlers[message.method];
    const reply = (r: Omit<Reply, "id">): void => void process.send?.({ id: message.id, ...r });
    if (!handler) return reply({ error: `no method ${message.method}` });
    Promise.resolve()
      .then(() => (handler as (...args: unknown[]) => unknown)(...message.args))
      .then(
        (result) => reply({ result }),
        (error: unknown) => reply({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
  // The bench died: do not outlive it (servers would keep the process alive).
  process.on("disconnect", () => process.exit(1));
  process.send?.({ id: 0, result: "ready" });
}

/** A child process serving calls. */
export interface Worker {
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  /** The child's pid. */
  pid: number | undefined;
  /** Calls `close` in the child if it has one, then ends the process. */
  close(): Promise<void>;
}

/** Fork `file` (a bundled script that calls {@link serve}) and wait until it is ready. */
export async function spawnWorker(file: string, execArgv: string[] = []): Promise<Worker> {
  const child: ChildProcess = fork(file, [], {
    serialization: "advanced",
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let seq = 0;
  let exited = false;
  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  child.on("message", (raw) => {
    const reply = raw as Reply;
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.error !== undefined) waiter.reject(new Error(`worker: ${reply.error}`));
    else waiter.resolve(reply.result);
  });
  child.on("exit", (code, signal) => {
    exited = true;
    for (const waiter of pending.values()) waiter.reject(new Error(`worker exited (${code ?? signal})`));
    pending.clear();
  });
  await ready;
  const call = <T>(method: string, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error("worker has exited"));
      const id = ++seq;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, method, args });
    });
  return {
    call,
    pid: child.pid,
    async close() {
      if (exited) return;
      await call("close").catch(() => undefined);
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill();
        await gone;
      }
    },
  };
}
