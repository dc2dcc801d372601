// What changed between a scan and the complete scan before it, by finding identity: the FAIL
// findings that are new and those that went away, and the coverage gaps of both. The dashboard's
// trend and the webhooks read it. (The full `dpscan diff`, with UNKNOWN transitions, is its own
// feature; this is the part the service needs.)
import { isCoverageGap } from "../model/coverage.js";
import { findingIdentity } from "../model/finding.js";
import type { Store } from "../store/store.js";

export type FindingKeyRow = ReturnType<Store["findingKeys"]>[number];

export interface ScanChange {
  scanId: number;
  previousScanId: number | null;
  /** FAIL now, not FAIL in the previous scan (every FAIL when there is none). */
  newFails: FindingKeyRow[];
  /** FAIL in the previous scan, not FAIL now. */
  resolved: number;
  gaps: number;
  previousGaps: number | null;
}

export function gapCount(store: Store, scanId: number): number {
  return store.coverage(scanId).filter(isCoverageGap).length;
}

export function scanChange(store: Store, scanId: number): ScanChange {
  const prev = store.completeScanBefore(scanId);
  const now = store.findingKeys(scanId, ["FAIL"]);
  const before = prev
    ? new Set(store.findingKeys(prev.id, ["FAIL"]).map(findingIdentity))
    : new Set<string>();
  const nowIds = new Set(now.map(findingIdentity));
  let resolved = 0;
  for (const id of before) if (!nowIds.has(id)) resolved++;
  return {
    scanId,
    previousScanId: prev?.id ?? null,
    newFails: now.filter((f) => !before.has(findingIdentity(f))),
    resolved,
    gaps: gapCount(store, scanId),
    previousGaps: prev ? gapCount(store, prev.id) : null,
  };
}
