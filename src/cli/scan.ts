import type { Command } from "commander";
import { acquireDbLock } from "../app/db-lock.js";
import { checkScanInputs, runScan } from "../app/scan.js";
import { COLLECTORS } from "../collect/registry.js";
import { scanSummaryJson, scanSummaryText } from "../report/scan-summary.js";
import { loadRules } from "../rules/loader.js";
import { Store } from "../store/store.js";
import { globals, oneOf, out } from "./context.js";
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
      const format = oneOf("--format", flags.format, ["table", "json"] as const);
      const dbFlag = globals(cmd).db;
      const dbFromCli = cmd.parent?.getOptionValueSource("db") === "cli";
      const resolved = resolveScanOptions(flags);
      const rules = loadRules();
      checkScanInputs(resolved.options, rules);
      const dbPath = !dbFromCli && resolved.db ? resolved.db : dbFlag;
      // One writer per database: a running `dpscan serve` or another scan on this file refuses us.
      const lock = acquireDbLock(dbPath, "dpscan scan");
      let store: Store;
      try {
        store = new Store(dbPath);
      } catch (err) {
        lock.release();
        throw err;
      }
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
        lock.release();
      }
    });
}
