/** Tables of a case: printed aligned on the terminal and as Markdown for the docs. */

/** One table of results. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  /** Lines printed under the table (how it was measured, caveats). */
  notes?: string[];
}

/** The table as aligned plain text. */
export function renderText(table: Table): string {
  const all = [table.columns, ...table.rows];
  const widths = table.columns.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]): string =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  const out = [`\n== ${table.title}`, line(table.columns), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const row of table.rows) out.push(line(row));
  for (const note of table.notes ?? []) out.push(`  * ${note}`);
  return out.join("\n");
}

/** The table as GitHub Markdown. */
export function renderMarkdown(table: Table): string {
  const escape = (cell: string): string => cell.replace(/\|/g, "\\|");
  const out = [
    `### ${table.title}`,
    "",
    `| ${table.columns.map(escape).join(" | ")} |`,
    `|${table.columns.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...table.rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
  ];
  if (table.notes?.length) out.push("", ...table.notes.map((note) => `- ${note}`));
  return out.join("\n");
}
