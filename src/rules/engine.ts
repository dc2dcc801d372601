// Evaluate every rule over a stored scan's resources and store the findings.
// Resources are streamed from the store, findings written in batches: memory stays flat.
import type { JsonObject } from "../model/resource.js";
import type { FindingInput, Store } from "../store/store.js";
import { evaluateRule } from "./evaluate.js";
import type { Rule } from "./rule.js";
import type { Severity, Status } from "./severity.js";

export interface EngineOptions {
  params?: Record<string, Record<string, unknown>>;
  now?: Date;
}

export interface EvaluationSummary {
  resources: number;
  results: number;
  byStatus: Record<Status, number>;
  failBySeverity: Record<Severity, number>;
}

export function evaluateStoredScan(
  store: Store,
  scanId: number,
  rules: Rule[],
  opts: EngineOptions = {},
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
    store.insertFindings(scanId, pending);
    pending = [];
  };
  for (const { pk, record } of store.iterateResources(scanId)) {
    summary.resources++;
    for (const rule of byType.get(record.resourceType) ?? []) {
      const result = evaluateRule(rule, record, {
        params: opts.params?.[rule.id] ?? {},
        now: opts.now ?? new Date(),
      });
      if (!result) continue;
      summary.results++;
      summary.byStatus[result.status]++;
      if (result.status === "FAIL") summary.failBySeverity[result.severity]++;
      pending.push({ ruleId: rule.id, resource: record, resourcePk: pk, ...result });
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
