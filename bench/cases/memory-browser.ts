import type { BenchContext, CaseResult } from "../lib/context.js";
/** Placeholder. */
export async function runBrowserMemory(_ctx: BenchContext): Promise<CaseResult> {
  return { tables: [], goals: [], data: { skipped: "not written yet" } };
}
