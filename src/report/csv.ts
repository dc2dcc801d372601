// The CSV report: one row per requirement (its ID, title and status; headings left out), then one
// row per finding (PASS included) in report order, the JSON's, with the IDs of the requirements it
// evidences in one cell, space-separated (requirement IDs hold no spaces: framework-schema.ts).
// A finding's row is the same whichever requirements list it, so it is encoded once, even for
// several frameworks (write.ts). Cells are formula-injection safe (src/report/text.ts).
import type { ReportDigest, ReportFinding, ReportWaiver } from "./model.js";
import { STATUS_LABELS } from "./model.js";
import { csvCell, csvRow } from "./text.js";

export const CSV_COLUMNS = [
  "framework",
  "row",
  "requirementIds",
  "requirementTitle",
  "requirementStatus",
  "ruleId",
  "status",
  "severity",
  "accountId",
  "region",
  "resourceType",
  "resourceId",
  "arn",
  "message",
  "scopeNote",
  "previousStatus",
  "new",
  "waived",
  "waiver",
] as const;

/** Columns before a finding's own cells: framework, row, requirementIds, title and status. */
const LEAD = 5;

export function* csvChunks(m: ReportDigest): Generator<string> {
  yield csvHead(m);
  const rows = new CsvRows(m);
  const cell = cachedCells();
  let batch = "";
  let n = 0;
  for (const f of m.findings()) {
    batch += rows.row(f, findingCells(m.waivers, f, cell));
    if (++n % 1000 === 0) {
      yield batch;
      batch = "";
    }
  }
  if (batch) yield batch;
}

/** The header and the requirement rows: what comes before the findings. */
export function csvHead(m: ReportDigest): string {
  const blank = ",".repeat(CSV_COLUMNS.length - LEAD);
  let out = csvRow(CSV_COLUMNS);
  for (const r of m.requirements) {
    if (r.kind === "heading") continue;
    const status = r.status ? STATUS_LABELS[r.status] : "";
    out += `${[m.framework.id, "requirement", r.id, r.title, status].map(csvCell).join(",")}${blank}\r\n`;
  }
  return out;
}

/** A framework's finding rows: its lead cells per rule, encoded once, before the finding's cells. */
export class CsvRows {
  private readonly leads = new Map<string, string>();
  private readonly bytes = new Map<string, Buffer>();
  /** A rule no requirement names (none in a loaded framework): no requirement IDs. */
  private readonly none: string;

  constructor(m: ReportDigest) {
    this.none = `${csvCell(m.framework.id)},finding,,,,`;
    const ids = new Map<string, string[]>();
    for (const r of m.requirements)
      for (const rule of new Set(r.rules)) ids.set(rule, [...(ids.get(rule) ?? []), r.id]);
    for (const [rule, list] of ids) {
      const lead = `${[m.framework.id, "finding", list.join(" ")].map(csvCell).join(",")},,,`;
      this.leads.set(rule, lead);
      this.bytes.set(rule, Buffer.from(lead, "utf8"));
    }
  }

  /** `cells`: findingCells of `f`. */
  row(f: ReportFinding, cells: string): string {
    return `${this.leads.get(f.ruleId) ?? this.none}${cells}\r\n`;
  }

  /** The cells before a finding's own, as UTF-8. */
  lead(ruleId: string): Buffer {
    let b = this.bytes.get(ruleId);
    if (!b) this.bytes.set(ruleId, (b = Buffer.from(this.leads.get(ruleId) ?? this.none, "utf8")));
    return b;
  }
}

/**
 * csvCell for the values findings repeat (rule, status, account, region, message...), remembered
 * for the rest of the report; bounded, past MAX distinct values a cell is encoded each time.
 */
export function cachedCells(): (v: string) => string {
  const MAX = 4096;
  const seen = new Map<string, string>();
  return (v) => {
    let c = seen.get(v);
    if (c === undefined) {
      c = csvCell(v);
      if (seen.size < MAX) seen.set(v, c);
    }
    return c;
  };
}

/** A finding's own cells, ruleId to waiver, joined: the same in every framework's CSV. */
export function findingCells(
  waivers: readonly ReportWaiver[],
  f: ReportFinding,
  cell: (v: string) => string,
): string {
  return [
    cell(f.ruleId),
    cell(f.status),
    cell(f.severity),
    cell(f.accountId),
    cell(f.region),
    cell(f.resourceType),
    csvCell(f.resourceId),
    csvCell(f.arn ?? ""),
    cell(f.message),
    cell(f.scopeNote ?? ""),
    cell(f.previousStatus ?? ""),
    f.isNew ? "yes" : "",
    f.waiver !== null ? "yes" : "",
    f.waiver !== null ? csvCell(waivers[f.waiver]) : "",
  ].join(",");
}

export function renderCsv(model: ReportDigest): string {
  return [...csvChunks(model)].join("");
}
