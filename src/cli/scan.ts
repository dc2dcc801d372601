import type { Command } from "commander";
import { checkScanInputs, runScan } from "../app/scan.js";
import { COLLECTORS } from "../collect/registry.js";
import { scanSummaryJson, scanSummaryText } from "../report/scan-summary.js";
import { loadRules } from "../rules/loader.js";
import { Store } from "../store/store.js";
import { globals, oneOf, out } from "./context.js";
import { ScanProgress } from "./progress.js";
import { resolveScanOptions, type ScanFlags } from "./scan-options.js";

export function registerScan(program: Command): void {
  program
    .command("scan")
    .description("Collect resources across accounts and regions, evaluate the rules and store the scan")
    .option("--config <file>", "configuration file (default: ./dpscan.config.yaml when present)")
    .option("--no-config", "ignore ./dpscan.config.yaml")
    .option("--profile <name>", "AWS profile for the caller's credentials")
    .option("--endpoint-url <url>", "custom endpoint for every service (simulator, LocalStack, moto)")
    .option(
      "--region <region>",
      "home region for global services and discovery (default: AWS_REGION or us-east-1)",
    )
    .option("--accounts <ids>", "comma-separated account IDs (default: the caller's account)")
    .option("--org", "every ACTIVE account of the organisation (organizations:ListAccounts)")
    .option("--exclude-accounts <ids>", "accounts to leave out")
    .option("--role-name <name>", "role to assume in member accounts")
    .option("--external-id <id>", "ExternalId the role requires")
    .option("--role-session-name <name>", "session name (default: dpscan)")
    .option(
      "--session-duration <seconds>",
      "role session length, 900-43200 (default 3600; refreshed before expiry)",
    )
    .option("--regions <names>", "comma-separated regions (default: every region enabled in each account)")
    .option("--services <names>", `collectors to run: ${COLLECTORS.map((c) => c.name).join(",")}`)
    .option("--concurrency <n>", "API calls in flight across the scan (default 32)")
    .option("--account-concurrency <n>", "accounts collected at once (default 8)")
    .option(
      "--rate <service=rps[/burst]...>",
      "client-side rate per account/region for a service (repeatable)",
      collect,
      [],
    )
    .option("--require-full-coverage", "exit 3 when any unit was denied or failed")
    .option("--resume", "continue the latest interrupted or failed scan, skipping finished units")
    .option("--log-format <format>", "text or json (when not on a terminal)")
    .option("--no-progress", "no progress line on a terminal (log lines instead)")
    .option("-q, --quiet", "no progress line and no log lines; only the summary")
    .option("--source <source>", "api (default) or config (an AWS Config aggregator)")
    .option("--aggregator <name>", "AWS Config aggregator for --source config")
    .option("--enrich", "with --source config: fetch facts Config does not record (key policies, rotation)")
    .option("-f, --format <format>", "summary output: table or json", "table")
    .action(async (flags: ScanFlags & { resume?: boolean; format: string }, cmd: Command) => {
      const format = oneOf("--format", flags.format, ["table", "json"] as const);
      const dbFlag = globals(cmd).db;
      const dbFromCli = cmd.parent?.getOptionValueSource("db") === "cli";
      const resolved = resolveScanOptions(flags);
      const rules = loadRules();
      checkScanInputs(resolved.options, rules);
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

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
