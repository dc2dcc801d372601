import type { Command } from "commander";
import { readConfigItems } from "../collect/aws-config/snapshot-file.js";
import { runEvaluate } from "../app/evaluate.js";
import { findingJson, findingsTable, summaryTable } from "../report/findings-view.js";
import { loadRules } from "../rules/loader.js";
import { globals, oneOf, openStore, out } from "./context.js";

export function registerEvaluate(program: Command): void {
  program
    .command("evaluate")
    .description(
      "Evaluate the rules on AWS Config configuration items from files and store the results as a scan",
    )
    .requiredOption(
      "-i, --input <files...>",
      "AWS Config snapshot files, JSON arrays of items, or JSON Lines",
    )
    .option("--rules <dir>", "rules directory (default: the built-in rules)")
    .option("-f, --format <format>", "table or json", "table")
    .option("--all", "list passing results too (table format)")
    .action(
      async (opts: { input: string[]; rules?: string; format: string; all?: boolean }, cmd: Command) => {
        const format = oneOf("--format", opts.format, ["table", "json"] as const);
        // Validate everything before touching the database: bad input never costs stored data.
        const rules = loadRules(opts.rules);
        const input = readConfigItems(opts.input);
        const store = openStore(cmd);
        try {
          const outcome = await runEvaluate(store, { files: opts.input, items: input, rules });
          if (outcome.status === "interrupted") {
            process.exitCode = outcome.exitCode;
            return;
          }
          const scanId = outcome.scanId;
          const findings = store.queryFindings(scanId);
          if (format === "json") {
            out(JSON.stringify({ scanId, findings: findings.map(findingJson) }, null, 2));
            return;
          }
          const shown = opts.all ? findings : findings.filter((f) => f.status !== "PASS");
          out(
            `Scan ${scanId}: ${input.records.length} resources from ${opts.input.length} file(s), ${rules.length} rules (db: ${globals(cmd).db})`,
          );
          const ignored = Object.values(input.ignoredTypes).reduce((a, b) => a + b, 0);
          if (ignored > 0)
            out(
              `Ignored ${ignored} item(s) of ${Object.keys(input.ignoredTypes).length} type(s) no rule covers.`,
            );
          if (input.notRecorded > 0)
            out(
              `Not examined: ${input.notRecorded} item(s) AWS Config marks ResourceNotRecorded (no configuration); the rules on their types report UNKNOWN in their account and region.`,
            );
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
      },
    );
}
