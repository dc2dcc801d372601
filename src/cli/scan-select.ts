// Which stored scan a command reads: `--scan ID`, or the latest complete one. A pruned scan has
// no results left to read, and commands that judge a scan (gate, diff, report) read complete
// scans only. Every command chooses its scan here, so the messages and hints are the same.
import type { Command } from "commander";
import { prunedAt } from "../store/prune.js";
import type { ScanRow, Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import { hint } from "./context.js";

export interface ScanChoice {
  /** The flag that named the scan (default --scan). */
  flag?: string;
  /** Only a complete scan will do: what is made of it ("reports are made", "a gate judges"). */
  complete?: string;
}

export function selectScan(store: Store, id: string | undefined, c: Command, opts: ScanChoice = {}): ScanRow {
  const flag = opts.flag ?? "--scan";
  let scan: ScanRow | undefined;
  if (id !== undefined) {
    scan = /^\d+$/.test(id) ? store.getScan(Number(id)) : undefined;
    if (!scan)
      throw new UsageError(`${flag}: no scan with id ${id} in ${store.path}; see "${hint(c, "scans")}"`);
  } else {
    scan = store.latestCompleteScan();
    if (!scan)
      throw new UsageError(
        `no complete scan in ${store.path}; run "${hint(c, "evaluate --input FILE")}" or "${hint(c, "scan")}" first`,
      );
  }
  const pruned = prunedAt(store, scan.id);
  if (pruned)
    throw new UsageError(
      `${flag}: scan ${scan.id} was pruned on ${pruned}; its results are no longer stored`,
    );
  if (opts.complete && scan.status !== "complete")
    throw new UsageError(
      `scan ${scan.id} is ${scan.status}: ${opts.complete} from complete scans only (continue it with "${hint(c, "scan --resume")}")`,
    );
  return scan;
}
