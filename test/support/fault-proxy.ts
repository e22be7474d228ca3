/**
 * A fault-injecting HTTP proxy for the reliability suite: put it between a client and S3, between
 * the nginx edge and S3, or in front of the signing endpoint. Requests pass through unchanged (the
 * `Host` header too, so SigV4 signed for the proxy's address verifies upstream) unless a rule picks
 * them for a fault:
 *
 * | fault | what the client sees |
 * |---|---|
 * | `refuse` | the connection is destroyed as the request arrives: nothing answered, nothing forwarded |
 * | `reset` | forwarded, then both sides destroyed after `afterBytes` of the request body (default: half) or of the response body |
 * | `delay` | forwarded after `ms` |
 * | `hang` | the request is read and never answered (until the client gives up or the proxy closes) |
 * | `error` | an S3 XML error (500 InternalError, 503 SlowDown, 429...), not forwarded |
 * | `truncate` | forwarded; the response's headers promise the whole body, `afterBytes` of it come, then the connection ends |
 * | `flip` | forwarded with one byte of the request (or response) body inverted: same length, wrong bytes |
 *
 * Connection-level: `setDown(true)` stops listening and drops every connection (ECONNREFUSED, as a
 * host or network that is gone); `setTarget()` re-points it (S3 restarted on another port). When the
 * upstream cannot be reached, the client's connection is destroyed (no made-up 502).
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Transform, type TransformCallback } from "node:stream";

import { classify, type S3Operation } from "./s3/classify.js";
import { errorDocument } from "./s3/xml.js";

/** What to do to one request (see the module comment). */
export type Fault =
  | { kind: "refuse" }
  | { kind: "reset"; direction?: "request" | "response"; afterBytes?: number }
  | { kind: "delay"; ms: number }
  | { kind: "hang" }
  | { kind: "error"; status: number; code?: string; message?: string; retryAfterSeconds?: number }
  | { kind: "truncate"; afterBytes: number }
  | { kind: "flip"; direction?: "request" | "response"; offset?: number };

/** A request as rules see it and as the log keeps it (no query string: it may carry a signature). */
export interface ProxiedRequest {
  /** 1, 2, ... in arrival order. */
  id: number;
  method: string;
  /** Raw path, without the query. */
  path: string;
  /** S3 operation by path-style classification (`"Other"` for non-S3 traffic such as the signing endpoint). */
  operation: S3Operation;
  key: string;
  partNumber: number | undefined;
  uploadId: string | undefined;
  /** Declared request body length, if any. */
  contentLength: number | undefined;
  /** Fault applied, if any. */
  fault?: Fault["kind"];
  /** Status sent to the client; 0 when none was (refused, reset, hung, client gone). */
  status: number;
}

