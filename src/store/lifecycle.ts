// The life of a finding across scans (migration 007): per identity (rule + account + region +
// resource, src/model/finding.ts) first seen, last seen, and what each complete scan did to it —
// opened it (new, reopened), kept it open, or resolved it. Taken in once per scan when it
// completes, in the same transaction that marks it complete, so a reader sees a scan and its
// lifecycle together or neither. UNKNOWN neither resolves nor opens: a denied read tells nothing.
import type Database from "better-sqlite3";
import { findingIdentitySql, type LifecycleState } from "../model/finding.js";
import type { ScanRow, Store } from "./store.js";

export type { LifecycleState };

export interface LifecycleCounts {
  new: number;
  open: number;
  resolved: number;
  reopened: number;
}

/** A finding's history, for outputs that show its age. */
export interface FindingHistory {
  state: "open" | "resolved";
  firstSeenScan: number;
  firstSeenAt: string;
  lastSeenScan: number;
  lastSeenAt: string;
  openedAt: string;
  resolvedAt: string | null;
  reopenCount: number;
}

const ID = findingIdentitySql("f");

/**
 * Whether an open finding the scan has no result for was within the scan's reach: its rule was
 * judged, no coverage gap hid it, and a listing that enumerates its type ran in its account and
 * region (or account-wide: S3, IAM). Evaluated scans (no `ok` coverage rows) reach the account
 * and region pairs their records come from. Out of reach, the finding stays open, unverified.
 */
const IN_REACH = `
  EXISTS (SELECT 1 FROM scan_rules r WHERE r.scan_id = :scan AND r.rule_id = l.rule_id)
  AND NOT EXISTS (SELECT 1 FROM finding_rows g WHERE g.scan_id = :scan AND g.rule_id = l.rule_id
    AND g.resource_pk IS NULL AND g.resource_id = '*' AND g.status_key = 1
    AND g.account_id IN (l.account_id, '*') AND g.region IN (l.region, '*'))
  AND (
    EXISTS (SELECT 1 FROM coverage c WHERE c.scan_id = :scan AND c.status = 'ok'
      AND (c.scope = 'aggregator' OR (c.account_id = l.account_id AND c.region IN (l.region, 'global')))
      AND (c.resource_types_json IS NULL
        OR EXISTS (SELECT 1 FROM json_each(c.resource_types_json) t WHERE t.value = l.resource_type)))
    OR EXISTS (SELECT 1 FROM temp.lc_reach x WHERE x.account_id = l.account_id AND x.region = l.region))`;

/**
 * The account and region pairs an evaluated scan (no `ok` coverage rows) reaches, found once: asked
 * per open finding, a search of the scan's resources by account and region (no index has them
 * first) read the scan's rows once per finding, and a second evaluate of 50k items into a database
 * holding an earlier 200k-item one took 64 minutes instead of seconds (bench/README.md).
 */
function loadReach(store: Store, scanId: number): void {
  const db = store.db;
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS lc_reach (
    account_id TEXT NOT NULL, region TEXT NOT NULL, PRIMARY KEY (account_id, region)) WITHOUT ROWID`);
  db.exec("DELETE FROM temp.lc_reach");
  if (db.prepare("SELECT 1 FROM finding_lifecycle WHERE state = 'open' LIMIT 1").get() === undefined) return;
  if (db.prepare("SELECT 1 FROM coverage WHERE scan_id = ? AND status = 'ok' LIMIT 1").get(scanId)) return;
  const range = store.resourceIdRange(scanId);
  if (!range) return;
  // The row-id range, read in order (through resources_scan_type, a random read per row).
  db.prepare(
    `INSERT OR IGNORE INTO temp.lc_reach SELECT account_id, region FROM resources
     WHERE id BETWEEN :lo AND :hi AND +scan_id = :scan`,
  ).run({ ...range, scan: scanId });
}

/**
 * The scan's results that can change a finding's life, one per identity (FAIL over UNKNOWN over
 * PASS), in a temporary table: every FAIL, and an UNKNOWN or PASS only where the lifecycle already
 * holds its identity (to keep it open or resolve it, or to tell it was seen). An UNKNOWN or PASS
 * of an identity that never failed changes nothing (writeStates reads them only for identities
 * that are open); leaving those out spares most of a scan (bench/README.md).
 *
 * One pass over the scan's row-id range, upserting by identity: found through the status index,
 * each row was a random read of the table, and GROUP BY sorted them all again (2.4 s against
 * 0.8 s at 200k items; bench/README.md). Without a row id, the table is kept in identity order,
 * so what reads it next (writeStates, applyStates) meets the lifecycle's index in its order.
 */
function loadResults(store: Store, scanId: number): void {
  const rank = (t: string): string => `CASE ${t}.status WHEN 'FAIL' THEN 0 WHEN 'UNKNOWN' THEN 1 ELSE 2 END`;
  const db = store.db;
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS lc_now (
    identity TEXT PRIMARY KEY, status TEXT NOT NULL, rule_id TEXT, account_id TEXT, region TEXT,
    resource_type TEXT, resource_id TEXT, arn TEXT) WITHOUT ROWID`);
  db.exec("DELETE FROM temp.lc_now");
  const range = store.findingIdRange(scanId);
  if (!range) return;
  const known =
    db.prepare("SELECT 1 FROM finding_lifecycle LIMIT 1").get() === undefined
      ? ""
      : `OR ${ID} IN (SELECT identity FROM finding_lifecycle)`;
  // `+f.scan_id`: a row filter, so the row-id range drives the read. `AND true` keeps SQLite from
  // reading ON CONFLICT as a join's ON clause (its documented parsing ambiguity).
  db.prepare(
    `INSERT INTO temp.lc_now
     SELECT ${ID}, f.status, f.rule_id, f.account_id, f.region, f.resource_type, f.resource_id, f.arn
     FROM findings f WHERE f.id BETWEEN :lo AND :hi AND +f.scan_id = :scan
       AND (f.status_key = 0 ${known}) AND true
     ON CONFLICT (identity) DO UPDATE SET status = excluded.status, resource_type = excluded.resource_type,
       resource_id = excluded.resource_id, arn = excluded.arn
     WHERE ${rank("excluded")} < ${rank("lc_now")}`,
  ).run({ ...range, scan: scanId });
}

