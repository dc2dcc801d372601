// What changed between two scans the lifecycle has taken in: findings open in the later one and
// not in the earlier (new: first seen after it; reopened: seen before), open in the earlier and
// not in the later (resolved), and open in both but not verified by the later (UNKNOWN, or out of
// its reach): those stay open, since a denied read tells nothing.
import type { Severity, Status } from "../model/severity.js";
import { lifecycleSeq } from "./lifecycle.js";
import type { ScanRow, Store } from "./store.js";

export const CHANGES = ["new", "reopened", "resolved", "unverified"] as const;
export type Change = (typeof CHANGES)[number];

export interface DiffEntry {
  change: Change;
  identity: string;
  ruleId: string;
  severity: Severity;
  accountId: string;
  region: string;
  resourceType: string;
  resourceId: string;
  arn: string | null;
  /** Results in each scan; null: no result there (gone, or out of reach). */
  fromStatus: Status | null;
  toStatus: Status | null;
  message: string;
  firstSeenAt: string;
  /** The finding row this entry shows (in `to`, else in `from`), for waivers. */
  findingId: number | null;
  /** Scan of that row. */
  findingScanId: number | null;
}

export interface ScanDiff {
  from: ScanRow;
  to: ScanRow;
  entries: DiffEntry[];
  /** Open in both and verified again (FAIL in both). */
  unchanged: number;
}

interface OpenRow {
  identity: string;
  status: Status | null;
  state: string;
}

const OPEN = "('new', 'open', 'reopened')";

function openIn(store: Store, scanId: number): Map<string, OpenRow> {
  const rows = store.db
    .prepare(`SELECT identity, status, state FROM finding_states WHERE scan_id = ? AND state IN ${OPEN}`)
    .all(scanId) as OpenRow[];
  return new Map(rows.map((r) => [r.identity, r]));
}

/** A scan's status for an identity, open or not (resolved and untouched identities too). */
function statusIn(store: Store, scanId: number, identity: string): Status | null {
  const r = store.db
    .prepare("SELECT status FROM finding_states WHERE scan_id = ? AND identity = ?")
    .get(scanId, identity) as { status: Status | null } | undefined;
  return r?.status ?? null;
}

interface LifecycleRow {
  rule_id: string;
  account_id: string;
  region: string;
  resource_type: string;
  resource_id: string;
  arn: string | null;
  first_seen_at: string;
  first_seen_scan: number;
}

/** Compare two scans (`from` taken in before `to`). */
export function diffScans(store: Store, from: ScanRow, to: ScanRow): ScanDiff {
  const fromSeq = lifecycleSeq(store, from.id);
  const before = openIn(store, from.id);
  const after = openIn(store, to.id);
  const life = store.db.prepare(
    `SELECT l.*, (SELECT seq FROM lifecycle_scans s WHERE s.scan_id = l.first_seen_scan) AS first_seq
     FROM finding_lifecycle l WHERE identity = ?`,
  );
  const entries: DiffEntry[] = [];
  let unchanged = 0;
  const add = (
    change: Change,
    identity: string,
    fromStatus: Status | null,
    toStatus: Status | null,
  ): void => {
    const l = life.get(identity) as LifecycleRow & { first_seq: number | null };
    const shown = findingOf(store, to.id, l) ?? findingOf(store, from.id, l);
    entries.push({
      change,
      identity,
      ruleId: l.rule_id,
      severity: shown?.severity ?? "info",
      accountId: l.account_id,
      region: l.region,
      resourceType: l.resource_type,
      resourceId: l.resource_id,
      arn: l.arn,
      fromStatus,
      toStatus,
      message: shown?.message ?? "",
      firstSeenAt: l.first_seen_at,
      findingId: shown?.id ?? null,
      findingScanId: shown?.scanId ?? null,
    });
  };
  for (const [identity, a] of after) {
    const b = before.get(identity);
    if (!b) {
      const l = life.get(identity) as { first_seq: number | null } | undefined;
      const isNew = (l?.first_seq ?? Infinity) > fromSeq;
      add(isNew ? "new" : "reopened", identity, statusIn(store, from.id, identity), a.status);
    } else if (a.status !== "FAIL") add("unverified", identity, b.status, a.status);
    else unchanged++;
  }
  for (const [identity, b] of before)
    if (!after.has(identity)) add("resolved", identity, b.status, statusIn(store, to.id, identity));
  entries.sort(
    (x, y) => CHANGES.indexOf(x.change) - CHANGES.indexOf(y.change) || x.identity.localeCompare(y.identity),
  );
  return { from, to, entries, unchanged };
}

/**
 * The finding of a lifecycle identity in a scan, if the scan has one: its resource found by the
 * store's key (by ARN, or by account, region, type and id where it has none), then the rule's
 * finding of that row (finding_rows_rule). A lifecycle identity is a FAIL's, so never a coverage
 * gap's finding (UNKNOWN, with no resource row).
 */
function findingOf(store: Store, scanId: number, l: LifecycleRow): ShownFinding | undefined {
  const resource =
    l.arn !== null
      ? "r.resource_type = ? AND r.arn = ? AND r.account_id = ? AND r.region = ?"
      : "r.arn IS NULL AND r.resource_type = ? AND r.resource_id = ? AND r.account_id = ? AND r.region = ?";
  return store.db
    .prepare(
      `SELECT f.id, f.scan_id AS scanId, f.severity, f.message FROM findings f
       WHERE f.scan_id = ? AND f.rule_id = ?
         AND f.resource_pk IN (SELECT r.id FROM resources r WHERE r.scan_id = ? AND ${resource}) LIMIT 1`,
    )
    .get(scanId, l.rule_id, scanId, l.resource_type, l.arn ?? l.resource_id, l.account_id, l.region) as
    ShownFinding | undefined;
}

interface ShownFinding {
  id: number;
  scanId: number;
  severity: Severity;
  message: string;
}