/** When a fault applies. A request gets the fault of the first rule that picks it. */
export interface FaultRule {
  fault: Fault;
  /** Which requests are candidates (default: all). */
  match?: (request: ProxiedRequest) => boolean;
  /** Pick every Nth candidate (the Nth, 2Nth, ...). Default 1. */
  every?: number;
  /** Pick a candidate with this probability (seeded: see `seed`). Default 1. */
  probability?: number;
  /** At most once per value of this function (e.g. per part number: "fails once"). */
  oncePer?: (request: ProxiedRequest) => string | number | undefined;
  /** At most this many times in all. */
  times?: number;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Upstream base URL, `http://host:port`. */
  target: string;
  /** Seed of the PRNG behind `probability` (default 1): the same seed picks the same requests. */
  seed?: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`; stays the same across `setDown` and `setTarget`. */
  url: string;
  port: number;
  /** Adds a rule after the existing ones; returns its remover. */
  add(rule: FaultRule): () => void;
  /** Removes every rule. */
  clear(): void;
  /** Every request so far, in arrival order. */
  readonly log: readonly ProxiedRequest[];
  /** How many requests got each fault. */
  counts(): Partial<Record<Fault["kind"], number>>;
  /** true: stop listening and drop every connection (connections refused); false: listen again on the same port. */
  setDown(down: boolean): Promise<void>;
  /** Forward to another upstream from now on (open upstream connections are dropped). */
  setTarget(target: string): void;
  /** Drops every connection and stops. Safe to call twice. */
  close(): Promise<void>;
}

const DEFAULT_CODES: Record<number, [string, string]> = {
  429: ["SlowDown", "Please reduce your request rate."],
  500: ["InternalError", "We encountered an internal error. Please try again."],
  503: ["SlowDown", "Please reduce your request rate."],
};

/** Mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Inverts the byte at `at` (a body offset) if it falls in `chunk`, which starts at body offset `start`. */
function flipIn(chunk: Buffer, start: number, at: number | undefined): Buffer {
  if (at === undefined || at < start || at >= start + chunk.length) return chunk;
  const out = Buffer.from(chunk);
  out[at - start] = (out[at - start] ?? 0) ^ 0xff;
  return out;
}

/** Request bodies on their way upstream: one byte flipped (`flipAt`), or cut after `cutAt` bytes (then `onCut`). */
class Tap extends Transform {
  #seen = 0;
  constructor(
    private readonly flipAt: number | undefined,
    private readonly cutAt: number | undefined,
    private readonly onCut: () => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const start = this.#seen;
    this.#seen += chunk.length;
    if (this.cutAt !== undefined && this.#seen >= this.cutAt) {
      // Never let the whole body through: upstream must see it end short.
      const head = chunk.subarray(0, Math.max(0, this.cutAt - start));
      if (head.length) this.push(flipIn(head, start, this.flipAt));
      done();
      this.onCut();
      return;
    }
    done(null, flipIn(chunk, start, this.flipAt));
  }
}

interface RuleState {
  rule: FaultRule;
  candidates: number;
  applied: number;
  done: Set<string | number>;
}

/** Starts a fault proxy on an ephemeral 127.0.0.1 port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let target = new URL(options.target);
  let agent = new Agent({ keepAlive: true });
  const random = prng(options.seed ?? 1);
  const rules: RuleState[] = [];
  const log: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  let port = 0;
  let down = false;
  let closed = false;

  function pick(entry: ProxiedRequest): Fault | undefined {
    for (const state of rules) {
      const { rule } = state;
      if (rule.match && !rule.match(entry)) continue;
      if (rule.times !== undefined && state.applied >= rule.times) continue;
      const onceKey = rule.oncePer?.(entry);
      if (onceKey !== undefined && state.done.has(onceKey)) continue;
      state.candidates += 1;
      if (state.candidates % (rule.every ?? 1) !== 0) continue;
      if (rule.probability !== undefined && random() >= rule.probability) continue;
      state.applied += 1;
      if (onceKey !== undefined) state.done.add(onceKey);
      return rule.fault;
    }
    return undefined;
  }

  function forward(req: IncomingMessage, res: ServerResponse, entry: ProxiedRequest, fault: Fault | undefined): void {
    const kill = (): void => {
      req.socket.destroy();
      upstream.destroy();
    };
    const upstream = httpRequest({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.rawHeaders,
      agent,
      setHost: false,
    });
    /** True once upstream answered in full before the whole body was forwarded (see "end" below). */
    let answeredEarly = false;
    upstream.on("error", () => {
      if (!answeredEarly) req.socket.destroy();
    });
    const resetAt =
      fault?.kind === "reset" && fault.direction !== "response"
        ? (fault.afterBytes ?? Math.floor((entry.contentLength ?? 0) / 2))
        : undefined;
    const flipAt =
      fault?.kind === "flip" && fault.direction !== "response"
        ? (fault.offset ?? Math.floor((entry.contentLength ?? 0) / 2))
        : undefined;
    const tap = new Tap(flipAt, resetAt, kill);
    upstream.on("response", (answer) => {
      const truncate = fault?.kind === "truncate";
      const cutAt = truncate
        ? fault.afterBytes
        : fault?.kind === "reset" && fault.direction === "response"
          ? (fault.afterBytes ?? 0)
          : undefined;
      const flipAt = fault?.kind === "flip" && fault.direction === "response" ? (fault.offset ?? 0) : undefined;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage ?? "", answer.rawHeaders);
      entry.status = answer.statusCode ?? 0;
      // Truncate: flush what was sent, then end the connection (FIN) short of the promised length. Reset: destroy.
      const cut = (): void => (truncate ? void req.socket.end() : kill());
      let sent = 0;
      if (cutAt === 0) {
        answer.destroy();
        res.write("", cut);
        return;
      }
      answer.on("data", (chunk: Buffer) => {
        const start = sent;
        sent += chunk.length;
        if (cutAt !== undefined && sent >= cutAt) {
          answer.destroy();
          return void res.write(flipIn(chunk.subarray(0, cutAt - start), start, flipAt), cut);
        }
        if (!res.write(flipIn(chunk, start, flipAt))) {
          answer.pause();
          res.once("drain", () => answer.resume());
        }
      });
      answer.on("end", () => {
        res.end();
        // Upstream answered before the whole body came (S3's early 403): stop forwarding it and read
        // the rest off the client's connection, as a proxy does, so the connection stays usable.
        if (!upstream.writableFinished) {
          answeredEarly = true;
          req.unpipe();
          tap.unpipe();
          upstream.destroy();
          req.resume();
        }
      });
      answer.on("error", () => req.socket.destroy());
    });
    if (resetAt === 0) return kill();
    req.pipe(tap).pipe(upstream);
    req.on("error", () => upstream.destroy());
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
  }

  function sendError(
    req: IncomingMessage,
    res: ServerResponse,
    entry: ProxiedRequest,
    fault: Extract<Fault, { kind: "error" }>,
  ): void {
    const [code, message] = DEFAULT_CODES[fault.status] ?? [
      "ServiceUnavailable",
      "Service is unable to handle request.",
    ];
    const body = errorDocument(
      { status: fault.status, code: fault.code ?? code, message: fault.message ?? message },
      `fault-${entry.id}`,
    );
    const headers: Record<string, string | number> = {
      "content-type": "application/xml",
      "content-length": Buffer.byteLength(body),
    };
    if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = fault.retryAfterSeconds;
    if (req.headers.origin) headers["access-control-allow-origin"] = "*";
    req.resume();
    req.on("end", () => {
      entry.status = fault.status;
      res.writeHead(fault.status, headers).end(body);
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const info = classify(req.method ?? "GET", req.url ?? "/");
    const length = req.headers["content-length"];
    const entry: ProxiedRequest = {
      id: log.length + 1,
      method: info.method,
      path: (req.url ?? "/").split("?")[0] ?? "/",
      operation: info.operation,
      key: info.key,
      partNumber: info.partNumber,
      uploadId: info.uploadId,
      contentLength: length === undefined ? undefined : Number(length),
      status: 0,
    };
    log.push(entry);
    const fault = pick(entry);
    if (fault) entry.fault = fault.kind;
    switch (fault?.kind) {
      case "refuse":
        return void req.socket.destroy();
      case "hang":
        return void req.resume();
      case "error":
        return sendError(req, res, entry, fault);
      case "delay": {
        req.pause();
        const timer = setTimeout(() => forward(req, res, entry, undefined), fault.ms);
        req.socket.once("close", () => clearTimeout(timer));
        return;
      }
      default:
        return forward(req, res, entry, fault);
    }
  }

  const server = createServer({ keepAlive: true }, handle);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_error, socket) => socket.destroy());

  function listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  function dropAll(): void {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    agent.destroy();
    agent = new Agent({ keepAlive: true });
  }

  async function stop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    dropAll();
    await stopped;
  }

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    add(rule) {
      const state: RuleState = { rule, candidates: 0, applied: 0, done: new Set() };
      rules.push(state);
      return () => {
        const i = rules.indexOf(state);
        if (i !== -1) rules.splice(i, 1);
      };
    },
    clear: () => void rules.splice(0),
    log,
    counts() {
      const counts: Partial<Record<Fault["kind"], number>> = {};
      for (const entry of log) if (entry.fault) counts[entry.fault] = (counts[entry.fault] ?? 0) + 1;
      return counts;
    },
    async setDown(next) {
      if (closed || next === down) return;
      down = next;
      if (next) await stop();
      else await listen();
    },
    setTarget(next) {
      target = new URL(next);
      agent.destroy();
      agent = new Agent({ keepAlive: true });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!down) await stop();
      else agent.destroy();
    },
  };
}
