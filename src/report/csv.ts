// The CSV report: one row per requirement × finding (PASS included), and one row for each
// requirement without findings (manual, not applicable), so every requirement appears. Cells are
// formula-injection safe (src/report/text.ts).
import type { ReportFinding, ReportModel } from "./model.js";
import { STATUS_LABELS } from "./model.js";
import { csvRow } from "./text.js";

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

export function* csvChunks(m: ReportModel): Generator<string> {
  yield csvRow(CSV_COLUMNS);
  for (const r of m.requirements) {
    if (r.kind === "heading") continue;
    const lead = [m.framework.id, r.id, r.title, r.status ? STATUS_LABELS[r.status] : ""];
    if (r.findings.length === 0) {
      yield csvRow([...lead, ...CSV_COLUMNS.slice(lead.length).map(() => "")]);
      continue;
    }
    let batch = "";
    for (const [n, i] of r.findings.entries()) {
      batch += csvRow([...lead, ...findingCells(m, m.findings[i] as ReportFinding)]);
      if (n % 1000 === 999) {
        yield batch;
        batch = "";
      }
    }
    if (batch) yield batch;
  }
}

function findingCells(m: ReportModel, f: ReportFinding): unknown[] {
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
    f.waiver !== null ? "yes" : "",
    f.waiver !== null ? m.waivers[f.waiver] : "",
  ];
}

export function renderCsv(model: ReportModel): string {
  return [...csvChunks(model)].join("");
}
