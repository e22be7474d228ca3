/**
 * A one-node Ceph cluster on loopback in a temp dir: a monitor, one memstore OSD and a radosgw,
 * three foreground processes, set up in the order TESTING.md gives (keyring + monmap, mon mkfs,
 * mon, OSD create/mkfs/crush add, OSD, gateway). Every wait has a deadline and a failure carries
 * the tail of the daemon's log.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { MON_ID, OSD_ID, RGW_NAME, renderCephConfig } from "./config.js";
import { mustRun, runTool, startGuard, type Daemon, type Guard } from "./processes.js";

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Most object bytes the memstore OSD holds (RAM). Default 3 GiB. */
  memstoreBytes?: number;
  /** Deadline of each wait (monitor up, OSD up, gateway answering). Default 90 000 ms. */
  stepTimeoutMs?: number;
}

/** A running cluster. */
export interface Cluster {
  dir: string;
  /** `http://127.0.0.1:<port>`: the gateway's S3 endpoint. */
  endpoint: string;
  /** `ceph --version` of the daemons, e.g. "16.2.15". */
  version: string;
  /** Runs `radosgw-admin` against the cluster; resolves with its stdout. */
  admin(args: string[]): Promise<string>;
  /** Kills the gateway (SIGKILL, like a crash) and starts it again on the same port; data is kept (it lives in the OSD). */
  restartGateway(): Promise<void>;
  /** Stops the daemons and removes the temp dir. Safe to call twice. */
  close(): Promise<void>;
}

