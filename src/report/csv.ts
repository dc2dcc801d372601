// The CSV report: one row per requirement × finding (PASS included), and one row for each
// requirement without findings (manual, not applicable), so every requirement appears. Cells are
// formula-injection safe (src/report/text.ts).
import type { ReportDigest, ReportFinding, ReportRun } from "./model.js";
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

/** `keep`: characters of encoded runs kept for reuse (RunRows); the bytes do not depend on it. */
export function* csvChunks(m: ReportDigest, keep = RUN_BUDGET): Generator<string> {
  yield csvRow(CSV_COLUMNS);
  const cell = cachedCells();
  const runs = new RunRows(m, cell, keep);
  for (const r of m.requirements) {
    if (r.kind === "heading") continue;
    const lead = [m.framework.id, r.id, r.title, r.status ? STATUS_LABELS[r.status] : ""];
    if (r.runs.length === 0) {
      yield csvRow([...lead, ...CSV_COLUMNS.slice(lead.length).map(() => "")]);
      continue;
    }
    // The requirement's cells are the same on each of its rows: encoded once.
    const prefix = `${lead.map(csvCell).join(",")},`;
    let batch = "";
    let n = 0;
    for (const run of r.runs)
      for (const cells of runs.rows(run)) {
        batch += `${prefix}${cells}\r\n`;
        if (++n % 1000 === 0) {
          yield batch;
          batch = "";
        }
      }
    if (batch) yield batch;
  }
}

/**
 * The finding cells of each run, read from the store and encoded once for every requirement that
 * lists the run: kept, until its last requirement, while the kept text stays under the budget
 * (characters); past that a run is read again for each requirement.
 */
const RUN_BUDGET = 64 << 20;

class RunRows {
  private readonly uses = new Map<string, number>();
  private readonly kept = new Map<string, string[]>();
  private size = 0;

  constructor(
    private readonly m: ReportDigest,
    private readonly cell: (v: string) => string,
    private readonly budget: number,
  ) {
    for (const r of m.requirements)
      for (const run of r.runs) this.uses.set(key(run), (this.uses.get(key(run)) ?? 0) + 1);
  }

  *rows(run: ReportRun): Generator<string> {
    const k = key(run);
    const left = (this.uses.get(k) ?? 1) - 1;
    this.uses.set(k, left);
    const hit = this.kept.get(k);
    if (hit) {
      if (left === 0) this.forget(k, hit);
      yield* hit;
      return;
    }
    // Kept only while it fits: one huge run is not held whole.
    let keep: string[] | null = left > 0 ? [] : null;
    let chars = 0;
    for (const f of this.m.runFindings(run)) {
      const cells = findingCells(this.m, f, this.cell);
      if (keep) {
        chars += cells.length;
        if (this.size + chars > this.budget) keep = null;
        else keep.push(cells);
      }
      yield cells;
    }
    if (keep) {
      this.kept.set(k, keep);
      this.size += chars;
    }
  }

  private forget(k: string, rows: string[]): void {
    this.kept.delete(k);
    for (const r of rows) this.size -= r.length;
  }
}

const key = (run: ReportRun): string => `${run.ruleId}\u0000${run.status}\u0000${run.rank}`;

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
