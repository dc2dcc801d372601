// Each `dpscan gate` decision (migration 007 gate_runs), so `--baseline latest-passing` can find
// the newest earlier scan that passed a gate: legacy findings accepted then do not block now.
import type { JsonObject } from "../model/resource.js";
import type { Store } from "./store.js";

export function recordGateRun(
  store: Store,
  scanId: number,
  exitCode: number,
  criteria: JsonObject,
  counts: JsonObject,
): void {
  store.db
    .prepare(
      "INSERT INTO gate_runs (scan_id, ran_at, exit_code, criteria_json, counts_json) VALUES (?, ?, ?, ?, ?)",
    )
    .run(scanId, new Date().toISOString(), exitCode, JSON.stringify(criteria), JSON.stringify(counts));
}

/** The newest scan before `beforeScanId` that a gate passed and that still has its results. */
export function latestPassingScan(store: Store, beforeScanId: number): number | undefined {
  const r = store.db
    .prepare(
      `SELECT g.scan_id AS id FROM gate_runs g JOIN scans s ON s.id = g.scan_id
       WHERE g.exit_code = 0 AND g.scan_id < ? AND s.status = 'complete' AND s.pruned_at IS NULL
       ORDER BY g.scan_id DESC LIMIT 1`,
    )
    .get(beforeScanId) as { id: number } | undefined;
  return r?.id;
}