const CLI_TIMEOUT_MS = 30_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port that was free a moment ago on 127.0.0.1 (a daemon binds it next; a clash fails the start, which is retried). */
export function freePort(): Promise<number> {
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

/** Status of `GET url` on a fresh connection, 0 when nothing answered within 2 s. */
function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", () => resolve(0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

/** The log file each daemon writes itself (`log file = <dir>/log/$name.log`). */
const CEPH_LOG: Record<string, string> = {
  "ceph-mon": `mon.${MON_ID}`,
  "ceph-osd": `osd.${OSD_ID}`,
  radosgw: RGW_NAME,
};

async function tail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** The last lines a daemon printed (stdout/stderr) and logged. */
async function daemonLog(dir: string, name: string): Promise<string> {
  const printed = await tail(join(dir, "log", `${name}.out`), 15);
  const logged = await tail(join(dir, "log", `${CEPH_LOG[name] ?? name}.log`), 15);
  return (
    [printed && `-- printed:\n${printed}`, logged && `-- logged:\n${logged}`].filter(Boolean).join("\n") ||
    "(no output)"
  );
}

/** Starts a cluster; on any failure stops what it started, removes the dir and throws with the logs. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const memstoreBytes = options.memstoreBytes ?? 3 * 1024 ** 3;
  const stepTimeoutMs = options.stepTimeoutMs ?? 90_000;
  const dir = await mkdtemp(join(tmpdir(), "s3edge-rgw-"));
  for (const sub of ["run", "log", "mon", `osd/ceph-${OSD_ID}`, "rgw"])
    await mkdir(join(dir, sub), { recursive: true });
  const guard: Guard = startGuard(dir);
  const conf = join(dir, "ceph.conf");
  const out = (name: string): string => join(dir, "log", `${name}.out`);
  const ceph = (args: string[], timeoutMs = CLI_TIMEOUT_MS) =>
    mustRun("ceph", ["-c", conf, "--connect-timeout", "10", ...args], timeoutMs);
  const daemons = new Map<string, Daemon>();
  let rgwPort = 0;
  let closed = false;

  /** Polls `check` until it is true; throws with `what` and the log of `daemon` when it exits or the deadline passes. */
  async function waitFor(what: string, daemon: Daemon | undefined, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + stepTimeoutMs;
    while (Date.now() < deadline) {
      if (daemon?.hasExited())
        throw new Error(
          `${daemon.name} exited (${await daemon.exited}) while ${what}:\n${await daemonLog(dir, daemon.name)}`,
        );
      if (await check()) return;
      await sleep(250);
    }
    const logs = daemon ? `:\n${await daemonLog(dir, daemon.name)}` : "";
    throw new Error(`timed out after ${stepTimeoutMs} ms while ${what}${logs}`);
  }

  function start(name: string, command: string, args: string[]): Daemon {
    const daemon = guard.spawnDaemon(name, command, ["-c", conf, ...args, "-f"], out(name));
    daemons.set(name, daemon);
    return daemon;
  }

  async function startGateway(): Promise<void> {
    const rgw = start("radosgw", "radosgw", ["-n", RGW_NAME]);
    await waitFor(
      `waiting for radosgw to answer on 127.0.0.1:${rgwPort}`,
      rgw,
      async () => (await httpStatus(`http://127.0.0.1:${rgwPort}/`)) === 200,
    );
  }

  async function stopAll(): Promise<void> {
    for (const name of ["radosgw", "ceph-osd", "ceph-mon"]) await daemons.get(name)?.stop(3_000);
    daemons.clear();
    guard.killAll();
  }

  try {
    const fsid = randomUUID();
    const monPort = await freePort();
    rgwPort = await freePort();
    await writeFile(conf, renderCephConfig({ fsid, dir, monPort, rgwPort, memstoreBytes }));
    await mustRun(
      "ceph-authtool",
      ["--create-keyring", join(dir, "keyring"), "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"],
      CLI_TIMEOUT_MS,
    );
    await mustRun(
      "monmaptool",
      ["--create", "--add", MON_ID, `v1:127.0.0.1:${monPort}`, "--fsid", fsid, join(dir, "monmap")],
      CLI_TIMEOUT_MS,
    );
    await mustRun(
      "ceph-mon",
      ["-c", conf, "--mkfs", "-i", MON_ID, "--monmap", join(dir, "monmap"), "--keyring", join(dir, "keyring")],
      CLI_TIMEOUT_MS,
    );
    const mon = start("ceph-mon", "ceph-mon", ["-i", MON_ID]);
    await waitFor(
      "waiting for the monitor (ceph -s)",
      mon,
      async () => (await runTool("ceph", ["-c", conf, "--connect-timeout", "2", "-s"], 5_000)).code === 0,
    );

    const id = (await ceph(["osd", "create"])).trim();
    if (id !== String(OSD_ID)) throw new Error(`ceph osd create answered ${JSON.stringify(id)}, expected ${OSD_ID}`);
    await mustRun("ceph-osd", ["-c", conf, "-i", String(OSD_ID), "--mkfs"], CLI_TIMEOUT_MS);
    await ceph(["osd", "crush", "add", `osd.${OSD_ID}`, "1.0", "root=default", "host=localhost"]);
    // Pacific's OSD may abort once on start ("wrong fsid") before it has the monmap: start it again.
    for (let attempt = 1; ; attempt++) {
      const osd = start("ceph-osd", "ceph-osd", ["-i", String(OSD_ID)]);
      try {
        await waitFor("waiting for the OSD to be up (ceph osd stat)", osd, async () =>
          /\b1 up\b/.test((await runTool("ceph", ["-c", conf, "--connect-timeout", "2", "osd", "stat"], 5_000)).stdout),
        );
        break;
      } catch (error) {
        if (attempt >= 3 || !osd.hasExited()) throw error;
      }
    }
    await startGateway();
    const version =
      /ceph version (\S+)/.exec((await runTool("ceph", ["--version"], CLI_TIMEOUT_MS)).stdout)?.[1] ?? "unknown";

    return {
      dir,
      endpoint: `http://127.0.0.1:${rgwPort}`,
      version,
      admin: (args) => mustRun("radosgw-admin", ["-c", conf, "-n", "client.admin", ...args], CLI_TIMEOUT_MS),
      async restartGateway() {
        if (closed) throw new Error("the cluster is closed");
        await daemons.get("radosgw")?.stop(0);
        await startGateway();
      },
      async close() {
        if (closed) return;
        closed = true;
        await stopAll();
        await rm(dir, { recursive: true, force: true });
        guard.release();
      },
    };
  } catch (error) {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
    guard.release();
    throw error;
  }
}
