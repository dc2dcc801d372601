// `dpscan gate`: fail a pipeline only when posture gets worse. Reads a stored scan (`--scan ID`,
// default the latest complete) or runs one (`--scan` alone, with every `dpscan scan` option), then
// decides (src/report/gate.ts) and writes what CI systems read: SARIF, JUnit XML, a Markdown
// summary, and GitHub Actions annotations when GITHUB_ACTIONS=true. Exit codes: README "Exit codes".
import { existsSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import { runGate, recordGate, type BaselineChoice } from "../app/gate.js";
import { checkScanInputs, runScan } from "../app/scan.js";
import { COLLECTORS } from "../collect/registry.js";
import { isSeverity, SEVERITIES, type Severity } from "../model/severity.js";
import type { WaiverSet } from "../model/waiver.js";
import { gateAnnotations } from "../report/annotations.js";
import type { GateDecision } from "../report/gate.js";
import { loadBaselineFile } from "../report/baseline.js";
import { gateJson, gateMarkdown, gateText } from "../report/gate-summary.js";
import { GateSpool } from "../report/gate-spool.js";
import { gateJunit } from "../report/junit.js";
import { ruleInfos, type RuleInfo } from "../report/rule-info.js";
import { gateSarif, sarifRuleIndex } from "../report/sarif.js";
import { loadRules } from "../rules/loader.js";
import type { Rule } from "../rules/rule.js";
import { Store } from "../store/store.js";
import { EXIT, UsageError } from "../util/errors.js";
import { globals, hint, oneOf, out } from "./context.js";
import { partialPath, stdout, writeChunks, writeFileChunks } from "./output.js";
import { ScanProgress } from "./progress.js";
import { progressMode, scanOptions } from "./scan.js";
import { addScanFlags, type ScanFlags, type ScanOptions } from "./scan-options.js";
import { selectScan } from "./scan-select.js";
import { WAIVERS_HELP, waiverFileFor } from "./waivers-file.js";

interface GateFlags extends ScanFlags {
  scan?: string | boolean;
  failOn: string;
  newOnly?: boolean;
  baseline?: string;
  maxUnknown: string;
  waivers?: string;
  sarif?: string;
  junit?: string;
  summary?: string;
  format: string;
}

interface Checked {
  failOn: Severity;
  maxUnknown: number;
  baseline?: BaselineChoice;
  waivers?: WaiverSet;
  rules: Rule[];
}

/** Every flag and input file checked before any database is opened or any scan starts. */
function checkFlags(f: GateFlags, cmd: Command): Checked {
  if (!isSeverity(f.failOn))
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(", ")} (got "${f.failOn}")`);
  if (!/^\d+$/.test(f.maxUnknown))
    throw new UsageError(`--max-unknown must be a whole number (got "${f.maxUnknown}")`);
  if (f.baseline !== undefined && !f.newOnly) throw new UsageError("--baseline needs --new-only");
  for (const [flag, file] of [
    ["--sarif", f.sarif],
    ["--junit", f.junit],
    ["--summary", f.summary],
  ] as const) {
    if (file === undefined) continue;
    const dir = dirname(file);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new UsageError(`${flag}: no directory ${dir} for ${file}`);
  }
  const rules = loadRules();
  const waivers = waiverFileFor(
    globals(cmd).settings,
    f.waivers,
    rules.map((r) => r.id),
  );
  return {
    failOn: f.failOn,
    maxUnknown: Number(f.maxUnknown),
    ...(f.newOnly ? { baseline: baselineChoice(f.baseline ?? "latest-passing") } : {}),
    ...(waivers ? { waivers } : {}),
    rules,
  };
}

function baselineChoice(v: string): BaselineChoice {
  if (/^\d+$/.test(v)) return { scanId: Number(v) };
  if (v === "latest-passing") return { latestPassing: true };
  if (!existsSync(v))
    throw new UsageError(`--baseline: "${v}" is not a scan id, latest-passing, or an existing file`);
  return { file: loadBaselineFile(v) };
}

/** `--scan` alone: run a scan with the `dpscan scan` options. */
async function scanFirst(
  store: Store,
  options: ScanOptions,
  rules: Rule[],
  waivers: WaiverSet | undefined,
  cmd: Command,
): Promise<{ scanId: number } | { interrupted: true }> {
  const mode = progressMode(options);
  const result = await runScan(options, {
    store,
    rules,
    events: (counters) => new ScanProgress(mode, counters),
    notice: (line) => process.stderr.write(`dpscan: ${line}\n`),
    resumeHint: hint(cmd, "scan --resume"),
    ...(waivers ? { waivers } : {}),
  });
  return result.status === "complete" ? { scanId: result.scanId } : { interrupted: true };
}

/** Scan options given on the command line without `--scan` would be silently ignored: refuse them. */
function refuseStrayScanFlags(cmd: Command, scanFlags: readonly string[]): void {
  const given = scanFlags.filter((attr) => cmd.getOptionValueSource(attr) === "cli");
  if (given.length > 0)
    throw new UsageError(
      `scan options (${given.join(", ")}) need --scan alone, which runs a scan before gating it`,
    );
}

/** The gate's own options (the scan options follow, for --scan alone). */
function gateOptions(cmd: Command): Command {
  return cmd
    .option(
      "--scan [id]",
      "gate scan ID (default: the latest complete); --scan alone runs a scan first, with the scan options below",
    )
    .option("--fail-on <severity>", `fail on FAIL results at or above: ${SEVERITIES.join(", ")}`, "high")
    .option("--new-only", "count only results new since the baseline")
    .option(
      "--baseline <scan|latest-passing|file>",
      "baseline for --new-only: a scan id, latest-passing (default), or a file from dpscan baseline export",
    )
    .option("--max-unknown <n>", "fail when more UNKNOWN results at or above --fail-on", "0")
    .option("--waivers <file>", WAIVERS_HELP)
    .option("--sarif <file>", "write SARIF 2.1.0")
    .option("--junit <file>", "write JUnit XML (one test case per rule and resource)")
    .option("--summary <file>", "write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)")
    .option("-f, --format <format>", "stdout: table or json", "table");
}

export function define(cmd: Command): void {
  const command = gateOptions(cmd);
  const before = new Set(command.options.map((o) => o.attributeName()));
  addScanFlags(command, { services: `: ${COLLECTORS.map((c) => c.name).join(",")}` });
  const scanFlags = command.options
    .map((o) => o.attributeName())
    .filter((a) => !before.has(a) && a !== "requireFullCoverage");
  command.action(async (flags: GateFlags, cmd: Command) => {
    const format = oneOf("--format", flags.format, ["table", "json"] as const);
    const runs = flags.scan === true;
    if (!runs) refuseStrayScanFlags(cmd, scanFlags);
    const checked = checkFlags(flags, cmd);
    const options = runs ? (await scanOptions(flags, globals(cmd).settings)).options : undefined;
    if (options) checkScanInputs(options, checked.rules);
    const store = new Store(globals(cmd).db);
    try {
      let scanId = typeof flags.scan === "string" ? flags.scan : undefined;
      if (options) {
        const ran = await scanFirst(store, options, checked.rules, checked.waivers, cmd);
        if ("interrupted" in ran) {
          process.exitCode = EXIT.interrupted;
          return;
        }
        scanId = String(ran.scanId);
      }
      const scan = selectScan(store, scanId, cmd, { complete: "a gate judges" });
      const requireFullCoverage = options ? options.requireFullCoverage : Boolean(flags.requireFullCoverage);
      const infos = flags.sarif ? ruleInfos(store, scan.id, checked.rules) : undefined;
      const spool = gateSpool(flags, infos);
      const unhook = spool && removeOnSignal(spool, flags);
      try {
        const decision = runGate(store, scan, {
          criteria: { failOn: checked.failOn, maxUnknown: checked.maxUnknown, requireFullCoverage },
          ...(checked.baseline ? { baseline: checked.baseline } : {}),
          ...(checked.waivers ? { waivers: checked.waivers } : {}),
          now: new Date(),
          ...(spool ? { onItem: (i, criteria) => spool.add(i, criteria) } : {}),
        });
        await writeOutputs(store, flags, decision, infos, spool);
        if (format === "json") await writeChunks(stdout(), gateJson(decision));
        else out(gateText(decision));
        recordGate(store, decision);
        process.exitCode = decision.exitCode;
      } finally {
        unhook?.();
        spool?.remove();
      }
    } finally {
      store.close();
    }
  });
}

/**
 * Where SARIF and JUnit keep what they say of each result while the decision reads them, beside
 * their files (none when neither is asked for).
 */
function gateSpool(flags: GateFlags, infos: Map<string, RuleInfo> | undefined): GateSpool | undefined {
  if (flags.sarif === undefined && flags.junit === undefined) return undefined;
  return new GateSpool({
    ...(flags.sarif !== undefined && infos
      ? { sarif: { file: flags.sarif, ruleIndex: sarifRuleIndex(infos) } }
      : {}),
    ...(flags.junit !== undefined ? { junit: flags.junit } : {}),
  });
}

/**
 * A SIGINT or SIGTERM while the gate reads and writes removes the spools and the partial output
 * files (a large scan's are gigabytes) and exits 130. Returns the undo.
 */
function removeOnSignal(spool: GateSpool, flags: GateFlags): () => void {
  const onSignal = (sig: NodeJS.Signals): void => {
    spool.remove();
    for (const f of [flags.sarif, flags.junit, flags.summary])
      if (f !== undefined) rmSync(partialPath(f), { force: true });
    process.stderr.write(`dpscan: gate: received ${sig}: stopped; no output file was left half-written\n`);
    process.exit(EXIT.interrupted);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}

async function writeOutputs(
  store: Store,
  flags: GateFlags,
  decision: GateDecision,
  infos: Map<string, RuleInfo> | undefined,
  spool: GateSpool | undefined,
): Promise<void> {
  const scanId = decision.scan.id;
  if (flags.sarif && infos)
    await writeFileChunks(flags.sarif, gateSarif(decision, infos, spool?.sarifResults()), "--sarif");
  if (flags.junit)
    await writeFileChunks(
      flags.junit,
      gateJunit(
        decision,
        store.findingCountsByRule(scanId, "PASS"),
        spool && ((rule) => spool.junitCases(rule, decision.unknownsBlock)),
      ),
      "--junit",
    );
  if (flags.summary) await writeFileChunks(flags.summary, [gateMarkdown(decision)], "--summary");
  if (process.env.GITHUB_ACTIONS === "true") for (const line of gateAnnotations(decision)) out(line);
}
