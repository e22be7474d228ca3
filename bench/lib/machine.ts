/** Facts about the machine a run happened on, recorded with its results. */
import { execFileSync } from "node:child_process";
import os from "node:os";

/** What `results.json` records about the machine. */
export interface MachineFacts {
  /** `nproc`. */
  nproc: number;
  cpuModel: string;
  /** `free -h`, verbatim. */
  free: string;
  totalMemoryBytes: number;
  node: string;
  v8: string;
  platform: string;
  kernel: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadavg: number[];
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "(unavailable)";
  }
}

/** Collect the machine facts. */
export function machineFacts(): MachineFacts {
  const nproc = Number(run("nproc", []));
  return {
    nproc: Number.isInteger(nproc) && nproc > 0 ? nproc : os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    free: run("free", ["-h"]),
    totalMemoryBytes: os.totalmem(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
