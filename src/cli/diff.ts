// `dpscan diff [--from SCAN] [--to SCAN]`: what changed between two complete scans (default: the
// two latest) — new, reopened and resolved findings, and open ones the later scan could not verify.
import type { Command } from "commander";
import { diffJson, diffMarkdown, diffTable } from "../report/diff-view.js";
import { waiversForOutput } from "../report/waived.js";
import { loadRules } from "../rules/loader.js";
import { diffScans } from "../store/diff.js";
import { ensureLifecycle, lifecycleSeq, previousLifecycleScan } from "../store/lifecycle.js";
import { UsageError } from "../util/errors.js";
import { globals, oneOf, openStore, out } from "./context.js";
import { selectScan } from "./scan-select.js";
import { WAIVERS_HELP, waiverFileFor } from "./waivers-file.js";

interface Opts {
  from?: string;
  to?: string;
  format: string;
  waivers?: string;
}

export function define(cmd: Command): void {
  cmd
    .option("--from <id>", "the earlier scan (default: the complete scan before --to)")
    .option("--to <id>", "the later scan (default: the latest complete scan)")
    .option("-f, --format <format>", "table, json or md", "table")
    .option("--waivers <file>", WAIVERS_HELP)
    .action((opts: Opts, c: Command) => {
      const format = oneOf("--format", opts.format, ["table", "json", "md"] as const);
      const file = waiverFileFor(
        globals(c).settings,
        opts.waivers,
        loadRules().map((r) => r.id),
      );
      const store = openStore(c);
      try {
        ensureLifecycle(store);
        const to = selectScan(store, opts.to, c, { flag: "--to", complete: "diffs are made" });
        const from = opts.from
          ? selectScan(store, opts.from, c, { flag: "--from", complete: "diffs are made" })
          : previousLifecycleScan(store, to.id);
        if (!from)
          throw new UsageError(
            `scan ${to.id} is the first complete scan in ${store.path}: nothing to compare it with`,
          );
        if (from.id === to.id) throw new UsageError("--from and --to name the same scan");
        if (lifecycleSeq(store, from.id) > lifecycleSeq(store, to.id))
          throw new UsageError(`--from ${from.id} completed after --to ${to.id}; swap them`);
        const diff = diffScans(store, from, to);
        const waived = waiversForOutput(store, to.id, file, { now: new Date() });
        out(
          format === "json"
            ? diffJson(diff, waived)
            : format === "md"
              ? diffMarkdown(diff, waived)
              : diffTable(diff, waived),
        );
      } finally {
        store.close();
      }
    });
}
