// The CI gate's decision on one complete scan, after waivers: exit 1 when a FAIL at or above
// `failOn` remains, or more UNKNOWN results at or above it than `maxUnknown` (a denied read is
// never a pass); exit 3 when full coverage is required and a unit was denied or failed; else 0.
// With a baseline (`--new-only`) only results new since it count: a FAIL that did not FAIL there,
// an UNKNOWN that was neither FAIL nor UNKNOWN there. 1 takes precedence over 3.
//
// A scan can hold hundreds of thousands of open results, so the decision holds counts and the first
// few blocking and new results; outputs that list every result (SARIF, JUnit, JSON) read them again
// from the store, one at a time (`judged`), judged the same way.
import { isCoverageGap, type CoverageRow } from "../model/coverage.js";
import { findingIdentity, type FindingRow } from "../model/finding.js";
import type { JsonObject } from "../model/resource.js";
import { severityRank, type Severity, type Status } from "../model/severity.js";
import type { Waiver } from "../model/waiver.js";
import type { Baseline } from "./baseline.js";
import type { Waived } from "./waived.js";
import type { FindingDocRow, ScanRow, Store } from "../store/store.js";
import { EXIT } from "../util/errors.js";

export interface GateCriteria {
  failOn: Severity;
  maxUnknown: number;
  requireFullCoverage: boolean;
  /** Present with --new-only. */
  baseline?: Baseline;
}

/** One FAIL or UNKNOWN result as the gate judged it. */
export interface GateItem {
  /** The result as the finding document has it (lifecycle, first seen). */
  finding: FindingDocRow;
  identity: string;
  waiver: Waiver | undefined;
  /** At or above --fail-on. */
  gated: boolean;
  /** New since the baseline (true without one). */
  isNew: boolean;
  /** Counts against the gate: gated, new, not waived. */
  counts: boolean;
}

/** How many FAIL/UNKNOWN results fell where, for one rule or the whole scan. */
export interface GateTally {
  fail: number;
  unknown: number;
  waived: number;
  belowThreshold: number;
  inBaseline: number;
  /** FAILs that count against the gate. */
  failCounted: number;
  /** UNKNOWNs that count against the gate (they block only beyond --max-unknown). */
  unknownCounted: number;
  /** New since the baseline and first seen in this scan (the summary's "New in this scan"). */
  fresh: number;
}

/** The first results of a list the decision does not hold whole. */
export const GATE_SAMPLE = 1000;

export interface GateDecision {
  store: Store;
  scan: ScanRow;
  /** When the gate decided: waiver expiry and the findings' ages are as of then. */
  now: Date;
  criteria: GateCriteria;
  tally: GateTally;
  /** Per rule, for JUnit's suites. */
  byRule: Map<string, GateTally>;
  /** More UNKNOWN results count than --max-unknown allows: every counted UNKNOWN blocks. */
  unknownsBlock: boolean;
  /** How many results block: counted FAILs, and counted UNKNOWNs when they block. */
  blockingTotal: number;
  /** The first GATE_SAMPLE blocking results: FAILs first, then UNKNOWNs, each in report order. */
  blockingSample: GateItem[];
  /** The first GATE_SAMPLE results new in this scan, in report order. */
  freshSample: GateItem[];
  gaps: CoverageRow[];
  waived: Waived;
  exitCode: 0 | 1 | 3;
  /** Why it did not pass, one line each. */
  reasons: string[];
}

function isNewSince(f: FindingRow, identity: string, b: Baseline | undefined): boolean {
  if (!b) return true;
  return f.status === "FAIL" ? !b.fail.has(identity) : !b.fail.has(identity) && !b.unknown.has(identity);
}

function judge(f: FindingDocRow, criteria: GateCriteria, waived: Waived): GateItem {
  const identity = findingIdentity(f);
  const waiver = waived.byFinding.get(f.id);
  const gated = severityRank(f.severity) >= severityRank(criteria.failOn);
  const isNew = isNewSince(f, identity, criteria.baseline);
  return { finding: f, identity, waiver, gated, isNew, counts: gated && isNew && !waiver };
}

export const emptyTally = (): GateTally => ({
  fail: 0,
  unknown: 0,
  waived: 0,
  belowThreshold: 0,
  inBaseline: 0,
  failCounted: 0,
  unknownCounted: 0,
  fresh: 0,
});

const isFresh = (i: GateItem): boolean => i.isNew && i.finding.lifecycle === "new";

function add(t: GateTally, i: GateItem): void {
  const fail = i.finding.status === "FAIL";
  if (fail) t.fail++;
  else t.unknown++;
  if (i.waiver) t.waived++;
  if (!i.gated) t.belowThreshold++;
  if (!i.isNew) t.inBaseline++;
  if (i.counts && fail) t.failCounted++;
  if (i.counts && !fail) t.unknownCounted++;
  if (isFresh(i)) t.fresh++;
}

