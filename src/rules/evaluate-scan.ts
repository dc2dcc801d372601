// Evaluate every rule over a scan's resources. Records stream in and findings stream out in
// batches (the caller wires both to the store), so memory stays flat and rules never see the store.
import type { FindingInput } from "../model/finding.js";
import type { JsonObject, ResourceRecord } from "../model/resource.js";
import type { CoverageInput } from "../model/coverage.js";
import { referencesOf, referenceTarget, REFERENCES } from "../model/references.js";
import type { Condition, RelatedSpec } from "./conditions/index.js";
import { prepareRule, type RuleResult } from "./evaluate-rule.js";
import { RelatedIndex, type RelatedPlan } from "./related.js";
import type { Rule } from "./rule.js";
import type { ScanFacts } from "./scan-facts.js";
import type { Severity, Status } from "../model/severity.js";

export interface EngineOptions {
  params?: Record<string, Record<string, unknown>>;
  /** The scan's one evaluation time: every age comparison of the scan uses it. */
  now: Date;
  /** The scan's reference index (relatedIndex()), when a rule has a `related` condition. */
  related?: RelatedIndex;
  /** Facts about the whole scan (scanFactsOf over SCAN_FACT_TYPES records). */
  scan?: ScanFacts;
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
  // Each rule bound once to its options; per type, the rules that apply, in catalog order.
  const byType = new Map<string, { rule: Rule; judge: (record: ResourceRecord) => RuleResult | null }[]>();
  for (const rule of rules) {
    const judge = prepareRule(rule, {
      params: opts.params?.[rule.id] ?? {},
      now: opts.now,
      ...(opts.related ? { related: opts.related } : {}),
      ...(opts.scan ? { scan: opts.scan } : {}),
    });
    for (const t of rule.resourceTypes) byType.set(t, [...(byType.get(t) ?? []), { rule, judge }]);
  }
  let pending: FindingInput[] = [];
  const flush = (): void => {
    write(pending);
    pending = [];
  };
  for (const { pk, record } of records) {
    summary.resources++;
    for (const { rule, judge } of byType.get(record.resourceType) ?? []) {
      const result = judge(record);
      if (!result) continue;
      summary.results++;
      summary.byStatus[result.status]++;
      if (result.status === "FAIL") summary.failBySeverity[result.severity]++;
      // The same keys in the same order as spreading the result would give.
      pending.push(
        pk !== undefined
          ? {
              ruleId: rule.id,
              resource: record,
              resourcePk: pk,
              status: result.status,
              severity: result.severity,
              message: result.message,
              evidence: result.evidence,
            }
          : {
              ruleId: rule.id,
              resource: record,
              status: result.status,
              severity: result.severity,
              message: result.message,
              evidence: result.evidence,
            },
      );
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

/** What the rules' `related` conditions need from pass 1, or undefined when none has one. */
export function relatedPlan(rules: readonly Rule[]): RelatedPlan | undefined {
  const specs = rules.flatMap((r) => [
    ...(r.appliesWhen ? relatedSpecs(r.appliesWhen) : []),
    ...relatedSpecs(r.failWhen),
    ...r.relatedEvidence.flatMap(relatedSpecs),
  ]);
  if (specs.length === 0) return undefined;
  const types = new Set<string>();
  for (const s of specs) {
    const target = referenceTarget(s.via);
    if (target) types.add(target);
    for (const t of Object.keys(REFERENCES)) if (referencesOf(t).some((r) => r.name === s.via)) types.add(t);
  }
  return {
    targetReads: specs.filter((s) => s.direction === "forward").flatMap((s) => s.reads),
    sourceReads: specs.filter((s) => s.direction === "reverse").flatMap((s) => s.reads),
    types: [...types].sort(),
  };
}

function relatedSpecs(c: Condition): RelatedSpec[] {
  switch (c.kind) {
    case "all":
    case "any":
      return c.items.flatMap(relatedSpecs);
    case "not":
      return relatedSpecs(c.item);
    case "related":
      return [c.spec];
    case "compare":
    case "predicate":
      return [];
  }
}

/**
 * Pass 1 of a scan with cross-resource rules: one linear pass over the records of the plan's types
 * (the caller may filter to them), keeping identities, edges and the paths `where` reads.
 */
export function relatedIndex(
  records: Iterable<{ record: ResourceRecord }>,
  plan: RelatedPlan,
  gaps: readonly CoverageInput[],
): RelatedIndex {
  const index = new RelatedIndexBuilder(plan);
  index.add(records);
  return index.finish(gaps);
}

/** relatedIndex() in steps: records added as they become readable, the gaps given at the end. */
export class RelatedIndexBuilder {
  private readonly index: RelatedIndex;
  private readonly wanted: Set<string>;

  constructor(plan: RelatedPlan) {
    this.index = new RelatedIndex(plan);
    this.wanted = new Set(plan.types);
  }

  add(records: Iterable<{ record: ResourceRecord }>): void {
    for (const { record } of records) if (this.wanted.has(record.resourceType)) this.index.add(record);
  }

  finish(gaps: readonly CoverageInput[]): RelatedIndex {
    return this.index.finish(gaps);
  }
}
