import type { Command } from "commander";
import { expandInputs } from "../collect/aws-config/snapshot-file.js";
import { runEvaluate } from "../app/evaluate.js";
import { findingJson, findingsTable, summaryTable } from "../report/findings-view.js";
import { loadRules } from "../rules/loader.js";
import { selectRules } from "../rules/select.js";
import { collectProblems, InputError } from "../util/errors.js";
import { globals, oneOf, openStore, out, parseList } from "./context.js";

interface EvaluateFlags {
  input: string[];
  rules?: string;
  rule?: string;
  excludeRule?: string;
  format: string;
  all?: boolean;
}

export function registerEvaluate(program: Command): void {
  program
    .command("evaluate")
    .description(
      "Evaluate the rules on AWS Config configuration items from files and store the results as a scan",
    )
    .requiredOption(
      "-i, --input <files...>",
      "AWS Config snapshot or history files (.json or .json.gz), JSON arrays of items, JSON Lines, directories of them, or - for standard input",
    )
    .option("--rules <dir>", "rules directory (default: the built-in rules)")
    .option("--rule <ids>", "only these rules (comma-separated IDs)")
    .option("--exclude-rule <ids>", "leave out these rules (comma-separated IDs)")
    .option("-f, --format <format>", "table or json", "table")
    .option("--all", "list passing results too (table format)")
    .action(async (opts: EvaluateFlags, cmd: Command) => {
      // Every problem of the command line, the rules and the input list at once, before the database.
      const problems: string[] = [];
      const format = collectProblems(problems, () =>
        oneOf("--format", opts.format, ["table", "json"] as const),
      );
      const loaded = collectProblems(problems, () => loadRules(opts.rules));
      const rules = loaded
        ? collectProblems(problems, () =>
            selectRules(loaded, { only: parseList(opts.rule), exclude: parseList(opts.excludeRule) }),
          )
        : undefined;
      const inputs = collectProblems(problems, () => expandInputs(opts.input));
      if (problems.length > 0 || !format || !rules || !inputs) throw new InputError(problems);
      const store = openStore(cmd);
      try {
        const outcome = await runEvaluate(store, {
          files: inputs.files,
          rules,
          notice: (line) => process.stderr.write(`dpscan: ${line}\n`),
        });
        if (outcome.status === "interrupted") {
          process.exitCode = outcome.exitCode;
          return;
        }
        const { scanId, value: read } = outcome;
        const findings = store.queryFindings(scanId);
        if (format === "json") {
          out(JSON.stringify({ scanId, findings: findings.map(findingJson) }, null, 2));
          return;
        }
        const shown = opts.all ? findings : findings.filter((f) => f.status !== "PASS");
        out(
          `Scan ${scanId}: ${read.records} resources from ${inputs.files.length} file(s), ${rules.length} rules (db: ${globals(cmd).db})`,
        );
        for (const line of readNotes(read, inputs.skipped)) out(line);
        out("");
        out(summaryTable(findings));
        out("");
        out(findingsTable(shown));
        const fail = findings.filter((f) => f.status === "FAIL").length;
        const unknown = findings.filter((f) => f.status === "UNKNOWN").length;
        out("");
        out(`${fail} FAIL, ${unknown} UNKNOWN, ${findings.length - fail - unknown} PASS.`);
      } finally {
        store.close();
      }
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
