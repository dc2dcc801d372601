// Which stored scan a command reads: `--scan ID`, or the latest complete one. A pruned scan has
// no results left to read, and commands that judge a scan (gate, diff) read complete scans only.
import type { ScanRow, Store } from "../store/store.js";
import { prunedAt } from "../store/prune.js";
import { UsageError } from "../util/errors.js";

export function selectScan(
  store: Store,
  id: string | undefined,
  opts: { flag?: string; complete?: boolean } = {},
): ScanRow {
  const flag = opts.flag ?? "--scan";
  let scan: ScanRow | undefined;
  if (id !== undefined) {
    scan = /^\d+$/.test(id) ? store.getScan(Number(id)) : undefined;
    if (!scan) throw new UsageError(`${flag}: no scan with id ${id} in ${store.path} (see "dpscan scans")`);
  } else {
    scan = store.latestCompleteScan();
    if (!scan)
      throw new UsageError(`no complete scan in ${store.path}; run "dpscan scan" or "dpscan evaluate" first`);
  }
  const pruned = prunedAt(store, scan.id);
  if (pruned)
    throw new UsageError(
      `${flag}: scan ${scan.id} was pruned on ${pruned}; its results are no longer stored`,
    );
  if (opts.complete && scan.status !== "complete")
    throw new UsageError(`${flag}: scan ${scan.id} is ${scan.status}; only a complete scan can be judged`);
  return scan;
}
