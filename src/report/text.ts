import { clip } from "../util/text.js";

// Plain text tables and CSV. Values are untrusted (resource names, tags): control characters are
// stripped for terminals, and CSV cells that a spreadsheet would run as formulas are neutralised.

export function table(headers: string[], rows: string[][], maxWidth = 80): string {
  const clean = rows.map((r) => r.map((c) => oneLine(c, maxWidth)));
  const widths = headers.map((h, i) => Math.max(h.length, ...clean.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  // The last column is unpadded free text: its rule need not run as long as its longest cell.
  const rule = widths.map((w, i) =>
    "-".repeat(i === widths.length - 1 ? Math.min(w, Math.max(40, headers[i]?.length ?? 0)) : w),
  );
  return [line(headers), line(rule), ...clean.map(line)].join("\n");
}

export function oneLine(s: string, max = 200): string {
  return clip(s, max);
}

/** One CSV cell: quoted when needed, and never a formula a spreadsheet would run. */
function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record with its CRLF, for writers that stream rows. */
export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

export function csv(headers: string[], rows: unknown[][]): string {
  return [headers, ...rows].map(csvLine).join("");
}
