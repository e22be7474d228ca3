/** What every case receives, and what it returns. */
import type { BenchOptions } from "./options.js";
import type { Table } from "./table.js";

/** A goal of the project, checked against a measured figure. */
export interface Goal {
  /** What is measured, e.g. "s3edge (Buffer) / raw fetch, sink". */
  name: string;
  /** The goal as text, e.g. ">= 0.95x". */
  target: string;
  /** The measured figure as text. */
  value: string;
  ok: boolean;
}

/** Where the run happens. */
export interface BenchContext {
  options: BenchOptions;
  /** Repository root. */
  root: string;
  /** Folder of the bundled bench scripts (`.tmp/bench`), for forking helpers. */
  bundleDir: string;
  /** Progress line on stderr (kept out of the tables). */
  progress(message: string): void;
}

/** What a case hands back: tables to print, goals, and every raw sample. */
export interface CaseResult {
  tables: Table[];
  goals: Goal[];
  /** Raw samples and settings, written to results.json. */
  data: Record<string, unknown>;
}
