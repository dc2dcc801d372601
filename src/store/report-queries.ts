// Reads for reports: a scan's findings of some rules in report order, streamed, so a report never
// holds or sorts a scan's findings. The order is total: FAIL, UNKNOWN, PASS; severity, highest
// first; then rule, account, region, resource type and id (by code point), and the row id.
import { asUnreadable } from "../model/resource.js";
import type { FindingRow } from "../model/finding.js";
import type { Severity, Status } from "../model/severity.js";
import type { Store } from "./store.js";

export interface ReportFindingRow {
  finding: Omit<FindingRow, "evidence">;
  tags: Record<string, string> | null;
  tagsUnreadable: boolean;
}

interface Raw {
  id: number;
  scan_id: number;
  rule_id: string;
  status: Status;
  severity: Severity;
  resource_type: string;
  resource_id: string;
  arn: string | null;
  account_id: string;
  region: string;
  message: string;
  r_tags: string | null;
  r_tags_supp: string | null;
}

/**
 * The findings of `ruleIds` in scan `scanId`, in report order. The findings_report_order index
 * (migration 004) gives the order up to the region; SQLite sorts only within each run of equal
 * leading terms. Without tags (a report not scoped by tag) there is no join to the resources.
 */
export function* reportOrderFindings(
  store: Store,
  scanId: number,
  ruleIds: readonly string[],
  withTags: boolean,
): Generator<ReportFindingRow> {
  if (ruleIds.length === 0) return;
  const tagColumns = withTags
    ? "r.tags_json AS r_tags, json_extract(r.supplementary_json, '$.Tags') AS r_tags_supp"
    : "NULL AS r_tags, NULL AS r_tags_supp";
  const stmt = store.db.prepare(
    `SELECT f.id, f.scan_id, f.rule_id, f.status, f.severity, f.resource_type, f.resource_id, f.arn,
       f.account_id, f.region, f.message, ${tagColumns}
     FROM findings f ${withTags ? "LEFT JOIN resources r ON r.id = f.resource_pk" : ""}
     WHERE f.scan_id = ? AND f.rule_id IN (SELECT value FROM json_each(?))
     ORDER BY CASE f.status WHEN 'FAIL' THEN 0 WHEN 'UNKNOWN' THEN 1 ELSE 2 END,
       f.severity_rank DESC, f.rule_id, f.account_id, f.region, f.resource_type, f.resource_id, f.id`,
  );
  for (const r of stmt.iterate(scanId, JSON.stringify(ruleIds)) as IterableIterator<Raw>) {
    const supp: unknown = r.r_tags_supp ? JSON.parse(r.r_tags_supp) : null;
    yield {
      finding: {
        id: r.id,
        scanId: r.scan_id,
        ruleId: r.rule_id,
        status: r.status,
        severity: r.severity,
        resourceType: r.resource_type,
        resourceId: r.resource_id,
        arn: r.arn,
        accountId: r.account_id,
        region: r.region,
        message: r.message,
      },
      tags: r.r_tags === null ? null : (JSON.parse(r.r_tags) as Record<string, string>),
      tagsUnreadable: asUnreadable(supp) !== undefined,
    };
  }
}
