import type { Command } from "commander";
import { readConfigItems } from "../collect/aws-config/snapshot-file.js";
import { withDbLock } from "../app/db-lock.js";
import { runEvaluate } from "../app/evaluate.js";
import { scanSummaryText } from "../report/scan-summary.js";
import { PLAIN } from "../report/text.js";
import { loadRules } from "../rules/loader.js";
import { globals, hint, oneOf, openStore, stdoutStyle } from "./context.js";
import { completedScan, emitReport } from "./findings-output.js";
import { collect, OUTPUT_HELP, outputFiles, REPORT_FORMATS } from "./output.js";
import type { ScanOptions } from "./scan-options.js";

interface Opts {
  input: string[];
  rules?: string;
  format: string;
  all?: boolean;
  output: string[];
}

export function define(cmd: Command): void {
  cmd
    .requiredOption(
      "-i, --input <files...>",
      "AWS Config snapshot files, JSON arrays of items, or JSON Lines",
    )
    .option("--rules <dir>", "rules directory (default: the built-in rules)")
    .option("-f, --format <format>", REPORT_FORMATS.join(", "), "table")
    .option("-o, --output <file>", OUTPUT_HELP, collect, [])
    .option("--all", "list passing results too (table format)")
    .action(async (opts: Opts, c: Command) => {
      const format = oneOf("--format", opts.format, REPORT_FORMATS);
      const files = outputFiles(opts.output);
      // Validate everything before touching the database: bad input never costs stored data.
      const rules = loadRules(opts.rules);
      const params = (globals(c).settings.data.params ?? {}) as ScanOptions["params"];
      const input = readConfigItems(opts.input);
      // One writer per database, as for `dpscan scan` (src/app/db-lock.ts).
      await withDbLock(globals(c).db, "dpscan evaluate", async () => {
        const store = openStore(c);
        try {
          const scan = completedScan(
            store,
            await runEvaluate(store, { files: opts.input, items: input, rules, params }),
          );
          if (!scan) return;
          const database = globals(c).db;
          const preamble = [
            `${input.records.length} resources from ${opts.input.length} file(s), ${rules.length} rules.`,
            ...inputNotes(input),
          ];
          await emitReport(
            format,
            {
              store,
              scan,
              database,
              filter: {},
              table: (plain) =>
                scanSummaryText(store, scan, {
                  style: plain ? PLAIN : stdoutStyle(c),
                  database,
                  hint: (args) => hint(c, args),
                  includePass: Boolean(opts.all),
                  preamble,
                }),
            },
            files,
          );
        } finally {
          store.close();
        }
      });
    });
}

function inputNotes(input: ReturnType<typeof readConfigItems>): string[] {
  const notes: string[] = [];
  const ignored = Object.values(input.ignoredTypes).reduce((a, b) => a + b, 0);
  if (ignored > 0)
    notes.push(
      `Ignored ${ignored} item(s) of ${Object.keys(input.ignoredTypes).length} type(s) no rule covers.`,
    );
  if (input.notRecorded > 0)
    notes.push(
      `Not examined: ${input.notRecorded} item(s) AWS Config marks ResourceNotRecorded (no configuration); the rules on their types report UNKNOWN in their account and region.`,
    );
  return notes;
}
