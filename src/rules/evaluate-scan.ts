// Evaluate every rule over a scan's resources. Records stream in and findings stream out in
// batches (the caller wires both to the store), so memory stays flat and rules never see the store.
import type { FindingInput } from "../model/finding.js";
import type { JsonObject, ResourceRecord } from "../model/resource.js";
import { evaluateRule } from "./evaluate-rule.js";
import type { Rule } from "./rule.js";
import type { Severity, Status } from "../model/severity.js";

export interface EngineOptions {
  params?: Record<string, Record<string, unknown>>;
  /** The scan's one evaluation time: every age comparison of the scan uses it. */
  now: Date;
}

export interface EvaluationSummary {
  resources: number;
  results: number;
  byStatus: Record<Status, number>;
  failBySeverity: Record<Severity, number>;
}

export function evaluateRecords(
  records: Iterable<{ pk?: number; record: ResourceRecord }>,
  rules: readonly Rule[],
  opts: EngineOptions,
  write: (findings: FindingInput[]) => void,
): EvaluationSummary {
  const summary: EvaluationSummary = {
    resources: 0,
    results: 0,
    byStatus: { FAIL: 0, UNKNOWN: 0, PASS: 0 },
    failBySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
  };
  const byType = new Map<string, Rule[]>();
  for (const r of rules) for (const t of r.resourceTypes) byType.set(t, [...(byType.get(t) ?? []), r]);
  let pending: FindingInput[] = [];
  const flush = (): void => {
    write(pending);
    pending = [];
  };
  for (const { pk, record } of records) {
    summary.resources++;
    for (const rule of byType.get(record.resourceType) ?? []) {
      const result = evaluateRule(rule, record, {
        params: opts.params?.[rule.id] ?? {},
        now: opts.now,
      });
      if (!result) continue;
      summary.results++;
      summary.byStatus[result.status]++;
      if (result.status === "FAIL") summary.failBySeverity[result.severity]++;
      pending.push({
        ruleId: rule.id,
        resource: record,
        ...(pk !== undefined ? { resourcePk: pk } : {}),
        ...result,
      });
      if (pending.length >= 1000) flush();
    }
  }
  flush();
  return summary;
}

export function summaryJson(s: EvaluationSummary): JsonObject {
  return {
    resources: s.resources,
    results: s.results,
    byStatus: { ...s.byStatus },
    failBySeverity: { ...s.failBySeverity },
  };
}
