// The waivers in force for a scan (migration 007 scan_waivers): recorded once, when the scan
// completes with a waivers file or the first time a file is applied to it, so a report of an
// old scan shows what applied then.
import type { Waiver, WaiverSet, WaiverState } from "../model/waiver.js";
import type { Store } from "./store.js";

export interface RecordedWaiver {
  waiver: Waiver;
  /** As it stood when recorded. */
  state: WaiverState;
  matched: number;
  recordedAt: string;
}

/** Whether the scan has waivers recorded (a file with an empty list records nothing). */
export function hasRecordedWaivers(store: Store, scanId: number): boolean {
  return store.db.prepare("SELECT 1 FROM scan_waivers WHERE scan_id = ? LIMIT 1").get(scanId) !== undefined;
}

/**
 * Record a scan's waivers with their state and match counts, unless it has a record already
 * (the first record stands: it is what applied then). Returns whether it wrote.
 */
export function recordWaivers(
  store: Store,
  scanId: number,
  set: WaiverSet,
  outcomes: readonly { waiver: Waiver; state: WaiverState; matched: number }[],
): boolean {
  if (hasRecordedWaivers(store, scanId)) return false;
  const stmt = store.db.prepare(
    `INSERT INTO scan_waivers (scan_id, position, source, file_sha256, rule, account, region, resource,
       tags_json, justification, approver, expires, state, matched, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const now = new Date().toISOString();
  store.db.transaction(() => {
    for (const o of outcomes) {
      const w = o.waiver;
      stmt.run(
        scanId,
        w.position,
        w.source,
        set.sha256,
        w.rule,
        w.account ?? null,
        w.region ?? null,
        w.resource ?? null,
        w.tags ? JSON.stringify(w.tags) : null,
        w.justification,
        w.approver,
        w.expires,
        o.state,
        o.matched,
        now,
      );
    }
  })();
  return outcomes.length > 0;
}

interface RawWaiver {
  position: number;
  source: string;
  file_sha256: string;
  rule: string;
  account: string | null;
  region: string | null;
  resource: string | null;
  tags_json: string | null;
  justification: string;
  approver: string;
  expires: string;
  state: WaiverState;
  matched: number;
  recorded_at: string;
}

/** The waivers recorded for a scan, in file order (empty when none were). */
export function waiversFor(store: Store, scanId: number): RecordedWaiver[] {
  const rows = store.db
    .prepare("SELECT * FROM scan_waivers WHERE scan_id = ? ORDER BY position")
    .all(scanId) as RawWaiver[];
  return rows.map((r) => ({
    waiver: {
      position: r.position,
      source: r.source,
      rule: r.rule,
      ...(r.account !== null ? { account: r.account } : {}),
      ...(r.region !== null ? { region: r.region } : {}),
      ...(r.resource !== null ? { resource: r.resource } : {}),
      ...(r.tags_json !== null ? { tags: JSON.parse(r.tags_json) as Record<string, string> } : {}),
      justification: r.justification,
      approver: r.approver,
      expires: r.expires,
    },
    state: r.state,
    matched: r.matched,
    recordedAt: r.recorded_at,
  }));
}

/** The recorded waivers as a set to match with again (the file it came from may be gone). */
export function recordedWaiverSet(store: Store, scanId: number): WaiverSet | undefined {
  const recorded = waiversFor(store, scanId);
  if (recorded.length === 0) return undefined;
  const sha = store.db
    .prepare("SELECT file_sha256 FROM scan_waivers WHERE scan_id = ? LIMIT 1")
    .get(scanId) as { file_sha256: string };
  return {
    file: `recorded with scan ${scanId}`,
    sha256: sha.file_sha256,
    waivers: recorded.map((r) => r.waiver),
  };
}