/**
 * The decision, from one read of the scan's FAIL/UNKNOWN results in report order; `onItem` sees
 * each as judged (GateSpool keeps what SARIF and JUnit will write of it, so they need no second read).
 */
export function decideGate(
  store: Store,
  scan: ScanRow,
  criteria: GateCriteria,
  waived: Waived,
  now: Date,
  onItem?: (i: GateItem) => void,
): GateDecision {
  const tally = emptyTally();
  const byRule = new Map<string, GateTally>();
  const fails: GateItem[] = [];
  const unknowns: GateItem[] = [];
  const freshSample: GateItem[] = [];
  for (const f of store.iterateFindingDocs(scan.id, { statuses: ["FAIL", "UNKNOWN"] })) {
    const i = judge(f, criteria, waived);
    onItem?.(i);
    add(tally, i);
    let rule = byRule.get(f.ruleId);
    if (!rule) byRule.set(f.ruleId, (rule = emptyTally()));
    add(rule, i);
    const list = f.status === "FAIL" ? fails : unknowns;
    if (i.counts && list.length < GATE_SAMPLE) list.push(i);
    if (isFresh(i) && freshSample.length < GATE_SAMPLE) freshSample.push(i);
  }
  const unknownsBlock = tally.unknownCounted > criteria.maxUnknown;
  const gaps = store.coverage(scan.id).filter(isCoverageGap);
  const reasons: string[] = [];
  const scope = `at or above ${criteria.failOn}${criteria.baseline ? `, new since ${criteria.baseline.label}` : ""}`;
  if (tally.failCounted > 0) reasons.push(`${tally.failCounted} FAIL ${scope}`);
  if (unknownsBlock)
    reasons.push(`${tally.unknownCounted} UNKNOWN ${scope} (at most ${criteria.maxUnknown} allowed)`);
  const failed = reasons.length > 0;
  if (criteria.requireFullCoverage && gaps.length > 0)
    reasons.push(`${gaps.length} coverage gap(s) (denied or failed units) with --require-full-coverage`);
  const exitCode = failed
    ? EXIT.gateFailed
    : criteria.requireFullCoverage && gaps.length > 0
      ? EXIT.incompleteCoverage
      : EXIT.ok;
  return {
    store,
    scan,
    now,
    criteria,
    tally,
    byRule,
    unknownsBlock,
    blockingTotal: tally.failCounted + (unknownsBlock ? tally.unknownCounted : 0),
    blockingSample: [...fails, ...(unknownsBlock ? unknowns : [])].slice(0, GATE_SAMPLE),
    freshSample,
    gaps,
    waived,
    exitCode,
    reasons,
  };
}

/**
 * The scan's FAIL/UNKNOWN results (of `statuses`, or of one rule) read again and judged as the
 * decision judged them, in report order. Nothing else may use the store until the iteration ends.
 */
export function* judged(
  d: GateDecision,
  filter: { statuses?: Status[]; ruleId?: string } = {},
): Generator<GateItem> {
  const statuses = filter.statuses ?? ["FAIL", "UNKNOWN"];
  const docs = d.store.iterateFindingDocs(d.scan.id, {
    statuses,
    ...(filter.ruleId !== undefined ? { ruleIds: [filter.ruleId] } : {}),
  });
  for (const f of docs) yield judge(f, d.criteria, d.waived);
}

/** Every blocking result: counted FAILs, then counted UNKNOWNs when they block, in report order. */
export function* blocking(d: GateDecision): Generator<GateItem> {
  for (const i of judged(d, { statuses: ["FAIL"] })) if (i.counts) yield i;
  if (d.unknownsBlock) for (const i of judged(d, { statuses: ["UNKNOWN"] })) if (i.counts) yield i;
}

/** Counts for the record (gate_runs) and for JSON output. */
export function gateCounts(d: GateDecision): JsonObject {
  const t = d.tally;
  return {
    blockingFail: t.failCounted,
    blockingUnknown: d.unknownsBlock ? t.unknownCounted : 0,
    unknownCounted: t.unknownCounted,
    waived: t.waived,
    belowThreshold: t.belowThreshold,
    inBaseline: t.inBaseline,
    fail: t.fail,
    unknown: t.unknown,
    gaps: d.gaps.length,
    expiredWaivers: d.waived.expired.length,
    staleWaivers: d.waived.stale.length,
  };
}

export function gateCriteriaJson(c: GateCriteria, waiverFile: string | undefined): JsonObject {
  return {
    failOn: c.failOn,
    maxUnknown: c.maxUnknown,
    requireFullCoverage: c.requireFullCoverage,
    newOnly: c.baseline !== undefined,
    baseline: c.baseline?.label ?? null,
    waivers: waiverFile ?? null,
  };
}