/** What this scan does to each identity, judged against the lifecycle as it stood before it. */
function writeStates(db: Database.Database, scan: number): void {
  const add = (sql: string): void => {
    db.prepare(`INSERT INTO finding_states (scan_id, identity, state, status) ${sql}`).run({ scan });
  };
  const open = "SELECT l.identity FROM finding_lifecycle l WHERE l.state = 'open'";
  add(`SELECT :scan, n.identity, 'open', n.status FROM temp.lc_now n
       WHERE n.status IN ('FAIL', 'UNKNOWN') AND n.identity IN (${open})`);
  add(`SELECT :scan, n.identity, 'resolved', 'PASS' FROM temp.lc_now n
       WHERE n.status = 'PASS' AND n.identity IN (${open})`);
  add(`SELECT :scan, n.identity, 'reopened', 'FAIL' FROM temp.lc_now n JOIN finding_lifecycle l USING (identity)
       WHERE n.status = 'FAIL' AND l.state = 'resolved'`);
  add(`SELECT :scan, n.identity, 'new', 'FAIL' FROM temp.lc_now n
       WHERE n.status = 'FAIL' AND n.identity NOT IN (SELECT identity FROM finding_lifecycle)`);
  add(`SELECT :scan, l.identity, CASE WHEN ${IN_REACH} THEN 'resolved' ELSE 'open' END, NULL
       FROM finding_lifecycle l WHERE l.state = 'open' AND l.identity NOT IN (SELECT identity FROM temp.lc_now)`);
}

/** Bring finding_lifecycle up to this scan's states. */
function applyStates(db: Database.Database, scan: number, at: string): void {
  const p = { scan, at };
  const inState = (states: string): string =>
    `identity IN (SELECT identity FROM finding_states WHERE scan_id = :scan AND state IN (${states}))`;
  db.prepare(
    `INSERT INTO finding_lifecycle (identity, rule_id, account_id, region, resource_type, resource_id, arn,
       state, first_seen_scan, first_seen_at, last_seen_scan, last_seen_at, opened_scan, opened_at)
     SELECT identity, rule_id, account_id, region, resource_type, resource_id, arn,
       'open', :scan, :at, :scan, :at, :scan, :at FROM temp.lc_now WHERE ${inState("'new'")}`,
  ).run(p);
  db.prepare(
    `UPDATE finding_lifecycle SET state = 'open', opened_scan = :scan, opened_at = :at, resolved_scan = NULL,
       resolved_at = NULL, reopen_count = reopen_count + 1 WHERE ${inState("'reopened'")}`,
  ).run(p);
  // A new identity was written last seen now, above.
  db.prepare(
    `UPDATE finding_lifecycle SET last_seen_scan = :scan, last_seen_at = :at
     WHERE identity IN (SELECT identity FROM finding_states WHERE scan_id = :scan AND status = 'FAIL'
       AND state <> 'new')`,
  ).run(p);
  db.prepare(
    `UPDATE finding_lifecycle SET state = 'resolved', resolved_scan = :scan, resolved_at = :at
     WHERE ${inState("'resolved'")}`,
  ).run(p);
}

