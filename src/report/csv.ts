// The CSV report: one row per requirement × finding (PASS included), and one row for each
// requirement without findings (manual, not applicable), so every requirement appears. Cells are
// formula-injection safe (src/report/text.ts).
import type { ReportDigest, ReportFinding } from "./model.js";
import { STATUS_LABELS } from "./model.js";
import { csvCell, csvRow } from "./text.js";

export const CSV_COLUMNS = [
  "framework",
  "requirementId",
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

export function* csvChunks(m: ReportDigest): Generator<string> {
  yield csvRow(CSV_COLUMNS);
  const cell = cachedCells();
  for (const r of m.requirements) {
    if (r.kind === "heading") continue;
    const lead = [m.framework.id, r.id, r.title, r.status ? STATUS_LABELS[r.status] : ""];
    if (r.ranges.length === 0) {
      yield csvRow([...lead, ...CSV_COLUMNS.slice(lead.length).map(() => "")]);
      continue;
    }
    // The requirement's cells are the same on each of its rows: encoded once.
    const prefix = `${lead.map(csvCell).join(",")},`;
    let batch = "";
    let n = 0;
    for (const f of m.requirementFindings(r)) {
      batch += `${prefix}${findingCells(m, f, cell)}\r\n`;
      if (++n % 1000 === 0) {
        yield batch;
        batch = "";
      }
    }
    if (batch) yield batch;
  }
}

/**
 * csvCell for the values findings repeat (rule, status, account, region, message...), remembered
 * for the rest of the report; bounded, past MAX distinct values a cell is encoded each time.
 */
function cachedCells(): (v: string) => string {
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

function findingCells(m: ReportDigest, f: ReportFinding, cell: (v: string) => string): string {
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
    f.waiver !== null ? csvCell(m.waivers[f.waiver]) : "",
  ].join(",");
}

export function renderCsv(model: ReportDigest): string {
  return [...csvChunks(model)].join("");
}
