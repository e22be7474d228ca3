/**
 * Options of `npm run bench`: flags (`--quick`, `--gib`, `--only=upload,sign`)
 * or the same through the environment (`BENCH_QUICK=1`, `BENCH_GIB=1`,
 * `BENCH_ONLY=upload,sign`).
 */

/** The cases, in the order they run. */
export const CASES = [
  "upload",
  "upload-browser",
  "memory",
  "sign",
  "fallback",
  "images",
  "sw",
  "geo-uploads",
  "geo-reads",
  "bundle",
] as const;

/** Name of a case. */
export type CaseName = (typeof CASES)[number];

/** What the run was asked for. */
export interface BenchOptions {
  /** Fewer repetitions and smaller sizes: a smoke run. */
  quick: boolean;
  /** Adds the 1 GiB cases (upload throughput, memory). */
  gib: boolean;
  /** Run the browser memory measurement (Chromium) with the memory case; default on, `--no-browser` or BENCH_BROWSER=0 to skip. */
  browser: boolean;
  /** Cases to run, in {@link CASES} order. */
  only: CaseName[];
}

const truthy = (value: string | undefined): boolean =>
  value !== undefined && value !== "" && value !== "0" && value !== "false";

/** Parse `argv` (without node and the script) and `env`. Throws on an unknown case or flag. */
export function parseOptions(argv: readonly string[], env: Record<string, string | undefined>): BenchOptions {
  let quick = truthy(env["BENCH_QUICK"]);
  let gib = truthy(env["BENCH_GIB"]);
  let browser = env["BENCH_BROWSER"] === undefined ? true : truthy(env["BENCH_BROWSER"]);
  let only = env["BENCH_ONLY"];
  for (const arg of argv) {
    if (arg === "--quick") quick = true;
    else if (arg === "--gib") gib = true;
    else if (arg === "--browser") browser = true;
    else if (arg === "--no-browser") browser = false;
    else if (arg.startsWith("--only=")) only = arg.slice("--only=".length);
    else
      throw new Error(`bench: unknown argument ${arg} (use --quick, --gib, --no-browser, --only=${CASES.join(",")})`);
  }
  const wanted = only
    ? only
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [...CASES];
  for (const name of wanted) {
    if (!(CASES as readonly string[]).includes(name))
      throw new Error(`bench: unknown case "${name}" (cases: ${CASES.join(", ")})`);
  }
  return { quick, gib, browser, only: CASES.filter((name) => wanted.includes(name)) };
}
