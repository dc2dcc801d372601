// What finding outputs show of a finding's life and waiver, from its finding document row: its
// age (days since first seen, marked when this scan opened it) and WAIVED beside its real status.
import type { FindingRow } from "../model/finding.js";
import { waiverRef, type WaiverRef } from "../model/waiver.js";
import type { FindingDocRow } from "../store/store.js";
import type { Waived } from "./waived.js";

const DAY_MS = 86_400_000;

/** The waiver covering a result, as outputs show it; null when none does. */
export function waiverOf(f: Pick<FindingRow, "id">, waived: Pick<Waived, "byFinding">): WaiverRef | null {
  const w = waived.byFinding.get(f.id);
  return w ? waiverRef(w) : null;
}

/** "FAIL", or "FAIL WAIVED" for a waived result. */
export function statusLabel(f: Pick<FindingRow, "id" | "status">, waived: Pick<Waived, "byFinding">): string {
  return waived.byFinding.has(f.id) ? `${f.status} WAIVED` : f.status;
}

/** Whole days from first seen to `now`; null when it was never seen failing. */
export function ageDays(f: Pick<FindingDocRow, "firstSeen">, now: Date): number | null {
  return f.firstSeen === null
    ? null
    : Math.max(0, Math.floor((now.getTime() - Date.parse(f.firstSeen)) / DAY_MS));
}

/** "12d", "0d new", "3d reopened": a table's AGE column. */
export function ageLabel(f: Pick<FindingDocRow, "firstSeen" | "lifecycle">, now: Date): string {
  const days = ageDays(f, now);
  if (days === null) return "";
  return `${days}d${f.lifecycle === "new" || f.lifecycle === "reopened" ? ` ${f.lifecycle}` : ""}`;
}
