/**
 * Runs one nginx master as a child process (`daemon off`) and kills it, its workers and its
 * cache processes for sure: on `stop()`, and with SIGKILL from a process 'exit' handler if a
 * test crashes before `close()`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const NGINX_CANDIDATES = ["/usr/sbin/nginx", "/usr/bin/nginx"];

/** Absolute path of the nginx binary (Debian's by default, else the first `nginx` on PATH). */
export function nginxBinary(): string {
  for (const candidate of NGINX_CANDIDATES) if (existsSync(candidate)) return candidate;
  for (const dir of (process.env["PATH"] ?? "").split(":")) {
    if (dir && existsSync(join(dir, "nginx"))) return join(dir, "nginx");
  }
  throw new Error("nginx not found: run `node scripts/ensure-system-deps.mjs`");
}

/** Pids whose parent is `pid` (nginx workers, cache manager, cache loader), read from /proc. */
export function childPids(pid: number): number[] {
  const result: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return result;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the ")" that closes the command name, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) result.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return result;
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Masters still running, each with its guard (see `spawnGuard`). */
const running = new Map<ChildProcess, ChildProcess>();
let exitHookInstalled = false;

/** SIGKILL to the whole process group of a master (nginx runs in its own group: master, workers, cache processes). */
function killGroup(pid: number): void {
  // Never -1 or -0: those would signal every process we may signal, or our own group.
  if (Number.isInteger(pid) && pid > 1) killQuietly(-pid, "SIGKILL");
}

function killEverythingNow(): void {
  for (const [child, guard] of running) {
    if (child.pid !== undefined) killGroup(child.pid);
    guard.kill("SIGKILL");
  }
  running.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", killEverythingNow);
}

/**
 * A `sh` that waits for EOF on its stdin, a pipe whose only writer is this process: when this
 * process dies by any means (even SIGKILL, or a test runner tearing its worker down without an
 * 'exit' event), the shell SIGKILLs the nginx process group and removes the edge's temp dir.
 */
function spawnGuard(pgid: number, dir: string): ChildProcess {
  const guard = spawn(
    "/bin/sh",
    ["-c", 'read _; kill -KILL "-$1" 2>/dev/null; rm -rf -- "$2"', "s3edge-edge-guard", String(pgid), dir],
    {
      stdio: ["pipe", "ignore", "ignore"],
    },
  );
  guard.on("error", () => undefined);
  guard.stdin?.on("error", () => undefined);
  guard.unref();
  // Let this process exit while the pipe is open: unref the pipe's handle too.
  (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return guard;
}

/** A running nginx master. */
export interface NginxProcess {
  /** Pid of the master, which is also the pgid of all its processes. */
  readonly pid: number;
  /** Resolves with the exit code (or signal name) once the master has exited. */
  readonly exited: Promise<number | string>;
  /** True once the master has exited (stopped, or died on its own). */
  hasExited(): boolean;
  /** Reload the config (SIGHUP). */
  reload(): void;
  /** Pids of the current workers and cache processes. */
  children(): number[];
  /** Fast shutdown (SIGTERM), then SIGKILL to the process group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `nginx -p dir -c conf -e errorLog -g 'daemon off;'` as a child of this process, in its
 * own process group, guarded so that it dies with this process.
 */
export function spawnNginx(options: { dir: string; configFile: string; errorLog: string }): NginxProcess {
  installExitHook();
  const child = spawn(
    nginxBinary(),
    ["-p", `${options.dir}/`, "-c", options.configFile, "-e", options.errorLog, "-g", "daemon off;"],
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  // stderr carries only early start-up messages; the error log file has the rest. Drain it.
  child.stderr?.resume();
  if (child.pid === undefined) {
    child.on("error", () => undefined);
    throw new Error(`could not spawn ${nginxBinary()}`);
  }
  const pid = child.pid;
  const guard = spawnGuard(pid, options.dir);
  running.set(child, guard);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      running.delete(child);
      resolve(code ?? signal ?? "unknown");
    });
    child.once("error", () => {
      done = true;
      running.delete(child);
      resolve("spawn-error");
    });
  });
  const exitedAndUnguarded = exited.then((result) => {
    guard.kill("SIGKILL");
    return result;
  });
  return {
    pid,
    exited: exitedAndUnguarded,
    hasExited: () => done,
    reload: () => killQuietly(pid, "SIGHUP"),
    children: () => childPids(pid),
    async stop(graceMs = 5_000) {
      if (!done) {
        killQuietly(pid, "SIGTERM");
        const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs).unref());
        if ((await Promise.race([exited, timer])) === "timeout") killGroup(pid);
      }
      await exitedAndUnguarded;
      // The master waits for its workers on a fast shutdown; make sure of stragglers anyway.
      killGroup(pid);
    },
  };
}
