// What `dpscan scan` and `dpscan evaluate` print when a scan completes: resources by type, results
// by rule, the findings that are not PASS, coverage gaps, what was skipped and what arrived twice.
// Produced in chunks: the findings part streams from the store.
import { NOT_EXAMINED_CODE, REGION_NOT_ENABLED_CODE, isCoverageGap } from "../model/coverage.js";
import type { Status } from "../model/severity.js";
import type { DuplicateReport, FindingFilter, ScanRow, Store } from "../store/store.js";
import {
  FINDINGS_TABLE_COLUMNS,
  findingsTableRows,
  summaryTable,
  type TableContext,
} from "./findings-view.js";
import { table, type TextStyle } from "./text.js";

export interface SummaryOptions {
  style: TextStyle;
  /** WAIVED and the age beside each finding. */
  findings: TableContext;
  /** The database, named in the header. */
  database: string;
  /** A command line that works as printed, for `args` (e.g. "findings --scan 3"). */
  hint(args: string): string;
  /** Findings listed (the rest are one `findings` away); absent: all of them. */
  limit?: number;
  /** List PASS results too. */
  includePass?: boolean;
  /** Lines after the header (e.g. what `evaluate` read and ignored). */
  preamble?: string[];
}

export function* scanSummaryText(store: Store, scan: ScanRow, o: SummaryOptions): Generator<string> {
  yield `Scan ${scan.id} ${scan.status} (database ${o.database}).\n`;
  for (const line of o.preamble ?? []) yield `${line}\n`;
  yield "\n";
  const resources = store.countResources(scan.id);
  yield `${table(
    ["RESOURCE TYPE", "COUNT"],
    resources.map((r) => [r.resourceType, String(r.count)]),
  )}\n\n`;
  yield `${summaryTable(store.ruleTallies(scan.id), o.style)}\n\n`;
  yield* findingsPart(store, scan, o);
  yield "\n";
  for (const line of coverageLines(store, scan.id, o.style)) yield `${line}\n`;
  const dup = duplicatesLine(store.duplicateResources(scan.id));
  if (dup) yield `${dup}\n`;
  const counts = store.scanCounts(scan.id);
  yield `${counts.FAIL} FAIL, ${counts.UNKNOWN} UNKNOWN, ${counts.PASS} PASS.\n`;
}

function* findingsPart(store: Store, scan: ScanRow, o: SummaryOptions): Generator<string> {
  const statuses: Status[] = o.includePass ? ["FAIL", "UNKNOWN", "PASS"] : ["FAIL", "UNKNOWN"];
  const filter: FindingFilter = { statuses, ...(o.limit !== undefined ? { limit: o.limit } : {}) };
  const total = store.countFindings(scan.id, { statuses });
  const widths = store.findingColumnWidths(scan.id, filter, FINDINGS_TABLE_COLUMNS);
  yield* findingsTableRows(widths, store.iterateFindingDocs(scan.id, filter), o.style, o.findings);
  if (o.limit !== undefined && total > o.limit)
    yield `… ${total - o.limit} more: ${o.hint(`findings --scan ${scan.id}`)}\n`;
}

function coverageLines(store: Store, scanId: number, style: TextStyle): string[] {
  const coverage = store.coverage(scanId);
  const gaps = coverage.filter(isCoverageGap);
  const lines: string[] = [];
  if (gaps.length > 0) {
    lines.push(`Coverage gaps (${gaps.length}): these were not checked; their rules report UNKNOWN.`);
    lines.push(
      table(
        ["ACCOUNT", "REGION", "SERVICE", "OPERATION", "STATUS", "ERROR"],
        gaps.map((g) => [
          g.accountId,
          g.region,
          g.service,
          g.operation,
          g.status,
          `${g.errorCode ?? ""} ${g.errorMessage ?? ""}`.trim(),
        ]),
        { maxCell: 100, ...(style.width !== undefined ? { width: style.width } : {}) },
      ),
    );
  } else {
    lines.push("Coverage: complete (no denied or failed unit).");
  }
  const disabled = coverage.filter((c) => c.status === "skipped" && c.errorCode === REGION_NOT_ENABLED_CODE);
  if (disabled.length > 0) {
    const where = [...new Set(disabled.map((c) => c.region))].sort().join(", ");
    lines.push(`Skipped: ${disabled.length} unit(s) in regions not enabled for the account (${where}).`);
  }
  // Types AWS Config does not record are gaps (listed above with their reason), not disabled regions.
  const notRecorded = coverage.filter((c) => c.status === "skipped" && c.errorCode === NOT_EXAMINED_CODE);
  if (notRecorded.length > 0) {
    const types = [...new Set(notRecorded.flatMap((c) => c.resourceTypes))].sort().join(", ");
    lines.push(`Not examined: ${notRecorded.length} type(s) AWS Config does not record (${types}).`);
  }
  return lines;
}

function duplicatesLine(d: DuplicateReport): string | undefined {
  if (d.resources === 0) return undefined;
  const named = d.examples
    .map(
      (e) => `${e.resourceType} ${e.arn ?? `${e.accountId}/${e.region}/${e.resourceId}`} (${e.copies + 1}×)`,
    )
    .join(", ");
  const more = d.resources > d.examples.length ? `, and ${d.resources - d.examples.length} more` : "";
  return `Duplicates: ${d.resources} resource(s) arrived more than once (${d.copies} extra record(s)); each was judged once, on its newest capture: ${named}${more}.`;
}

/** The duplicate warning for stderr, or undefined when there is none. */
export function duplicatesWarning(d: DuplicateReport): string | undefined {
  return duplicatesLine(d)?.replace(/^Duplicates: /, "warning: ");
}
