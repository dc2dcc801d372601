// Retention: `dpscan prune` drops old scans' resources, findings and coverage, keeps their rows
// (with `pruned_at`), their rules, waivers and gate runs, and keeps the lifecycle history of every
// finding that is still open — its first seen date survives the scans it was seen in. History of
// findings resolved in a pruned scan goes with it. Then VACUUM gives the space back.
import { statSync } from "node:fs";
import { scanChildTables, withForeignKeysOff, type Store } from "./store.js";

export interface PruneSelection {
  /** Keep the N newest complete scans (and incomplete ones newer than the oldest of them). */
  keep?: number;
  /** Prune scans started more than this many days before `now`. */
  olderThanDays?: number;
  now: Date;
}

export interface PruneResult {
  scans: number[];
  resources: number;
  findings: number;
  /** Lifecycle rows dropped with their pruned history (findings resolved in a pruned scan). */
  histories: number;
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * A scan's rows that prune keeps (its rules, waivers and gate runs, its place in the lifecycle);
 * finding_states is thinned below, not dropped. Every other table of a scan's rows
 * (scanChildTables: resources, findings, coverage, units, and any a later migration adds) goes.
 */
const KEPT = new Set(["scan_rules", "scan_waivers", "gate_runs", "lifecycle_scans", "finding_states"]);

interface Candidate {
  id: number;
  status: string;
  started_at: string;
}

/**
 * Scans to prune. Never the latest complete scan (what commands read by default), a running scan,
 * or the latest incomplete one when it is newer than the latest complete (`--resume` continues it).
 */
export function pruneCandidates(store: Store, sel: PruneSelection): number[] {
  const scans = store.db
    .prepare("SELECT id, status, started_at FROM scans WHERE pruned_at IS NULL ORDER BY id DESC")
    .all() as Candidate[];
  const complete = scans.filter((s) => s.status === "complete");
  const latestComplete = complete[0]?.id ?? 0;
  const resumable = scans.find((s) => s.status === "failed" || s.status === "interrupted");
  const protectedIds = new Set([
    latestComplete,
    resumable && resumable.id > latestComplete ? resumable.id : 0,
  ]);
  let chosen = scans.filter((s) => s.status !== "running" && !protectedIds.has(s.id));
  if (sel.keep !== undefined) {
    const kept = complete.slice(0, sel.keep);
    const oldestKept = kept.at(-1)?.id ?? Infinity;
    chosen = chosen.filter((s) => !kept.some((k) => k.id === s.id) && s.id < oldestKept);
  }
  if (sel.olderThanDays !== undefined) {
    const cutoff = sel.now.getTime() - sel.olderThanDays * 86_400_000;
    chosen = chosen.filter((s) => Date.parse(s.started_at) < cutoff);
  }
  return chosen.map((s) => s.id).sort((a, b) => a - b);
}

function fileBytes(path: string): number {
  let n = 0;
  for (const p of [path, `${path}-wal`]) {
    try {
      n += statSync(p).size;
    } catch {
      // no WAL file: nothing to count
    }
  }
  return n;
}

export interface PruneOptions {
  /**
   * VACUUM after (default): gives the space back to the file system, rewriting the kept data. A
   * nightly service leaves it off: the next scans reuse the freed pages, so the file stays level.
   */
  vacuum?: boolean;
}

export function pruneScans(store: Store, ids: readonly number[], opts: PruneOptions = {}): PruneResult {
  const bytesBefore = fileBytes(store.path);
  const db = store.db;
  const count = (sql: string, id: number): number => (db.prepare(sql).get(id) as { n: number }).n;
  let resources = 0;
  let findings = 0;
  let histories = 0;
  const at = new Date().toISOString();
  const dropped = scanChildTables(db).filter((t) => !KEPT.has(t));
  // Each resource row deleted would make SQLite look for findings naming it
  // (finding_rows.resource_pk cascades, and leads no index): a read of every remaining finding per
  // resource. A scan's findings name
  // only its own resources and are deleted first, so the check has nothing to find.
  withForeignKeysOff(db, pruneRows);
  function pruneRows(): void {
    // One transaction per scan, then a checkpoint: the WAL holds every page a transaction
    // changes, so pruning 20 scans of a 42 GB database in one had grown it past 11 GB, still
    // growing, when it was stopped (bench/README.md); scan by scan it holds one scan's pages. A
    // prune stopped part-way leaves whole scans pruned and the next prune finishes the rest.
    for (const id of ids) {
      db.transaction(() => {
        resources += count("SELECT COUNT(*) AS n FROM resources WHERE scan_id = ?", id);
        findings += count("SELECT COUNT(*) AS n FROM finding_rows WHERE scan_id = ?", id);
        for (const table of dropped) db.prepare(`DELETE FROM ${table} WHERE scan_id = ?`).run(id);
        db.prepare("UPDATE scans SET pruned_at = ? WHERE id = ?").run(at, id);
      }).immediate();
      // PASSIVE: copies what no reader still needs, waits for nobody (`serve` may be reading).
      db.pragma("wal_checkpoint(PASSIVE)");
    }
    db.transaction(() => {
      const pruned = "SELECT id FROM scans WHERE pruned_at IS NOT NULL";
      // Findings resolved in a pruned scan: their whole history is older than what is kept.
      const gone = `SELECT identity FROM finding_lifecycle WHERE state = 'resolved' AND resolved_scan IN (${pruned})`;
      db.prepare(`DELETE FROM finding_states WHERE identity IN (${gone})`).run();
      histories = db.prepare(`DELETE FROM finding_lifecycle WHERE identity IN (${gone})`).run().changes;
      // In pruned scans, keep only the states of findings still open (their history).
      db.prepare(
        `DELETE FROM finding_states WHERE scan_id IN (${pruned})
         AND identity NOT IN (SELECT identity FROM finding_lifecycle WHERE state = 'open')`,
      ).run();
    }).immediate();
  }
  if (ids.length > 0 && opts.vacuum !== false) {
    db.exec("VACUUM");
    db.pragma("wal_checkpoint(TRUNCATE)");
  }
  return { scans: [...ids], resources, findings, histories, bytesBefore, bytesAfter: fileBytes(store.path) };
}

/** When `dpscan prune` dropped the scan's results, or null. */
export function prunedAt(store: Store, scanId: number): string | null {
  const r = store.db.prepare("SELECT pruned_at FROM scans WHERE id = ?").get(scanId) as
    { pruned_at: string | null } | undefined;
  return r?.pruned_at ?? null;
}
