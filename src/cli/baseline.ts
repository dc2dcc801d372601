// `dpscan baseline export [--scan ID] [--output FILE]`: the FAIL and UNKNOWN results of a scan as a
// baseline file for `dpscan gate --new-only --baseline FILE` (schemas/baseline.schema.json), for
// pipelines whose database does not persist between runs.
import type { Command } from "commander";
import { exportBaseline } from "../report/baseline.js";
import { openStore, out } from "./context.js";
import { writeFileChunks } from "./output.js";
import { selectScan } from "./scan-select.js";

export function define(baseline: Command): void {
  baseline
    .command("export")
    .description("Write a scan's FAIL and UNKNOWN results as a baseline file (JSON)")
    .option("--scan <id>", "a complete scan (default: the latest complete scan)")
    .option("-o, --output <file>", "write to FILE instead of stdout")
    .action(async (opts: { scan?: string; output?: string }, cmd: Command) => {
      const store = openStore(cmd);
      try {
        const scan = selectScan(store, opts.scan, cmd, { complete: "baselines are made" });
        const text = `${JSON.stringify(exportBaseline(store, scan), null, 2)}\n`;
        if (opts.output) await writeFileChunks(opts.output, [text]);
        else out(text);
      } finally {
        store.close();
      }
    });
}
