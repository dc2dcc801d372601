// `dpscan gate` below the command line: the scan's lifecycle up to date, the baseline and waivers
// resolved, the decision (src/report/gate.ts); then its record, so `--baseline latest-passing`
// can find this scan next time if it passed.
import type { WaiverSet } from "../model/waiver.js";
import { baselineFromScan, type Baseline } from "../report/baseline.js";
import {
  decideGate,
  gateCounts,
  gateCriteriaJson,
  type GateCriteria,
  type GateDecision,
  type GateItem,
} from "../report/gate.js";
import { waiversForOutput } from "../report/waived.js";
import { latestPassingScan, recordGateRun } from "../store/gate-runs.js";
import { ensureLifecycle } from "../store/lifecycle.js";
import { prunedAt } from "../store/prune.js";
import type { ScanRow, Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";

/** Where `--new-only` takes its legacy findings from. */
export type BaselineChoice = { scanId: number } | { latestPassing: true } | { file: Baseline };

export interface GateInput {
  criteria: Omit<GateCriteria, "baseline">;
  baseline?: BaselineChoice;
  /** A waivers file read now; without one, the scan's recorded waivers, re-checked for expiry. */
  waivers?: WaiverSet;
  now: Date;
  /** Sees each FAIL/UNKNOWN result as the decision judges it (decideGate). */
  onItem?: (i: GateItem, criteria: GateCriteria) => void;
}

function baselineScan(store: Store, id: number, gated: ScanRow, flag: string): ScanRow {
  const scan = store.getScan(id);
  if (!scan) throw new UsageError(`${flag}: no scan with id ${id} in ${store.path}`);
  if (scan.id === gated.id) throw new UsageError(`${flag}: scan ${id} is the scan being gated`);
  if (scan.status !== "complete") throw new UsageError(`${flag}: scan ${id} is ${scan.status}, not complete`);
  const pruned = prunedAt(store, id);
  if (pruned)
    throw new UsageError(
      `${flag}: scan ${id} was pruned on ${pruned}; keep baselines with "dpscan baseline export"`,
    );
  return scan;
}

function resolveBaseline(
  store: Store,
  gated: ScanRow,
  choice: BaselineChoice | undefined,
): Baseline | undefined {
  if (!choice) return undefined;
  if ("file" in choice) return choice.file;
  if ("scanId" in choice)
    return baselineFromScan(store, baselineScan(store, choice.scanId, gated, "--baseline"));
  const id = latestPassingScan(store, gated.id);
  if (id === undefined)
    throw new UsageError(
      `--baseline latest-passing: no scan before ${gated.id} in ${store.path} has passed a gate; start from --baseline SCAN_ID or a file from "dpscan baseline export"`,
    );
  const b = baselineFromScan(store, baselineScan(store, id, gated, "--baseline latest-passing"));
  return { ...b, label: `scan ${id} (latest passing)` };
}

export function runGate(store: Store, scan: ScanRow, input: GateInput): GateDecision {
  ensureLifecycle(store);
  const baseline = resolveBaseline(store, scan, input.baseline);
  const criteria: GateCriteria = { ...input.criteria, ...(baseline ? { baseline } : {}) };
  const waived = waiversForOutput(store, scan.id, input.waivers, { now: input.now, recheckExpiry: true });
  const onItem = input.onItem;
  return decideGate(store, scan, criteria, waived, input.now, onItem && ((i) => onItem(i, criteria)));
}

/** Keep the decision (once its outputs are written): a passed one is a future `latest-passing`. */
export function recordGate(store: Store, d: GateDecision): void {
  recordGateRun(store, d.scan.id, d.exitCode, gateCriteriaJson(d.criteria, d.waived.file), gateCounts(d));
}
