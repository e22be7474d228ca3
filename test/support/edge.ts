/**
 * The CDN edge fixture: a real nginx caching reverse proxy in front of the S3 origin, with
 * switchable fault modes (5xx, hang, slow, stopped). See test/support/EDGE.md.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAccessLog, type EdgeLogEntry } from "./edge/access-log.js";
import { modeName, modeProbeBody, renderEdgeConfig, validateMode, type EdgeMode } from "./edge/config.js";
import { spawnNginx, type NginxProcess } from "./edge/nginx-process.js";
import { startFaultServer, type FaultServer } from "./edge/fault-server.js";
import { startSilentServer, type SilentServer } from "./edge/silent-server.js";

export { PLACEHOLDER_PNG, PLACEHOLDER_SIZE, solidPng } from "./edge/fault-server.js";

export type { EdgeLogEntry } from "./edge/access-log.js";
/**
 * What the edge does:
 * - `"healthy"`: proxies to the origin with `proxy_cache` on and an `X-Cache-Status` header;
 * - `{ status }`: the edge itself answers this status with a small HTML body (the origin sees nothing);
 * - `{ status, body: "image" }`: that status with a valid PNG body (a CDN's placeholder picture);
 * - `"hang"`: accepts the request and never answers (proxies to a socket that stays silent);
 * - `{ slowBytesPerSecond }`: like healthy, but sends responses at this rate (`limit_rate`);
 * - `{ delayMs }`: answers (from the origin, uncached) only after this long;
 * - `{ flapMs }`: alternates between healthy and 503 (HTML body) every `flapMs` of wall-clock time;
 * - `"stopped"`: nginx is not running, so connecting to the port is refused.
 */
export type { EdgeMode } from "./edge/config.js";

/** A running (or stopped) edge; its URL and port stay the same across every mode. */
export interface Edge {
  /** `http://127.0.0.1:PORT`; the CDN base URL for a bucket is `${url}/${bucket}`. */
  url: string;
  port: number;
  /** The mode now in effect. */
  mode(): EdgeMode;
  /** Switches mode; resolves only once the new mode answers (or, for "stopped", connecting is refused). */
  setMode(mode: EdgeMode): Promise<void>;
  /** Requests the edge has finished answering since the last `clearRequests()`, oldest first. */
  requests(): Promise<EdgeLogEntry[]>;
  /** Forgets the requests logged so far. */
  clearRequests(): Promise<void>;
  /** Empties the cache: the next request for any object is a MISS. */
  purge(): Promise<void>;
  /** Stops nginx and the silent socket and removes the temp dir. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link startEdge}. */
export interface StartEdgeOptions {
  /** Origin base URL, scheme and authority only, e.g. `http://127.0.0.1:4569`. */
  origin: string;
  /** Initial mode (default "healthy"). */
  mode?: EdgeMode;
  /** How long a 200 stays fresh in the edge cache (default 600 s). */
  cacheValidSeconds?: number;
  /**
   * Send `Access-Control-Allow-Origin: *`, `Access-Control-Expose-Headers` and
   * `Timing-Allow-Origin: *` on every answer, errors included (default true); false for a
   * CDN that sends no CORS headers at all.
   */
  cors?: boolean;
}

const READY_TIMEOUT_MS = 15_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port that was free a moment ago on 127.0.0.1 (nginx binds it next; callers retry on EADDRINUSE). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        address !== null && typeof address === "object" ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** GET /__edge_mode on a fresh connection; the body, or undefined when nothing sane answered. */
function probe(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/__edge_mode", agent: false, timeout: 2_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(res.statusCode === 200 ? body : undefined));
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
    req.end();
  });
}

/** True when a TCP connect to the port is refused. */
function isRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

