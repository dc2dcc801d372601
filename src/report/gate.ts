// The CI gate's decision on one complete scan, after waivers: exit 1 when a FAIL at or above
// `failOn` remains, or more UNKNOWN results at or above it than `maxUnknown` (a denied read is
// never a pass); exit 3 when full coverage is required and a unit was denied or failed; else 0.
// With a baseline (`--new-only`) only results new since it count: a FAIL that did not FAIL there,
// an UNKNOWN that was neither FAIL nor UNKNOWN there. 1 takes precedence over 3.
import { isCoverageGap, type CoverageRow } from "../model/coverage.js";
import { findingIdentity, type FindingRow } from "../model/finding.js";
import type { JsonObject } from "../model/resource.js";
import { severityRank, type Severity } from "../model/severity.js";
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

export interface GateDecision {
  scan: ScanRow;
  /** When the gate decided: waiver expiry and the findings' ages are as of then. */
  now: Date;
  criteria: GateCriteria;
  items: GateItem[];
  blockingFails: GateItem[];
  blockingUnknowns: GateItem[];
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

export function decideGate(
  store: Store,
  scan: ScanRow,
  criteria: GateCriteria,
  waived: Waived,
  now: Date,
): GateDecision {
  const threshold = severityRank(criteria.failOn);
  const results = [...store.iterateFindingDocs(scan.id, { statuses: ["FAIL", "UNKNOWN"] })];
  const items = results.map((f): GateItem => {
    const identity = findingIdentity(f);
    const waiver = waived.byFinding.get(f.id);
    const gated = severityRank(f.severity) >= threshold;
    const isNew = isNewSince(f, identity, criteria.baseline);
    return { finding: f, identity, waiver, gated, isNew, counts: gated && isNew && !waiver };
  });
  const blockingFails = items.filter((i) => i.counts && i.finding.status === "FAIL");
  const unknowns = items.filter((i) => i.counts && i.finding.status === "UNKNOWN");
  const gaps = store.coverage(scan.id).filter(isCoverageGap);
  const reasons: string[] = [];
  const scope = `at or above ${criteria.failOn}${criteria.baseline ? `, new since ${criteria.baseline.label}` : ""}`;
  if (blockingFails.length > 0) reasons.push(`${blockingFails.length} FAIL ${scope}`);
  if (unknowns.length > criteria.maxUnknown)
    reasons.push(`${unknowns.length} UNKNOWN ${scope} (at most ${criteria.maxUnknown} allowed)`);
  const failed = reasons.length > 0;
  if (criteria.requireFullCoverage && gaps.length > 0)
    reasons.push(`${gaps.length} coverage gap(s) (denied or failed units) with --require-full-coverage`);
  const exitCode = failed
    ? EXIT.gateFailed
    : criteria.requireFullCoverage && gaps.length > 0
      ? EXIT.incompleteCoverage
      : EXIT.ok;
  return {
    scan,
    now,
    criteria,
    items,
    blockingFails,
    blockingUnknowns: unknowns.length > criteria.maxUnknown ? unknowns : [],
    gaps,
    waived,
    exitCode,
    reasons,
  };
}

/** Counts for the record (gate_runs) and for JSON output. */
export function gateCounts(d: GateDecision): JsonObject {
  const n = (pred: (i: GateItem) => boolean): number => d.items.filter(pred).length;
  return {
    blockingFail: d.blockingFails.length,
    blockingUnknown: d.blockingUnknowns.length,
    unknownCounted: n((i) => i.counts && i.finding.status === "UNKNOWN"),
    waived: n((i) => i.waiver !== undefined),
    belowThreshold: n((i) => !i.gated),
    inBaseline: n((i) => !i.isNew),
    fail: n((i) => i.finding.status === "FAIL"),
    unknown: n((i) => i.finding.status === "UNKNOWN"),
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
