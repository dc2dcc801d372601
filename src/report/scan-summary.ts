// What `dpscan scan` prints when a scan completes: resources by type, findings, coverage gaps.
import type { CoverageRow } from "../model/coverage.js";
import type { JsonObject } from "../model/resource.js";
import type { Store } from "../store/store.js";
import { findingsTable, summaryTable } from "./findings-view.js";
import { table } from "./text.js";

/** Findings shown in the summary; the rest are one `dpscan findings` away. */
const SHOWN = 60;

export function scanSummaryJson(
  store: Store,
  scanId: number,
  summary: JsonObject,
  gaps: CoverageRow[],
): string {
  return JSON.stringify({ scanId, summary, resources: store.countResources(scanId), gaps }, null, 2);
}

export function scanSummaryText(
  store: Store,
  scanId: number,
  summary: JsonObject,
  gaps: CoverageRow[],
): string {
  const lines: string[] = [];
  const findings = store.queryFindings(scanId);
  lines.push(`Scan ${scanId} complete.`, "");
  lines.push(
    table(
      ["RESOURCE TYPE", "COUNT"],
      store.countResources(scanId).map((r) => [r.resourceType, String(r.count)]),
    ),
    "",
  );
  lines.push(summaryTable(findings), "");
  const notPass = findings.filter((f) => f.status !== "PASS");
  lines.push(findingsTable(notPass.slice(0, SHOWN)));
  if (notPass.length > SHOWN)
    lines.push(`… ${notPass.length - SHOWN} more: dpscan findings --scan ${scanId}`);
  lines.push("");
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
        100,
      ),
    );
  } else {
    lines.push("Coverage: complete (no denied or failed unit).");
  }
  const skipped = store.coverage(scanId).filter((c) => c.status === "skipped");
  if (skipped.length > 0) {
    const where = [...new Set(skipped.map((c) => c.region))].sort().join(", ");
    lines.push(`Skipped: ${skipped.length} unit(s) in regions not enabled for the account (${where}).`);
  }
  const s = summary as { byStatus?: Record<string, number> };
  lines.push(
    `${s.byStatus?.FAIL ?? 0} FAIL, ${s.byStatus?.UNKNOWN ?? 0} UNKNOWN, ${s.byStatus?.PASS ?? 0} PASS.`,
  );
  return lines.join("\n");
}
