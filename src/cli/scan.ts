import type { Command } from "commander";
import { ClientFactory } from "../aws/clients.js";
import { configSourceGapSource } from "../collect/config-source.js";
import { liveScan } from "../collect/live-scan.js";
import { COLLECTORS, selectCollectors } from "../collect/registry.js";
import type { JsonObject } from "../model/resource.js";
import { evaluateStoredScan, summaryJson } from "../rules/engine.js";
import { gapFindings, isCoverageGap } from "../rules/gaps.js";
import { checkParamValue, loadRules } from "../rules/loader.js";
import type { Rule } from "../rules/rule.js";
import { Store, type ScanRow } from "../store/store.js";
import { EXIT, InputError, UsageError } from "../util/errors.js";
import { globals, out } from "./context.js";
import { findingsTable, summaryTable } from "./findings-view.js";
import { table } from "./output.js";
import { ScanProgress } from "./progress.js";
import { resolveScanOptions, type ScanFlags, type ScanOptions } from "./scan-options.js";

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
      if (flags.format !== "table" && flags.format !== "json")
        throw new UsageError(`--format must be table or json (got "${flags.format}")`);
      const dbFlag = globals(cmd).db;
      const dbFromCli = cmd.parent?.getOptionValueSource("db") === "cli";
      const resolved = resolveScanOptions(flags);
      const rules = loadRules();
      validateParams(rules, resolved.options.params);
      const collectors = selectCollectorsOrUsage(resolved.options.services);
      const store = new Store(!dbFromCli && resolved.db ? resolved.db : dbFlag);
      try {
        process.exitCode = await runScan(store, flags, resolved.options, rules, collectors);
      } finally {
        store.close();
      }
    });
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function validateParams(rules: Rule[], params: ScanOptions["params"]): void {
  const problems: string[] = [];
  for (const [ruleId, values] of Object.entries(params)) {
    const rule = rules.find((r) => r.id === ruleId);
    if (!rule) {
      problems.push(`params: unknown rule "${ruleId}"`);
      continue;
    }
    for (const [name, value] of Object.entries(values)) {
      const p = checkParamValue(rule, name, value);
      if (p) problems.push(`params.${ruleId}.${name}: ${p}`);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
}

function selectCollectorsOrUsage(names: string[] | undefined) {
  try {
    return selectCollectors(names);
  } catch (err) {
    throw new UsageError(`--services: ${(err as Error).message}`);
  }
}

async function runScan(
  store: Store,
  flags: { resume?: boolean; format: string },
  fresh: ScanOptions,
  rules: Rule[],
  collectorsFresh: ReturnType<typeof selectCollectors>,
): Promise<number> {
  let scan: ScanRow;
  let options = fresh;
  let collectors = collectorsFresh;
  if (flags.resume) {
    const prev = store.latestIncompleteScan("scan");
    if (!prev) throw new UsageError(`--resume: no interrupted or failed scan in ${store.path}`);
    // Same scope as the scan being resumed: its stored options win (credentials are never stored).
    options = {
      ...(prev.options as unknown as ScanOptions),
      logFormat: fresh.logFormat,
      progress: fresh.progress,
      quiet: fresh.quiet,
      profile: fresh.profile,
    } as ScanOptions;
    if (fresh.endpointUrl) options.endpointUrl = fresh.endpointUrl;
    collectors = selectCollectorsOrUsage(options.services);
    store.reopenScan(prev.id);
    scan = store.getScan(prev.id) as ScanRow;
  } else {
    const id = store.beginScan("scan", describeScope(options), options as unknown as JsonObject);
    scan = store.getScan(id) as ScanRow;
  }
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(130); // a second Ctrl-C: stop now; the scan row stays "running"
    process.stderr.write(`\ndpscan: ${sig}: stopping; finished units are kept, resume with --resume\n`);
    controller.abort(new Error(`received ${sig}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const mode = fresh.quiet
    ? "quiet"
    : process.stderr.isTTY && options.progress
      ? "tty"
      : options.logFormat === "json"
        ? "json"
        : "text";
  // Created here rather than in liveScan so the progress line can show live call counts.
  const factory = new ClientFactory({
    concurrency: options.concurrency,
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    rates: options.rates,
    signal: controller.signal,
  });
  const progress = new ScanProgress(mode, {
    apiCalls: () => factory.global.calls,
    throttles: () => factory.global.throttles,
  });
  progress.log("scan.start", { scan: scan.id, resume: Boolean(flags.resume), scope: scan.source });
  try {
    store.recordRules(scan.id, rules, options.params);
    const result = await liveScan({
      store,
      scanId: scan.id,
      options,
      collectors,
      signal: controller.signal,
      events: progress,
      factory,
    });
    progress.finish();
    const summary = evaluateStoredScan(store, scan.id, rules, { params: options.params });
    const coverage = store.coverage(scan.id);
    const gaps = coverage.filter(isCoverageGap);
    const synthetic = gapFindings(gaps, [...collectors, configSourceGapSource], rules);
    store.insertFindings(scan.id, synthetic);
    summary.byStatus.UNKNOWN += synthetic.length;
    const full = {
      ...summaryJson(summary),
      accounts: result.accountIds.length,
      accountsSkipped: result.accountsSkipped,
      apiCalls: result.apiCalls,
      throttles: result.throttles,
      retries: result.retries,
      coverage: {
        units: coverage.length,
        denied: gaps.filter((g) => g.status === "denied").length,
        failed: gaps.filter((g) => g.status === "failed").length,
        skipped: coverage.filter((c) => c.status === "skipped").length,
      },
    } as JsonObject;
    store.finishScan(scan.id, "complete", full);
    progress.log("scan.complete", { scan: scan.id, ...full });
    printSummary(store, scan.id, full, gaps, flags.format);
    return options.requireFullCoverage && gaps.length > 0 ? EXIT.incompleteCoverage : EXIT.ok;
  } catch (err) {
    progress.finish();
    if (controller.signal.aborted) {
      store.finishScan(
        scan.id,
        "interrupted",
        null,
        String((controller.signal.reason as Error | undefined)?.message ?? "interrupted"),
      );
      process.stderr.write(
        `dpscan: scan ${scan.id} interrupted; run "dpscan scan --resume" to continue it\n`,
      );
      return 130;
    }
    store.finishScan(scan.id, "failed", null, err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    factory.destroy();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function describeScope(o: ScanOptions): string {
  const who = o.org ? "org" : o.accounts ? `accounts ${o.accounts.join(",")}` : "caller account";
  const where = o.regions ? o.regions.join(",") : "enabled regions";
  return `${o.source === "config" ? `config aggregator ${o.aggregator ?? ""}` : "api"}: ${who}; ${where}`;
}

function printSummary(
  store: Store,
  scanId: number,
  summary: JsonObject,
  gaps: ReturnType<Store["coverage"]>,
  format: string,
): void {
  const findings = store.queryFindings(scanId);
  if (format === "json") {
    out(JSON.stringify({ scanId, summary, resources: store.countResources(scanId), gaps }, null, 2));
    return;
  }
  out(`Scan ${scanId} complete.`);
  out("");
  out(
    table(
      ["RESOURCE TYPE", "COUNT"],
      store.countResources(scanId).map((r) => [r.resourceType, String(r.count)]),
    ),
  );
  out("");
  out(summaryTable(findings));
  out("");
  const notPass = findings.filter((f) => f.status !== "PASS");
  out(findingsTable(notPass.slice(0, 60)));
  if (notPass.length > 60) out(`… ${notPass.length - 60} more: dpscan findings --scan ${scanId}`);
  out("");
  if (gaps.length > 0) {
    out(`Coverage gaps (${gaps.length}): these were not checked; their rules report UNKNOWN.`);
    out(
      table(
        ["ACCOUNT", "REGION", "SERVICE", "OPERATION", "STATUS", "ERROR"],
        gaps.map((g) => [
          g.accountId,
          g.region,
          g.service,
          g.operation,
          g.status,
          `${g.errorCode ?? ""} ${g.errorMessage ?? ""}`.trim(),
        ]),
        100,
      ),
    );
  } else {
    out("Coverage: complete (no denied or failed unit).");
  }
  const skipped = store.coverage(scanId).filter((c) => c.status === "skipped");
  if (skipped.length > 0) {
    const where = [...new Set(skipped.map((c) => c.region))].sort().join(", ");
    out(`Skipped: ${skipped.length} unit(s) in regions not enabled for the account (${where}).`);
  }
  const s = summary as { byStatus?: Record<string, number> };
  out(`${s.byStatus?.FAIL ?? 0} FAIL, ${s.byStatus?.UNKNOWN ?? 0} UNKNOWN, ${s.byStatus?.PASS ?? 0} PASS.`);
}
