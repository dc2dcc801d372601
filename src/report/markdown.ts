// Markdown for job summaries, PR comments and `--format md`: untrusted text (resource names, tags,
// messages) becomes inert — no HTML, no emphasis or links, no table breakout, no @mentions that
// would notify people — and every table is bounded.
import { clip } from "../util/text.js";

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** One table cell or inline text: one line, at most `max` characters, nothing interpreted. */
export function mdText(s: string, max = 300): string {
  return clip(s, max)
    .replace(/[&<>"]/g, (c) => HTML[c] ?? c)
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/@/g, "&#64;");
}

/** Code-like text shown literally (rule ids, ARNs) inside backticks, with backticks removed. */
export function mdCode(s: string, max = 300): string {
  const c = clip(s, max).replace(/`/g, "'").replace(/\|/g, "\\|");
  return `\`${c}\``;
}

/** A table of at most `limit` rows, with a line saying how many were left out. Cells are already escaped. */
export function mdTable(headers: string[], rows: string[][], limit = 100): string {
  const shown = rows.slice(0, limit);
  const lines = [
    `| ${headers.join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...shown.map((r) => `| ${r.join(" | ")} |`),
  ];
  if (rows.length > limit) lines.push("", `… and ${rows.length - limit} more.`);
  return lines.join("\n");
}
