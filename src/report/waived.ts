// Waivers applied to one stored scan, for every output (findings, diff, gate, reports): which
// FAIL/UNKNOWN results are WAIVED and by which waiver, and the waivers that expired or matched
// nothing. A waived result keeps its real status; outputs add the waiver next to it.
import type { Waiver, WaiverSet } from "../model/waiver.js";
import { WaiverMatcher, waiverProblems, type WaiverOutcome } from "../rules/waivers.js";
import type { Store } from "../store/store.js";
import { recordedWaiverSet, recordWaivers, waiversFor } from "../store/waivers.js";

export interface Waived {
  /** Where the waivers came from: a file named now, or the scan's record. */
  origin: "file" | "recorded" | "none";
  file?: string;
  /** Covered results, by finding row id. */
  byFinding: Map<number, Waiver>;
  outcomes: WaiverOutcome[];
  expired: WaiverOutcome[];
  stale: WaiverOutcome[];
}

export const NO_WAIVERS: Waived = {
  origin: "none",
  byFinding: new Map(),
  outcomes: [],
  expired: [],
  stale: [],
};

/** Match a waiver set against every FAIL and UNKNOWN result of a scan, as of `now`. */
export function applyWaivers(
  store: Store,
  scanId: number,
  set: WaiverSet,
  now: Date,
): Omit<Waived, "origin"> {
  const matcher = new WaiverMatcher(set, now);
  const byFinding = new Map<number, Waiver>();
  if (set.waivers.length > 0)
    for (const { finding, tags } of store.iterateFindingsWithTags(scanId, store.scanRuleIds(scanId))) {
      const w = matcher.match(finding, tags ?? undefined);
      if (w) byFinding.set(finding.id, w);
    }
  const outcomes = matcher.outcomes();
  return { file: set.file, byFinding, outcomes, ...waiverProblems(outcomes) };
}

/**
 * The waivers for an output of a scan. A file given now (flag or settings) is applied as of
 * `now` and, if the scan has no record yet, becomes its record. Without one, the scan's recorded
 * waivers apply: as of when they were recorded (what applied then), or as of `now` when
 * `recheckExpiry` (a gate decides today: a waiver that has since expired no longer passes it).
 */
export function waiversForOutput(
  store: Store,
  scanId: number,
  file: WaiverSet | undefined,
  opts: { now: Date; recheckExpiry?: boolean },
): Waived {
  if (file) {
    const applied = applyWaivers(store, scanId, file, opts.now);
    recordWaivers(store, scanId, file, applied.outcomes);
    return { origin: "file", ...applied };
  }
  const recorded = recordedWaiverSet(store, scanId);
  if (!recorded) return NO_WAIVERS;
  const at = opts.recheckExpiry ? opts.now : new Date(waiversFor(store, scanId)[0]?.recordedAt ?? opts.now);
  return { origin: "recorded", ...applyWaivers(store, scanId, recorded, at) };
}
