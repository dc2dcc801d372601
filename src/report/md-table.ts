// Markdown tables for job summaries, PR comments and `diff --format md`: untrusted text (resource
// names, tags, messages) goes through the one Markdown escaper (md, src/report/markdown.ts),
// clipped to one bounded line; code spans cannot be closed early; every table is bounded.
import { clip } from "../util/text.js";
import { md } from "./markdown.js";

/**
 * One table cell or inline text: one line, at most `max` characters, nothing interpreted. A PR
 * comment must not notify anyone: GitHub finds @mentions in the rendered text, where `\@` is a
 * plain `@` again, so a zero-width space follows every `@`.
 */
export function mdText(s: string, max = 300): string {
  return md(clip(s, max)).replace(/\\@/g, "@\u200b");
}

/** Code-like text shown literally (rule ids, ARNs) inside backticks, with backticks removed. */
export function mdCode(s: string, max = 300): string {
  const c = clip(s, max).replace(/`/g, "'").replace(/\|/g, "\\|");
  return `\`${c}\``;
}

/** A table of at most `limit` rows, with a line saying how many were left out. Cells are already escaped. */
export function mdTable(headers: string[], rows: string[][], limit = 100, total = rows.length): string {
  const shown = rows.slice(0, limit);
  const lines = [
    `| ${headers.join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...shown.map((r) => `| ${r.join(" | ")} |`),
  ];
  if (total > shown.length) lines.push("", `… and ${total - shown.length} more.`);
  return lines.join("\n");
}
