// Shared rendering of findings for `scan`, `evaluate` and `findings`.
import type { FindingRow } from "../model/finding.js";
import { ageLabel, historyOf, statusLabel, waiverOf, type HistoryContext } from "./finding-history.js";
import { csv, table } from "./text.js";

export const FINDING_FIELDS = [
  "ruleId",
  "status",
  "severity",
  "resourceType",
  "resourceId",
  "arn",
  "accountId",
  "region",
  "message",
  "evidence",
] as const;

export function findingJson(f: FindingRow): Record<(typeof FINDING_FIELDS)[number], unknown> {
  return {
    ruleId: f.ruleId,
    status: f.status,
    severity: f.severity,
    resourceType: f.resourceType,
    resourceId: f.resourceId,
    arn: f.arn,
    accountId: f.accountId,
    region: f.region,
    message: f.message,
    evidence: f.evidence,
  };
}

/** With a history context: WAIVED beside the status, and an AGE column (first seen). */
export function findingsTable(rows: FindingRow[], history?: HistoryContext): string {
  if (rows.length === 0) return "(no findings match)";
  const age = history ? ["AGE"] : [];
  return table(
    ["STATUS", "SEVERITY", "RULE", "ACCOUNT", "REGION", "RESOURCE", ...age, "MESSAGE"],
    rows.map((f) => [
      history ? statusLabel(f, history) : f.status,
      f.severity,
      f.ruleId,
      f.accountId,
      f.region,
      f.resourceId,
      ...(history ? [ageLabel(f, history)] : []),
      f.message,
    ]),
    400, // the message is the last column: let the terminal wrap it rather than hide the reason
  );
}

/** With a history context: the lifecycle state, first seen date and waiver as extra columns. */
export function findingsCsv(rows: FindingRow[], history?: HistoryContext): string {
  const extra = history ? ["lifecycle", "firstSeen", "waived", "waiver"] : [];
  return csv(
    [...FINDING_FIELDS, ...extra],
    rows.map((f) => [
      ...FINDING_FIELDS.map((k) => findingJson(f)[k]),
      ...(history ? historyCells(f, history) : []),
    ]),
  );
}

function historyCells(f: FindingRow, history: HistoryContext): unknown[] {
  const h = historyOf(f, history);
  const w = waiverOf(f, history);
  return [h.state ?? "", h.firstSeen ?? "", w ? "WAIVED" : "", w];
}

export interface RuleTally {
  ruleId: string;
  severity: string;
  FAIL: number;
  UNKNOWN: number;
  PASS: number;
}

export function tallyByRule(rows: FindingRow[]): RuleTally[] {
  const m = new Map<string, RuleTally>();
  for (const f of rows) {
    const t = m.get(f.ruleId) ?? { ruleId: f.ruleId, severity: f.severity, FAIL: 0, UNKNOWN: 0, PASS: 0 };
    t[f.status]++;
    m.set(f.ruleId, t);
  }
  return [...m.values()].sort(
    (a, b) => b.FAIL - a.FAIL || b.UNKNOWN - a.UNKNOWN || a.ruleId.localeCompare(b.ruleId),
  );
}

export function summaryTable(rows: FindingRow[]): string {
  const tallies = tallyByRule(rows);
  if (tallies.length === 0) return "(no rule applied to any resource)";
  return table(
    ["RULE", "FAIL", "UNKNOWN", "PASS"],
    tallies.map((t) => [t.ruleId, String(t.FAIL), String(t.UNKNOWN), String(t.PASS)]),
  );
}
