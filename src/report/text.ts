import { clip, safeText } from "../util/text.js";

// Plain text tables and CSV. Values are untrusted (resource names, tags): control characters are
// stripped for terminals, and CSV cells that a spreadsheet would run as formulas are neutralised.

/** How text output is shown: fitted to a terminal's width (absent: no limit), with or without colour. */
export interface TextStyle {
  width?: number;
  color: boolean;
}

export const PLAIN: TextStyle = { color: false };

export interface TableOptions {
  /** Longest a cell may be before it is clipped (default 80). */
  maxCell?: number;
  /** Fit the table in this many columns by clipping its widest columns; absent: no limit. */
  width?: number;
  /** Decorates a clipped cell (colour on a terminal); must not change its visible width. */
  paint?: (column: number, cell: string) => string;
}

export function table(headers: string[], rows: string[][], opts: number | TableOptions = {}): string {
  const o = typeof opts === "number" ? { maxCell: opts } : opts;
  const clean = rows.map((r) => r.map((c) => oneLine(c, o.maxCell ?? 80)));
  // A loop, not Math.max(...cells): one spread argument per row overflows the stack on large tables.
  const natural = headers.map((h) => h.length);
  for (const r of clean)
    for (let i = 0; i < natural.length; i++) natural[i] = Math.max(natural[i] ?? 0, (r[i] ?? "").length);
  const layout = tableLayout(headers, natural, o.width);
  return [layout.header, layout.rule, ...clean.map((r) => layout.row(r, o.paint))].join("\n");
}

export interface TableLayout {
  widths: number[];
  header: string;
  rule: string;
  row(cells: string[], paint?: TableOptions["paint"]): string;
}

/**
 * Column widths and line rendering for a table whose natural column widths are known in advance
 * (so rows can be written one at a time): columns are clipped, widest first, to fit `width`.
 */
export function tableLayout(headers: string[], natural: number[], width?: number): TableLayout {
  const widths = fitWidths(headers, natural, width);
  const last = widths.length - 1;
  const line = (cells: string[], paint?: TableOptions["paint"]): string =>
    cells
      .map((raw, i) => {
        const w = widths[i] ?? 0;
        const cell = raw.length > w ? clip(raw, w) : raw;
        const pad = i === last ? "" : " ".repeat(Math.max(0, w - cell.length));
        return (paint ? paint(i, cell) : cell) + pad;
      })
      .join("  ")
      .trimEnd();
  // The last column is unpadded free text: its rule need not run as long as its longest cell.
  const rule = widths.map((w, i) =>
    "-".repeat(i === last ? Math.min(w, Math.max(40, headers[i]?.length ?? 0)) : w),
  );
  return { widths, header: line(headers), rule: line(rule), row: line };
}

/** Shrink the widest columns until the table fits `width` (never below a header or 4 characters). */
function fitWidths(headers: string[], natural: number[], width: number | undefined): number[] {
  const w = [...natural];
  if (width === undefined) return w;
  const floor = w.map((n, i) => Math.min(n, Math.max(4, headers[i]?.length ?? 0)));
  let excess = w.reduce((a, b) => a + b, 0) + 2 * (w.length - 1) - width;
  while (excess > 0) {
    let i = -1;
    for (let j = 0; j < w.length; j++)
      if ((w[j] ?? 0) > (floor[j] ?? 0) && (i < 0 || (w[j] ?? 0) > (w[i] ?? 0))) i = j;
    if (i < 0) break; // cannot fit: the narrowest readable table overflows
    const next = Math.max(floor[i] ?? 0, ...w.filter((_, j) => j !== i), (w[i] ?? 0) - excess);
    const cut = Math.max(1, (w[i] ?? 0) - next);
    w[i] = (w[i] ?? 0) - cut;
    excess -= cut;
  }
  return w;
}

export function oneLine(s: string, max = 200): string {
  return clip(s, max);
}

/** One CSV row: cells quoted when needed, and never a formula a spreadsheet would run. */
export function csvRow(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** One CSV cell as csvRow writes it. */
export function csvCell(v: unknown): string {
  const raw = v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
  let s = safeText(raw); // a CSV is often read with cat or less, in a terminal
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(headers: string[], rows: unknown[][]): string {
  return [headers, ...rows].map(csvRow).join("");
}

const SGR = { red: [31, 39], yellow: [33, 39], bold: [1, 22] } as const;

/** `text` in a terminal colour, or unchanged without colour. */
export function paintText(style: TextStyle, text: string, ...codes: (keyof typeof SGR)[]): string {
  if (!style.color) return text;
  return codes.reduce((t, c) => `\u001b[${SGR[c][0]}m${t}\u001b[${SGR[c][1]}m`, text);
}

/** The highlight of a status or severity cell: FAIL and critical stand out, UNKNOWN is marked. */
export function statusPaint(style: TextStyle, value: string): string {
  if (value === "FAIL" || value === "failed") return paintText(style, value, "red");
  if (value === "critical") return paintText(style, value, "red", "bold");
  if (value === "UNKNOWN" || value === "interrupted" || value === "stale")
    return paintText(style, value, "yellow");
  return value;
}
