// `dpscan baseline export [--scan ID] [--output FILE]`: the FAIL and UNKNOWN results of a scan as a
// baseline file for `dpscan gate --new-only --baseline FILE` (schemas/baseline.schema.json), for
// pipelines whose database does not persist between runs.
import type { Command } from "commander";
import { exportBaseline } from "../report/baseline.js";
import { openStore } from "./context.js";
import { prettyJson } from "../report/json-stream.js";
import { stdout, writeChunks, writeFileChunks } from "./output.js";
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
        // Streamed: a baseline of every result of a large scan is never one string.
        const chunks = (function* () {
          yield* prettyJson(exportBaseline(store, scan));
          yield "\n";
        })();
        if (opts.output) await writeFileChunks(opts.output, chunks);
        else await writeChunks(stdout(), chunks);
      } finally {
        store.close();
      }
    });
}
