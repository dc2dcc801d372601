import type { Command } from "commander";
import { withDbLock } from "../app/db-lock.js";
import { configuredRegion } from "../aws/profile.js";
import { regionProblem } from "../aws/regions.js";
import { checkScanInputs, runScan } from "../app/scan.js";
import { COLLECTORS } from "../collect/registry.js";
import { loadRules } from "../rules/loader.js";
import type { Rule } from "../rules/rule.js";
import { selectRules } from "../rules/select.js";
import type { ScanOptionKey } from "../model/scan-options.js";
import { Store } from "../store/store.js";
import { collectProblems, InputError, UsageError } from "../util/errors.js";
import { globals, hint, oneOf, parseList, stdoutStyle } from "./context.js";
import { completedScan, emitScanResult, SHOWN } from "./findings-output.js";
import { collect, OUTPUT_HELP, outputFiles, REPORT_FORMATS } from "./output.js";
import { ScanProgress } from "./progress.js";
import {
  addScanFlags,
  checkPartitions,
  resolveScanOptions,
  type ScanFlags,
  type ScanOptions,
  type Settings,
} from "./scan-options.js";
import { waiverFileFor } from "./waivers-file.js";

/** Findings the summary lists; the rest are one `dpscan findings` away. */

type Flags = ScanFlags & { resume?: boolean; format: string; output: string[] };

export function define(cmd: Command): void {
  addScanFlags(cmd, { services: `: ${COLLECTORS.map((c) => c.name).join(",")}` })
    .option("--resume", "continue the latest interrupted or failed scan, skipping finished units")
    .option("-f, --format <format>", `output: ${REPORT_FORMATS.join(", ")} (table: a summary)`, "table")
    .option("-o, --output <file>", OUTPUT_HELP, collect, [])
    .action(async (flags: Flags, c: Command) => {
      const { format, files, options: o, given, rules } = await checkInputs(flags, c);
      const g = globals(c);
      const waivers = waiverFileFor(
        g.settings,
        undefined,
        rules.map((r) => r.id),
      );
      // One writer per database: a running `dpscan serve` or another scan on this file refuses us.
      await withDbLock(g.db, "dpscan scan", async () => {
        const store = new Store(g.db);
        try {
          const result = await runScan(o, {
            store,
            rules,
            resume: Boolean(flags.resume),
            given,
            events: (counters) => new ScanProgress(progressMode(o), counters),
            notice: (line) => process.stderr.write(`dpscan: ${line}\n`),
            resumeHint: hint(c, "scan --resume"),
            ...(waivers ? { waivers } : {}),
          });
          const scan = completedScan(store, result);
          if (!scan) return;
          await emitScanResult(store, scan, {
            format,
            files,
            database: g.db,
            waivers,
            style: stdoutStyle(c),
            summary: { hint: (args) => hint(c, args), limit: SHOWN },
          });
        } finally {
          store.close();
        }
      });
    });
}

/**
 * The scan's options: settings file, then flags. `--profile NAME` means what AWS_PROFILE=NAME
 * means (credentials, region, endpoint_url, ...): it is set for the SDK before any client exists.
 * Without --region, AWS_REGION or a settings value, the home region is the profile's, as in the
 * AWS CLI.
 */
export async function scanOptions(
  flags: ScanFlags,
  settings: Settings,
): Promise<{ options: ScanOptions; given: ReadonlySet<ScanOptionKey> }> {
  const { options, sources, given } = resolveScanOptions(flags, process.env, settings);
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  if (sources.region === "default") {
    const fromProfile = await configuredRegion();
    if (fromProfile) {
      const problem = regionProblem(fromProfile);
      const profile = process.env.AWS_PROFILE ?? "default";
      if (problem) throw new UsageError(`profile ${profile} (region): ${problem}`);
      options.region = fromProfile;
    }
    checkPartitions(options);
  }
  return { options, given };
}

/** How a scan shows its progress on stderr: a redrawn line on a terminal, else log lines. */
export function progressMode(o: ScanOptions): "quiet" | "tty" | "json" | "text" {
  if (o.quiet) return "quiet";
  if (process.stderr.isTTY && o.progress) return "tty";
  return o.logFormat === "json" ? "json" : "text";
}

/** Flags, settings file, rules and rule selection, all checked before the database is opened, every problem at once. */
async function checkInputs(
  flags: Flags,
  c: Command,
): Promise<{
  format: (typeof REPORT_FORMATS)[number];
  files: ReturnType<typeof outputFiles>;
  options: ScanOptions;
  given: ReadonlySet<ScanOptionKey>;
  rules: Rule[];
}> {
  const problems: string[] = [];
  const format = collectProblems(problems, () => oneOf("--format", flags.format, REPORT_FORMATS));
  const files = collectProblems(problems, () => outputFiles(flags.output));
  // A broken settings file is reported with the flags' problems, checked as if it were empty.
  const settings = collectProblems(problems, () => globals(c).settings) ?? { data: {} };
  let resolved: Awaited<ReturnType<typeof scanOptions>> | undefined;
  try {
    resolved = await scanOptions(flags, settings);
  } catch (err) {
    collectProblems(problems, () => {
      throw err;
    });
  }
  const dir = resolved ? resolved.options.rules : typeof flags.rules === "string" ? flags.rules : undefined;
  const loaded = collectProblems(problems, () => loadRules(dir));
  // Even when the settings file is broken, the selection flags can be checked against the rules.
  const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  const selection = resolved
    ? { only: resolved.options.rule, exclude: resolved.options.excludeRule }
    : { only: parseList(str(flags.rule)), exclude: parseList(str(flags.excludeRule)) };
  const rules = loaded ? collectProblems(problems, () => selectRules(loaded, selection)) : undefined;
  // Parameters may name any loaded rule, selected or not.
  if (loaded && resolved) {
    const options = resolved.options;
    collectProblems(problems, () => checkScanInputs(options, loaded));
  }
  if (problems.length > 0 || !format || !files || !resolved || !rules) throw new InputError(problems);
  return { format, files, options: resolved.options, given: resolved.given, rules };
}
