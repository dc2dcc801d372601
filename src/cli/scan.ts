import type { Command } from "commander";
import { checkScanInputs, runScan } from "../app/scan.js";
import { COLLECTORS } from "../collect/registry.js";
import { scanSummaryJson, scanSummaryText } from "../report/scan-summary.js";
import { loadRules } from "../rules/loader.js";
import type { Rule } from "../rules/rule.js";
import { selectRules } from "../rules/select.js";
import { Store } from "../store/store.js";
import { collectProblems, InputError } from "../util/errors.js";
import { globals, oneOf, out, parseList } from "./context.js";
import { ScanProgress } from "./progress.js";
import { addScanFlags, resolveScanOptions, type ScanFlags } from "./scan-options.js";

export function registerScan(program: Command): void {
  const command = program
    .command("scan")
    .description("Collect resources across accounts and regions, evaluate the rules and store the scan")
    .option("--config <file>", "configuration file (default: ./dpscan.config.yaml when present)")
    .option("--no-config", "ignore ./dpscan.config.yaml");
  addScanFlags(command, { services: `: ${COLLECTORS.map((c) => c.name).join(",")}` })
    .option("--resume", "continue the latest interrupted or failed scan, skipping finished units")
    .option("-f, --format <format>", "summary output: table or json", "table")
    .action(async (flags: ScanFlags & { resume?: boolean; format: string }, cmd: Command) => {
      const { format, resolved, rules } = checkInputs(flags);
      const dbFlag = globals(cmd).db;
      const dbFromCli = cmd.parent?.getOptionValueSource("db") === "cli";
      const store = new Store(!dbFromCli && resolved.db ? resolved.db : dbFlag);
      try {
        const o = resolved.options;
        const mode = o.quiet
          ? "quiet"
          : process.stderr.isTTY && o.progress
            ? "tty"
            : o.logFormat === "json"
              ? "json"
              : "text";
        const result = await runScan(o, {
          store,
          rules,
          resume: Boolean(flags.resume),
          given: resolved.given,
          events: (counters) => new ScanProgress(mode, counters),
          notice: (line) => process.stderr.write(`dpscan: ${line}\n`),
        });
        if (result.status === "complete") {
          out(
            format === "json"
              ? scanSummaryJson(store, result.scanId, result.summary, result.gaps)
              : scanSummaryText(store, result.scanId, result.summary, result.gaps),
          );
        }
        process.exitCode = result.exitCode;
      } finally {
        store.close();
      }
    });
}

/** Flags, settings file, rules and rule selection, all checked before the database is opened, every problem at once. */
function checkInputs(flags: ScanFlags & { format: string }): {
  format: "table" | "json";
  resolved: ReturnType<typeof resolveScanOptions>;
  rules: Rule[];
} {
  const problems: string[] = [];
  const format = collectProblems(problems, () => oneOf("--format", flags.format, ["table", "json"] as const));
  const resolved = collectProblems(problems, () => resolveScanOptions(flags));
  const dir = resolved ? resolved.options.rules : typeof flags.rules === "string" ? flags.rules : undefined;
  const loaded = collectProblems(problems, () => loadRules(dir));
  // Even when the settings file is broken, the selection flags can be checked against the rules.
  const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  const selection = resolved
    ? { only: resolved.options.rule, exclude: resolved.options.excludeRule }
    : { only: parseList(str(flags.rule)), exclude: parseList(str(flags.excludeRule)) };
  const rules = loaded ? collectProblems(problems, () => selectRules(loaded, selection)) : undefined;
  // Parameters may name any loaded rule, selected or not.
  if (loaded && resolved) collectProblems(problems, () => checkScanInputs(resolved.options, loaded));
  if (problems.length > 0 || !format || !resolved || !rules) throw new InputError(problems);
  return { format, resolved, rules };
}
