import type { Command } from "commander";
import { withDbLock } from "../app/db-lock.js";
import { MAX_SPREAD_HOURS, runMerge } from "../app/merge.js";
import { loadRules } from "../rules/loader.js";
import { Store } from "../store/store.js";
import { collectProblems, InputError } from "../util/errors.js";
import { globals, oneOf, stdoutStyle } from "./context.js";
import { completedScan, emitScanResult, SHOWN } from "./findings-output.js";
import { invocation, shellWord } from "./invocation.js";
import { collect, OUTPUT_HELP, outputFiles, REPORT_FORMATS } from "./output.js";

/** Findings the summary lists, as `scan` does. */

interface Flags {
  rules?: string;
  within?: string;
  format: string;
  output: string[];
}

export function define(cmd: Command): void {
  cmd
    // Arguments (in src/cli/main.ts): OUT, the database the merged scan is added to (created when
    // missing), then the shard databases (each one's latest scan is its shard).
    .option("--rules <dir>", "the rules directory the shards were scanned with (default: the built-in rules)")
    .option(
      "--within <hours>",
      `the shard scans started within this many hours of each other, or the merge is incomplete (default: ${MAX_SPREAD_HOURS})`,
    )
    .option("-f, --format <format>", `output: ${REPORT_FORMATS.join(", ")} (table: a summary)`, "table")
    .option("-o, --output <file>", OUTPUT_HELP, collect, [])
    .action(async (outPath: string, inputs: string[], flags: Flags, c: Command) => {
      const problems: string[] = [];
      const format = collectProblems(problems, () => oneOf("--format", flags.format, REPORT_FORMATS));
      const files = collectProblems(problems, () => outputFiles(flags.output));
      const settings = collectProblems(problems, () => globals(c).settings);
      const fromSettings = typeof settings?.data.rules === "string" ? settings.data.rules : undefined;
      const rules = collectProblems(problems, () => loadRules(flags.rules ?? fromSettings));
      const within = flags.within === undefined ? MAX_SPREAD_HOURS : Number(flags.within);
      if (!/^\d+(\.\d+)?$/.test(flags.within ?? "0") || !(within > 0))
        problems.push(`--within must be a number of hours above 0 (got "${flags.within}")`);
      if (problems.length > 0 || !format || !files || !rules) throw new InputError(problems);
      // OUT has one writer, as for `dpscan scan` (src/app/db-lock.ts); the shards are only read.
      const result = await withDbLock(outPath, "dpscan merge", () =>
        runMerge({
          out: outPath,
          inputs,
          rules,
          maxSpreadHours: within,
          notice: (line) => process.stderr.write(`dpscan: ${line}\n`),
        }),
      );
      const hint = (args: string): string => `${invocation()} --db ${shellWord(outPath)} ${args}`;
      if (result.status === "incomplete")
        process.stderr.write(
          `dpscan: merged scan ${result.scanId} is incomplete (stored as failed): ${result.reason ?? ""}; its partial findings: ${hint(`findings --scan ${result.scanId}`)}; to finish it here: ${hint("scan --resume")}\n`,
        );
      const store = new Store(outPath);
      try {
        const scan = completedScan(store, result);
        if (!scan) return;
        const preamble = [
          `Merged ${result.shards.length} shard(s): ${result.shards
            .map((s) => `${s.shard} ${s.database} (scan ${s.scanId}, ${s.accounts} account(s))`)
            .join("; ")}.`,
        ];
        await emitScanResult(store, scan, {
          format,
          files,
          database: outPath,
          waivers: undefined,
          style: stdoutStyle(c),
          summary: { hint, limit: SHOWN, preamble },
        });
      } finally {
        store.close();
      }
    });
}
