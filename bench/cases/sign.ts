import type { BenchContext, CaseResult } from "../lib/context.js";
/** Placeholder. */
export async function runSign(_ctx: BenchContext): Promise<CaseResult> {
  throw new Error("not written yet");
}