/** The last lines of nginx's error log, with query strings redacted (they may carry signatures). */
async function errorLogTail(dir: string, lines = 20): Promise<string> {
  const content = await readFile(join(dir, "error.log"), "utf8").catch(() => "");
  const tail = content.trimEnd().split("\n").slice(-lines).join("\n");
  return tail.replace(/\?[^\s"]*/g, "?<redacted>") || "(error log empty)";
}

function parseOrigin(origin: string): string {
  const url = new URL(origin);
  if (url.protocol !== "http:" || (url.pathname !== "/" && url.pathname !== "") || url.search) {
    throw new TypeError(`edge origin must be http://host:port with no path, got ${origin}`);
  }
  return `${url.hostname}:${url.port || "80"}`;
}

/** Starts an nginx edge in front of `origin` in a fresh temp dir. */
export async function startEdge(options: StartEdgeOptions): Promise<Edge> {
  const originHostPort = parseOrigin(options.origin);
  const initialMode = options.mode ?? "healthy";
  validateMode(initialMode);
  const cacheValidSeconds = options.cacheValidSeconds ?? 600;
  if (!Number.isInteger(cacheValidSeconds) || cacheValidSeconds < 1) {
    throw new TypeError(`cacheValidSeconds must be a positive integer, got ${cacheValidSeconds}`);
  }
  const dir = await mkdtemp(join(tmpdir(), "s3edge-edge-"));
  // Workers may run as another user than the master (see TESTING.md): keep the tree readable.
  await chmod(dir, 0o755);
  for (const sub of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
    await mkdir(join(dir, "tmp", sub), { recursive: true, mode: 0o777 });
  }
  const configFile = join(dir, "nginx.conf");
  const errorLog = join(dir, "error.log");
  const accessLog = join(dir, "access.log");
  const edgeId = randomBytes(6).toString("hex");
  const runWorkersAsRoot = process.getuid?.() === 0;
  const silent: SilentServer = await startSilentServer();
  const faults: FaultServer = await startFaultServer(originHostPort);
  const cors = options.cors ?? true;

  let mode: EdgeMode = initialMode;
  let generation = 0;
  let cacheIndex = 0;
  let port = 0;
  let nginx: NginxProcess | undefined;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  const cacheDir = () => join(dir, `cache-${cacheIndex}`);
  const serialize = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task, task);
    queue = next.catch(() => undefined);
    return next;
  };

  async function writeConfig(active: Exclude<EdgeMode, "stopped">): Promise<string> {
    generation += 1;
    await mkdir(cacheDir(), { recursive: true, mode: 0o777 });
    const config = renderEdgeConfig({
      edgeId,
      generation,
      mode: active,
      port,
      originHostPort,
      silentPort: silent.port,
      faultPort: faults.port,
      cors,
      dir,
      cacheDir: cacheDir(),
      cacheZone: `edge_${edgeId}_${cacheIndex}`,
      cacheValidSeconds,
      runWorkersAsRoot,
    });
    await writeFile(configFile, config);
    return modeProbeBody(edgeId, generation, active);
  }

  /** Polls /__edge_mode until it answers `expected`; throws with the error log if nginx died or never did. */
  async function waitForProbe(proc: NginxProcess, expected: string, what: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (proc.hasExited()) throw new Error(`nginx exited while ${what}:\n${await errorLogTail(dir)}`);
      if ((await probe(port)) === expected) return;
      await sleep(20);
    }
    throw new Error(
      `nginx did not reach "${expected}" while ${what} within ${READY_TIMEOUT_MS} ms:\n${await errorLogTail(dir)}`,
    );
  }

  async function launch(active: Exclude<EdgeMode, "stopped">): Promise<void> {
    const expected = await writeConfig(active);
    const proc = spawnNginx({ dir, configFile, errorLog });
    try {
      await waitForProbe(proc, expected, `starting on 127.0.0.1:${port}`);
    } catch (error) {
      await proc.stop(1_000);
      throw error;
    }
    nginx = proc;
  }

  /** First start: picks a port, retrying when another process took it in the meantime. */
  async function firstLaunch(active: Exclude<EdgeMode, "stopped">): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        return await launch(active);
      } catch (error) {
        if (attempt >= 5 || !/Address already in use/.test(String(error))) throw error;
      }
    }
  }

  /** SIGHUP, then wait until the new config answers and the old workers are gone. */
  async function reload(proc: NginxProcess, expected: string): Promise<void> {
    const oldChildren = proc.children();
    proc.reload();
    await waitForProbe(proc, expected, "reloading");
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (oldChildren.some((pid) => proc.children().includes(pid))) {
      if (Date.now() > deadline)
        throw new Error(`old nginx workers did not exit after reload:\n${await errorLogTail(dir)}`);
      await sleep(20);
    }
    // The old workers closed their idle keep-alive connections before exiting. Let the event loop
    // poll once, so that this process's HTTP clients (undici) see those closes and drop the sockets
    // from their pools: a request sent on one would fail with "other side closed".
    await sleep(20);
  }

  async function stopNginx(): Promise<void> {
    const proc = nginx;
    nginx = undefined;
    if (proc) await proc.stop();
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await isRefused(port))) {
      if (Date.now() > deadline) throw new Error(`127.0.0.1:${port} still accepts connections after stopping nginx`);
      await sleep(20);
    }
  }

  async function apply(next: EdgeMode): Promise<void> {
    if (closed) throw new Error("edge is closed");
    validateMode(next);
    if (next === "stopped") {
      await stopNginx();
    } else if (nginx && !nginx.hasExited()) {
      await reload(nginx, await writeConfig(next));
    } else {
      nginx = undefined;
      await launch(next);
    }
    mode = next;
  }

  /** With one worker, a probe answered means every earlier response's log line is written. */
  async function flushLog(): Promise<void> {
    if (nginx && !nginx.hasExited()) await probe(port);
  }

  try {
    if (initialMode === "stopped") port = await freePort();
    else await firstLaunch(initialMode);
  } catch (error) {
    await silent.close();
    await faults.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    mode: () => mode,
    setMode: (next) => serialize(() => apply(next)),
    requests: () =>
      serialize(async () => {
        await flushLog();
        return parseAccessLog(await readFile(accessLog, "utf8").catch(() => ""));
      }),
    clearRequests: () =>
      serialize(async () => {
        await flushLog();
        await truncate(accessLog, 0).catch(() => undefined);
      }),
    purge: () =>
      serialize(async () => {
        const old = cacheDir();
        cacheIndex += 1;
        if (nginx && !nginx.hasExited() && mode !== "stopped") await reload(nginx, await writeConfig(mode));
        await rm(old, { recursive: true, force: true });
      }),
    close: () =>
      serialize(async () => {
        if (closed) return;
        closed = true;
        const proc = nginx;
        nginx = undefined;
        await proc?.stop();
        await silent.close();
        await faults.close();
        await rm(dir, { recursive: true, force: true });
      }),
  };
}

/** Name of a mode as the edge reports it (e.g. "status-503"), handy in test titles. */
export { modeName };
