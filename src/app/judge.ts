// Judge a stored scan: the reference index (when a rule relates records), every rule over its
// records, then one UNKNOWN per rule and type for each coverage gap, and the summary both `scan`
// and `evaluate` store. The one place findings are made.
import { isCoverageGap, type CoverageRow } from "../model/coverage.js";
import type { JsonObject } from "../model/resource.js";
import { evaluateRecords, relatedIndex, relatedPlan, summaryJson } from "../rules/evaluate-scan.js";
import { gapFindings } from "../rules/gaps.js";
import type { Rule } from "../rules/rule.js";
import { SCAN_FACT_TYPES, scanFactsOf } from "../rules/scan-facts.js";
import type { Store } from "../store/store.js";

export interface Judgement {
  summary: JsonObject;
  /** Coverage rows that hid resources (their rules got UNKNOWN). */
  gaps: CoverageRow[];
}

export function judgeScan(
  store: Store,
  scan: { id: number; now: Date },
  rules: readonly Rule[],
  params: Record<string, Record<string, unknown>> = {},
): Judgement {
  const coverage = store.coverage(scan.id);
  const gaps = coverage.filter(isCoverageGap);
  // Cross-resource rules need the scan's references first: a pass over only the types involved.
  const plan = relatedPlan(rules);
  const related = plan ? relatedIndex(store.iterateResources(scan.id, plan.types), plan, gaps) : undefined;
  const facts = scanFactsOf(mapRecords(store.iterateResources(scan.id, SCAN_FACT_TYPES)));
  const evaluation = evaluateRecords(
    store.iterateResources(scan.id),
    rules,
    { params, now: scan.now, scan: facts, ...(related ? { related } : {}) },
    (batch) => store.insertFindings(scan.id, batch),
  );
  const synthetic = gapFindings(gaps, rules);
  store.insertFindings(scan.id, synthetic);
  evaluation.byStatus.UNKNOWN += synthetic.length;
  // A resource the scan received twice is judged once (its newest capture), and said so.
  const duplicates = store.duplicateResources(scan.id);
  return {
    summary: {
      ...summaryJson(evaluation),
      duplicates: duplicates as unknown as JsonObject,
      coverage: {
        units: coverage.length,
        denied: gaps.filter((g) => g.status === "denied").length,
        failed: gaps.filter((g) => g.status === "failed").length,
        skipped: coverage.filter((c) => c.status === "skipped").length,
      },
    },
    gaps,
  };
}

function* mapRecords<T>(rows: Iterable<{ record: T }>): Generator<T> {
  for (const r of rows) yield r.record;
}
