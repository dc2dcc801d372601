// Judge a stored scan: the reference index (when a rule relates records), every rule over its
// records, then one UNKNOWN per rule and type for each coverage gap, and the summary both `scan`
// and `evaluate` store. The one place findings are made.
import { isCoverageGap, type CoverageRow } from "../model/coverage.js";
import type { JsonObject } from "../model/resource.js";
import {
  evaluateRecords,
  relatedIndex,
  relatedPlan,
  summaryJson,
  type EvaluationSummary,
} from "../rules/evaluate-scan.js";
import { gapFindings } from "../rules/gaps.js";
import type { Rule } from "../rules/rule.js";
import type { Store } from "../store/store.js";
import { batches } from "../util/batches.js";

export interface Judgement {
  summary: JsonObject;
  /** Coverage rows that hid resources (their rules got UNKNOWN). */
  gaps: CoverageRow[];
}

/** Records judged between two looks at the event loop, so a signal is honoured during evaluation. */
const SLICE = 1000;

export async function judgeScan(
  store: Store,
  scan: { id: number; now: Date; signal?: AbortSignal },
  rules: readonly Rule[],
  params: Record<string, Record<string, unknown>> = {},
): Promise<Judgement> {
  const coverage = store.coverage(scan.id);
  const gaps = coverage.filter(isCoverageGap);
  // Cross-resource rules need the scan's references first: a pass over only the types involved.
  const plan = relatedPlan(rules);
  const related = plan ? relatedIndex(store.iterateResources(scan.id, plan.types), plan, gaps) : undefined;
  let evaluation: EvaluationSummary | undefined;
  for (const slice of batches(store.iterateResources(scan.id), SLICE)) {
    await new Promise((resolve) => setImmediate(resolve));
    scan.signal?.throwIfAborted();
    const part = evaluateRecords(
      slice,
      rules,
      { params, now: scan.now, ...(related ? { related } : {}) },
      (batch) => store.insertFindings(scan.id, batch),
    );
    evaluation = evaluation ? add(evaluation, part) : part;
  }
  evaluation ??= evaluateRecords([], rules, { params, now: scan.now }, () => undefined);
  const synthetic = gapFindings(gaps, rules);
  store.insertFindings(scan.id, synthetic);
  evaluation.byStatus.UNKNOWN += synthetic.length;
  return {
    summary: {
      ...summaryJson(evaluation),
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

function add(a: EvaluationSummary, b: EvaluationSummary): EvaluationSummary {
  const sum = <K extends string>(x: Record<K, number>, y: Record<K, number>): Record<K, number> => {
    const out = { ...x };
    for (const k of Object.keys(y) as K[]) out[k] = (out[k] ?? 0) + y[k];
    return out;
  };
  return {
    resources: a.resources + b.resources,
    results: a.results + b.results,
    byStatus: sum(a.byStatus, b.byStatus),
    failBySeverity: sum(a.failBySeverity, b.failBySeverity),
  };
}
