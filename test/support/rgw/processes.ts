/**
 * The processes of the test cluster: daemons (ceph-mon, ceph-osd, radosgw) in their own process
 * groups, killed for sure, and short-lived tools (ceph, radosgw-admin, ...) run with a deadline.
 *
 * Cleanup is certain, as for the nginx edge (test/support/edge/nginx-process.ts): `stop()` sends
 * SIGTERM then SIGKILL to the group; a process 'exit' handler SIGKILLs every group still running;
 * and one guard per cluster (`sh` reading a pipe only this process writes) SIGKILLs every group
 * ever started for the cluster (their pgids are appended to `<dir>/pgids`) and removes the temp dir
 * when this process dies any other way (SIGKILL, a test runner tearing it down).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join } from "node:path";

/** A running daemon. */
export interface Daemon {
  readonly name: string;
  /** Pid of the daemon, which is also its process group id. */
  readonly pid: number;
  /** Resolves with the exit code (or signal name) once it has exited. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL to its process group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The guard of one cluster dir: kills every daemon started for it when this process dies. */
export interface Guard {
  /** Starts a daemon (`-f`, foreground) in its own process group, logging to `logFile`. */
  spawnDaemon(name: string, command: string, args: string[], logFile: string): Daemon;
  /** Kills every daemon of the cluster now (SIGKILL to each group); the guard stays. */
  killAll(): void;
  /** Stops the guard process itself (after a clean shutdown that removed the dir). */
  release(): void;
}

const groups = new Set<number>();
let exitHookInstalled = false;

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGKILL to a process group; never -1 or -0 (every process we may signal, or our own group). */
function killGroup(pgid: number): void {
  if (Number.isInteger(pgid) && pgid > 1) killQuietly(-pgid, "SIGKILL");
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pgid of groups) killGroup(pgid);
  });
}

/** Starts the guard of `dir` (see the module comment). */
export function startGuard(dir: string): Guard {
  installExitHook();
  const pgidFile = join(dir, "pgids");
  appendFileSync(pgidFile, "");
  const script = 'read _; for p in $(cat "$1/pgids"); do kill -KILL "-$p" 2>/dev/null; done; rm -rf -- "$1"';
  const guard: ChildProcess = spawn("/bin/sh", ["-c", script, "s3edge-rgw-guard", dir], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  guard.on("error", () => undefined);
  guard.stdin?.on("error", () => undefined);
  guard.unref();
  // Let this process exit while the pipe is open: unref the pipe's handle too.
  (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const mine = new Set<number>();

  return {
    spawnDaemon(name, command, args, logFile) {
      const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
      if (child.pid === undefined) {
        child.on("error", () => undefined);
        throw new Error(`could not spawn ${command}`);
      }
      const pid = child.pid;
      appendFileSync(pgidFile, `${pid}\n`);
      groups.add(pid);
      mine.add(pid);
      // stdout/stderr carry start-up messages (and crash reports): keep them beside the log files.
      const out = (chunk: Buffer): void => {
        try {
          appendFileSync(logFile, chunk);
        } catch {
          // The dir is gone (cluster closed): nothing to keep.
        }
      };
      child.stdout?.on("data", out);
      child.stderr?.on("data", out);
      let done = false;
      const exited = new Promise<number | string>((resolve) => {
        child.once("exit", (code, signal) => {
          done = true;
          resolve(code ?? signal ?? "unknown");
        });
        child.once("error", () => {
          done = true;
          resolve("spawn-error");
        });
      });
      return {
        name,
        pid,
        exited,
        hasExited: () => done,
        async stop(graceMs = 5_000) {
          if (!done) {
            killQuietly(pid, "SIGTERM");
            const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs).unref());
            if ((await Promise.race([exited, timer])) === "timeout") killGroup(pid);
            await exited;
          }
          killGroup(pid);
          groups.delete(pid);
          mine.delete(pid);
        },
      };
    },
    killAll() {
      for (const pgid of mine) {
        killGroup(pgid);
        groups.delete(pgid);
      }
      mine.clear();
    },
    release() {
      guard.kill("SIGKILL");
    },
  };
}

/** What a tool printed, and how it ended. */
export interface ToolResult {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs a short-lived tool; SIGKILLs it after `timeoutMs` (then `code` is "timeout"). Never throws. */
export function runTool(command: string, args: string[], timeoutMs: number): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ code: "spawn-error", stdout, stderr: `${stderr}${error.message}` });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? "timeout" : (code ?? signal ?? "unknown"), stdout, stderr });
    });
  });
}

/** Like {@link runTool}, but throws (with what the tool printed) unless it exits 0. */
export async function mustRun(command: string, args: string[], timeoutMs: number): Promise<string> {
  const result = await runTool(command, args, timeoutMs);
  if (result.code !== 0) {
    const printed = `${result.stderr}\n${result.stdout}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(`${command} ${args.join(" ")} ended with ${result.code}:\n${printed}`);
  }
  return result.stdout;
}