/**
 * Take one complete scan into the lifecycle (once; a second call is a no-op). Call it inside the
 * transaction that marks the scan complete. `at` is the scan's start, its one evaluation time.
 */
export function recordLifecycle(store: Store, scanId: number, at: string): LifecycleCounts {
  const db = store.db;
  const run = (): LifecycleCounts => {
    const done = db.prepare("SELECT 1 FROM lifecycle_scans WHERE scan_id = ?").get(scanId);
    if (!done) {
      db.prepare("INSERT INTO lifecycle_scans (scan_id, processed_at) VALUES (?, ?)").run(
        scanId,
        new Date().toISOString(),
      );
      loadResults(store, scanId);
      loadReach(store, scanId);
      writeStates(db, scanId);
      applyStates(db, scanId, at);
      db.exec("DELETE FROM temp.lc_now");
      db.exec("DELETE FROM temp.lc_reach");
    }
    return stateCounts(store, scanId);
  };
  // Alone (a reader's backfill), IMMEDIATE takes the write lock before reading, so a concurrent
  // writer makes it wait instead of failing; inside the completing transaction, it is a savepoint.
  return db.inTransaction ? db.transaction(run)() : db.transaction(run).immediate();
}

/** How many findings the scan opened, kept open, resolved and reopened. */
export function stateCounts(store: Store, scanId: number): LifecycleCounts {
  const counts: LifecycleCounts = { new: 0, open: 0, resolved: 0, reopened: 0 };
  const rows = store.db
    .prepare("SELECT state, COUNT(*) AS n FROM finding_states WHERE scan_id = ? GROUP BY state")
    .all(scanId) as { state: LifecycleState; n: number }[];
  for (const r of rows) counts[r.state] = r.n;
  return counts;
}

/**
 * Backfill: take in every complete scan the lifecycle has not seen, oldest first (a database
 * from before migration 007, or scans written by an older dpscan since). Pruned scans have no
 * findings left to take in and are skipped.
 */
export function ensureLifecycle(store: Store): number {
  const pending = store.db
    .prepare(
      `SELECT id, started_at FROM scans WHERE status = 'complete' AND pruned_at IS NULL
         AND id NOT IN (SELECT scan_id FROM lifecycle_scans) ORDER BY id`,
    )
    .all() as { id: number; started_at: string }[];
  for (const s of pending) recordLifecycle(store, s.id, s.started_at);
  return pending.length;
}

/** The order in which the lifecycle took the scan in (0: not taken in). */
export function lifecycleSeq(store: Store, scanId: number): number {
  const r = store.db.prepare("SELECT seq FROM lifecycle_scans WHERE scan_id = ?").get(scanId) as
    { seq: number } | undefined;
  return r?.seq ?? 0;
}

/** The scan (not pruned) the lifecycle took in just before this one: what `diff` compares it with. */
export function previousLifecycleScan(store: Store, scanId: number): ScanRow | undefined {
  const r = store.db
    .prepare(
      `SELECT l.scan_id AS id FROM lifecycle_scans l JOIN scans s ON s.id = l.scan_id
       WHERE l.seq < ? AND s.pruned_at IS NULL ORDER BY l.seq DESC LIMIT 1`,
    )
    .get(lifecycleSeq(store, scanId)) as { id: number } | undefined;
  return r ? store.getScan(r.id) : undefined;
}

/** History of the given identities (those that ever FAILed). */
export function histories(store: Store, identities: Iterable<string>): Map<string, FindingHistory> {
  const stmt = store.db.prepare("SELECT * FROM finding_lifecycle WHERE identity = ?");
  const out = new Map<string, FindingHistory>();
  for (const id of identities) {
    const r = stmt.get(id) as RawLifecycle | undefined;
    if (r) out.set(id, toHistory(r));
  }
  return out;
}

/** This scan's state per identity (only identities the scan opened, kept open or resolved). */
export function scanStates(store: Store, scanId: number): Map<string, LifecycleState> {
  const rows = store.db
    .prepare("SELECT identity, state FROM finding_states WHERE scan_id = ?")
    .all(scanId) as { identity: string; state: LifecycleState }[];
  return new Map(rows.map((r) => [r.identity, r.state]));
}

interface RawLifecycle {
  state: "open" | "resolved";
  first_seen_scan: number;
  first_seen_at: string;
  last_seen_scan: number;
  last_seen_at: string;
  opened_at: string;
  resolved_at: string | null;
  reopen_count: number;
}

function toHistory(r: RawLifecycle): FindingHistory {
  return {
    state: r.state,
    firstSeenScan: r.first_seen_scan,
    firstSeenAt: r.first_seen_at,
    lastSeenScan: r.last_seen_scan,
    lastSeenAt: r.last_seen_at,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    reopenCount: r.reopen_count,
  };
}
