// `dpscan prune --keep N | --older-than DAYS`: drop old scans' resources, findings and coverage,
// keep the lifecycle history of findings still open, and VACUUM. `--dry-run` lists what would go.
import type { Command } from "commander";
import { ensureLifecycle } from "../store/lifecycle.js";
import { pruneCandidates, pruneScans } from "../store/prune.js";
import { UsageError } from "../util/errors.js";
import { oneOf, openStore, out } from "./context.js";

interface Opts {
  keep?: string;
  olderThan?: string;
  dryRun?: boolean;
  format: string;
}

function whole(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min)
    throw new UsageError(`${flag} must be a whole number of at least ${min} (got "${v}")`);
  return Number(v);
}

const mb = (n: number): string => `${(n / 1_048_576).toFixed(1)} MB`;

export function define(cmd: Command): void {
  cmd
    .option("--keep <n>", "keep the N newest complete scans")
    .option("--older-than <days>", "prune scans started more than DAYS days ago")
    .option("--dry-run", "list the scans that would be pruned; change nothing")
    .option("-f, --format <format>", "table or json", "table")
    .action((opts: Opts, c: Command) => {
      const format = oneOf("--format", opts.format, ["table", "json"] as const);
      const keep = whole("--keep", opts.keep, 1);
      const olderThanDays = whole("--older-than", opts.olderThan, 0);
      if ((keep === undefined) === (olderThanDays === undefined))
        throw new UsageError("give one of --keep N or --older-than DAYS");
      const store = openStore(c);
      try {
        // Open findings' history must be complete before old results go.
        ensureLifecycle(store);
        const ids = pruneCandidates(store, {
          now: new Date(),
          ...(keep !== undefined ? { keep } : {}),
          ...(olderThanDays !== undefined ? { olderThanDays } : {}),
        });
        if (opts.dryRun) {
          out(
            format === "json"
              ? JSON.stringify({ dryRun: true, scans: ids })
              : ids.length === 0
                ? "Nothing to prune."
                : `Would prune scan(s) ${ids.join(", ")}.`,
          );
          return;
        }
        const r = pruneScans(store, ids);
        if (format === "json") out(JSON.stringify(r, null, 2));
        else if (ids.length === 0) out("Nothing to prune.");
        else
          out(
            `Pruned scan(s) ${ids.join(", ")}: ${r.resources} resources and ${r.findings} findings removed, ${r.histories} resolved findings' history dropped; ${mb(r.bytesBefore)} → ${mb(r.bytesAfter)} after VACUUM.`,
          );
      } finally {
        store.close();
      }
    });
}
