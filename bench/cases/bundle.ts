import type { BenchContext, CaseResult } from "../lib/context.js";
/** Placeholder. */
export async function runBundle(_ctx: BenchContext): Promise<CaseResult> {
  throw new Error("not written yet");
}
