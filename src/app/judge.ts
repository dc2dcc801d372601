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
import { SCAN_FACT_TYPES, scanFactsOf } from "../rules/scan-facts.js";
import type { Store } from "../store/store.js";
import { batches } from "../util/batches.js";

export interface Judgement {
  summary: JsonObject;
  /** Coverage rows that hid resources (their rules got UNKNOWN). */
  gaps: CoverageRow[];
}

/** Records judged between two looks at the event loop, so a signal is honoured during evaluation. */
const SLICE = 1000;

/**
 * The judgement as steps: the generator yields between slices of records (a point where the
 * caller may let signals in) and returns the judgement.
 */
function* judging(
  store: Store,
  scan: { id: number; now: Date },
  rules: readonly Rule[],
  params: Record<string, Record<string, unknown>>,
): Generator<void, Judgement> {
  const coverage = store.coverage(scan.id);
  const gaps = coverage.filter(isCoverageGap);
  // Cross-resource rules need the scan's references first: a pass over only the types involved.
  const plan = relatedPlan(rules);
  const related = plan ? relatedIndex(store.iterateResources(scan.id, plan.types), plan, gaps) : undefined;
  const facts = scanFactsOf(mapRecords(store.iterateResources(scan.id, SCAN_FACT_TYPES)));
  const opts = { params, now: scan.now, scan: facts, ...(related ? { related } : {}) };
  let evaluation = evaluateRecords([], rules, opts, () => undefined);
  const stage = store.findingStage(scan.id);
  for (const slice of batches(store.iterateResources(scan.id), SLICE)) {
    yield;
    const part = evaluateRecords(slice, rules, opts, (batch) => stage.add(batch));
    evaluation = add(evaluation, part);
  }
  const synthetic = gapFindings(gaps, rules);
  stage.add(synthetic);
  yield;
  stage.commit();
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

/** Judge a stored scan in one go (tests, fixtures, small scans). */
export function judgeScan(
  store: Store,
  scan: { id: number; now: Date },
  rules: readonly Rule[],
  params: Record<string, Record<string, unknown>> = {},
): Judgement {
  const steps = judging(store, scan, rules, params);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Judge a stored scan, letting the event loop in between slices so SIGINT/SIGTERM are honoured
 * during a long evaluation (`scan.signal` aborts it).
 */
export async function judgeScanAsync(
  store: Store,
  scan: { id: number; now: Date; signal?: AbortSignal },
  rules: readonly Rule[],
  params: Record<string, Record<string, unknown>> = {},
): Promise<Judgement> {
  const steps = judging(store, scan, rules, params);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
    scan.signal?.throwIfAborted();
  }
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

function* mapRecords<T>(rows: Iterable<{ record: T }>): Generator<T> {
  for (const r of rows) yield r.record;
}
