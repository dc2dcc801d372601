import type { Command } from "commander";
import { withDbLock } from "../app/db-lock.js";
import {
  DEFAULT_PARSE_WORKERS,
  expandInputs,
  PARSE_WORKER_BYTES,
  SLICE_FILE_BYTES,
} from "../collect/aws-config/snapshot-file.js";
import { runEvaluate } from "../app/evaluate.js";
import { judgeWorkerCount } from "../app/judge.js";
import { loadRules } from "../rules/loader.js";
import { selectRules } from "../rules/select.js";
import { collectProblems, InputError } from "../util/errors.js";
import { globals, hint, oneOf, openStore, parseList, stdoutStyle } from "./context.js";
import { completedScan, emitScanResult, SHOWN } from "./findings-output.js";
import { collect, OUTPUT_HELP, outputFiles, REPORT_FORMATS } from "./output.js";
import { SCAN_OPTIONS } from "../model/scan-options.js";
import { parseScanFlag, type ScanOptions } from "./scan-options.js";
import { waiverFileFor } from "./waivers-file.js";

interface Opts {
  input: string[];
  rules?: string;
  rule?: string;
  excludeRule?: string;
  format: string;
  all?: boolean;
  output: string[];
  judgeWorkers?: string;
  parseWorkers?: string;
}

/** `--parse-workers`: 1 to 8 threads. */
function parseWorkerCount(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > 8)
    throw new InputError([
      `--parse-workers: expected a whole number from 1 to 8, got ${JSON.stringify(value)}`,
    ]);
  return n;
}

export function define(cmd: Command): void {
  cmd
    .requiredOption(
      "-i, --input <files...>",
      "AWS Config snapshot or history files (.json or .json.gz), JSON arrays of items, JSON Lines, directories of them, or - for standard input",
    )
    .option("--rules <dir>", "rules directory (default: the built-in rules)")
    .option("--rule <ids>", "only these rules (comma-separated IDs)")
    .option("--exclude-rule <ids>", "leave out these rules (comma-separated IDs)")
    .option("-f, --format <format>", REPORT_FORMATS.join(", "), "table")
    .option("-o, --output <file>", OUTPUT_HELP, collect, [])
    .option(
      "--all",
      `table format: list every result, passes included (default: the first ${SHOWN} FAIL/UNKNOWN)`,
    )
    .option(SCAN_OPTIONS.judgeWorkers.flag, SCAN_OPTIONS.judgeWorkers.doc)
    .option(
      "--parse-workers <n>",
      `threads parsing an input of ${PARSE_WORKER_BYTES / 2 ** 20} MiB or more, 1 to 8; with 2 or more, JSON Lines files of ${SLICE_FILE_BYTES / 2 ** 20} MiB or more are cut into slices they share (default: ${DEFAULT_PARSE_WORKERS})`,
    )
    .action(async (opts: Opts, c: Command) => {
      // Every problem of the command line, the rules and the input list at once, before the database:
      // bad input never costs stored data.
      const problems: string[] = [];
      const format = collectProblems(problems, () => oneOf("--format", opts.format, REPORT_FORMATS));
      const files = collectProblems(problems, () => outputFiles(opts.output));
      const loaded = collectProblems(problems, () => loadRules(opts.rules));
      const rules = loaded
        ? collectProblems(problems, () =>
            selectRules(loaded, { only: parseList(opts.rule), exclude: parseList(opts.excludeRule) }),
          )
        : undefined;
      const inputs = collectProblems(problems, () => expandInputs(opts.input));
      const judgeWorkers = collectProblems(problems, () =>
        opts.judgeWorkers === undefined
          ? judgeWorkerCount(globals(c).settings.data.judgeWorkers as string | undefined)
          : judgeWorkerCount(parseScanFlag("judgeWorkers", opts.judgeWorkers) as string),
      );
      const parseWorkers =
        opts.parseWorkers === undefined
          ? undefined
          : collectProblems(problems, () => parseWorkerCount(opts.parseWorkers as string));
      const waivers = rules
        ? collectProblems(problems, () =>
            waiverFileFor(
              globals(c).settings,
              undefined,
              rules.map((r) => r.id),
            ),
          )
        : undefined;
      if (problems.length > 0 || !format || !files || !rules || !inputs) throw new InputError(problems);
      const params = (globals(c).settings.data.params ?? {}) as ScanOptions["params"];
      // One writer per database, as for `dpscan scan` (src/app/db-lock.ts).
      await withDbLock(globals(c).db, "dpscan evaluate", async () => {
        const store = openStore(c);
        try {
          const outcome = await runEvaluate(store, {
            files: inputs.files,
            rules,
            params,
            notice: (line) => process.stderr.write(`dpscan: ${line}\n`),
            ...(waivers ? { waivers } : {}),
            ...(judgeWorkers !== undefined ? { judgeWorkers } : {}),
            ...(parseWorkers !== undefined ? { read: { parseWorkers } } : {}),
          });
          const scan = completedScan(store, outcome);
          if (!scan || outcome.status !== "complete") return;
          const read = outcome.value;
          const database = globals(c).db;
          const preamble = [
            `${read.records} resources from ${inputs.files.length} file(s), ${rules.length} rules.`,
            ...readNotes(read, inputs.skipped),
          ];
          await emitScanResult(store, scan, {
            format,
            files,
            database,
            waivers,
            style: stdoutStyle(c),
            // A summary: a million items must not print half a million lines unless asked to.
            summary: {
              hint: (args) => hint(c, args),
              preamble,
              ...(opts.all ? { includePass: true } : { limit: SHOWN }),
            },
          });
        } finally {
          store.close();
        }
      });
    });
}

/** What the input held besides the records judged: ignored types (named), repeats, unrecorded items. */
function readNotes(
  read: {
    ignoredTypes: Record<string, number>;
    notRecorded: number;
    superseded: number;
    supersededExamples: string[];
  },
  skippedFiles: number,
): string[] {
  const lines: string[] = [];
  const types = Object.entries(read.ignoredTypes).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const ignored = types.reduce((n, [, c]) => n + c, 0);
  if (ignored > 0)
    lines.push(
      `Ignored ${ignored} item(s) of ${types.length} type(s) no rule covers: ${types.map(([t, n]) => `${t} (${n})`).join(", ")}.`,
    );
  if (skippedFiles > 0)
    lines.push(
      `Skipped ${skippedFiles} file(s) in the input directories that are not .json, .json.gz, .jsonl or .ndjson.`,
    );
  if (read.superseded > 0) {
    lines.push(
      `Superseded: ${read.superseded} older or repeated item(s) of resources given more than once; each resource is judged on its newest capture.`,
    );
    for (const e of read.supersededExamples) lines.push(`  ${e}`);
  }
  if (read.notRecorded > 0)
    lines.push(
      `Not examined: ${read.notRecorded} item(s) AWS Config marks ResourceNotRecorded (no configuration); the rules on their types report UNKNOWN in their account and region.`,
    );
  return lines;
}
