// The CSV report: one row per requirement × finding (PASS included), and one row for each
// requirement without findings (manual, not applicable), so every requirement appears. Cells are
// formula-injection safe (src/report/text.ts).
import type { ReportFinding, ReportModel } from "./model.js";
import { STATUS_LABELS } from "./model.js";
import { csvLine } from "./text.js";

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
] as const;

export function* csvChunks(m: ReportModel): Generator<string> {
  yield csvLine(CSV_COLUMNS);
  for (const r of m.requirements) {
    if (r.kind === "heading") continue;
    const lead = [m.framework.id, r.id, r.title, r.status ? STATUS_LABELS[r.status] : ""];
    if (r.findings.length === 0) {
      yield csvLine([...lead, ...CSV_COLUMNS.slice(lead.length).map(() => "")]);
      continue;
    }
    let batch = "";
    for (const [n, i] of r.findings.entries()) {
      batch += csvLine([...lead, ...findingCells(m.findings[i] as ReportFinding)]);
      if (n % 1000 === 999) {
        yield batch;
        batch = "";
      }
    }
    if (batch) yield batch;
  }
}

function findingCells(f: ReportFinding): unknown[] {
  return [
    f.ruleId,
    f.status,
    f.severity,
    f.accountId,
    f.region,
    f.resourceType,
    f.resourceId,
    f.arn ?? "",
    f.message,
    f.scopeNote ?? "",
    f.previousStatus ?? "",
    f.isNew ? "yes" : "",
  ];
}

export function renderCsv(model: ReportModel): string {
  return [...csvChunks(model)].join("");
}
