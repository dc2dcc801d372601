// What every finding output adds to a finding from the lifecycle and the waivers: its state in the
// scan (new, open, reopened), when it was first and last seen, its age, and the waiver that
// covers it (a waived finding keeps its real status and is shown WAIVED).
import { findingIdentity, type FindingRow } from "../model/finding.js";
import { waiverRef, type WaiverRef } from "../model/waiver.js";
import { histories, scanStates, type FindingHistory, type LifecycleState } from "../store/lifecycle.js";
import type { Store } from "../store/store.js";
import type { Waived } from "./waived.js";

export interface FindingHistoryView {
  /** The scan's effect on it; null for results that opened nothing (a PASS, an UNKNOWN never seen failing). */
  state: LifecycleState | null;
  firstSeen: string | null;
  lastSeen: string | null;
  /** Whole days from first seen to `now`. */
  ageDays: number | null;
  reopenCount: number;
}

export interface HistoryContext {
  states: Map<string, LifecycleState>;
  histories: Map<string, FindingHistory>;
  waived: Waived;
  now: Date;
}

export function historyContext(
  store: Store,
  scanId: number,
  rows: readonly FindingRow[],
  waived: Waived,
  now: Date,
): HistoryContext {
  return {
    states: scanStates(store, scanId),
    histories: histories(
      store,
      rows.map((f) => findingIdentity(f)),
    ),
    waived,
    now,
  };
}

export function historyOf(f: FindingRow, ctx: HistoryContext): FindingHistoryView {
  const id = findingIdentity(f);
  const h = ctx.histories.get(id);
  return {
    state: ctx.states.get(id) ?? null,
    firstSeen: h?.firstSeenAt ?? null,
    lastSeen: h?.lastSeenAt ?? null,
    ageDays: h ? Math.max(0, Math.floor((ctx.now.getTime() - Date.parse(h.firstSeenAt)) / 86_400_000)) : null,
    reopenCount: h?.reopenCount ?? 0,
  };
}

export function waiverOf(f: FindingRow, ctx: Pick<HistoryContext, "waived">): WaiverRef | null {
  const w = ctx.waived.byFinding.get(f.id);
  return w ? waiverRef(w) : null;
}

/** The JSON fields a finding gains: `lifecycle`, `waived`, `waiver`. */
export function historyJson(f: FindingRow, ctx: HistoryContext): Record<string, unknown> {
  const waiver = waiverOf(f, ctx);
  return { lifecycle: historyOf(f, ctx), waived: waiver !== null, waiver };
}

/** "FAIL", or "FAIL WAIVED" for a waived result. */
export function statusLabel(f: FindingRow, ctx: Pick<HistoryContext, "waived">): string {
  return ctx.waived.byFinding.has(f.id) ? `${f.status} WAIVED` : f.status;
}

/** "12d", "0d new", "3d reopened" — for a table's AGE column (days since first seen). */
export function ageLabel(f: FindingRow, ctx: HistoryContext): string {
  const h = historyOf(f, ctx);
  if (h.ageDays === null) return "";
  return `${h.ageDays}d${h.state === "new" || h.state === "reopened" ? ` ${h.state}` : ""}`;
}
