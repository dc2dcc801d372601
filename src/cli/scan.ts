import type { Command } from "commander";
import { configuredRegion } from "../aws/profile.js";
import { regionProblem } from "../aws/regions.js";
import { withDbLock } from "../app/db-lock.js";
import { checkScanInputs, runScan } from "../app/scan.js";
import { COLLECTORS } from "../collect/registry.js";
import { scanSummaryText } from "../report/scan-summary.js";
import { PLAIN } from "../report/text.js";
import { loadRules } from "../rules/loader.js";
import { Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import { globals, hint, oneOf, stdoutStyle } from "./context.js";
import { completedScan, emitReport } from "./findings-output.js";
import { collect, OUTPUT_HELP, outputFiles, REPORT_FORMATS } from "./output.js";
import { ScanProgress } from "./progress.js";
import {
  addScanFlags,
  checkPartitions,
  resolveScanOptions,
  type ScanFlags,
  type ScanOptions,
} from "./scan-options.js";

/** Findings the summary lists; the rest are one `dpscan findings` away. */
const SHOWN = 60;

type Flags = ScanFlags & { resume?: boolean; format: string; output: string[] };

export function define(cmd: Command): void {
  addScanFlags(cmd, { services: `: ${COLLECTORS.map((c) => c.name).join(",")}` })
    .option("--resume", "continue the latest interrupted or failed scan, skipping finished units")
    .option("-f, --format <format>", `output: ${REPORT_FORMATS.join(", ")} (table: a summary)`, "table")
    .option("-o, --output <file>", OUTPUT_HELP, collect, [])
    .action(async (flags: Flags, c: Command) => {
      const format = oneOf("--format", flags.format, REPORT_FORMATS);
      const files = outputFiles(flags.output);
      const g = globals(c);
      const o = await scanOptions(flags, c);
      const rules = loadRules();
      checkScanInputs(o, rules);
      // One writer per database: a running `dpscan serve` or another scan on this file refuses us.
      await withDbLock(g.db, "dpscan scan", async () => {
        const store = new Store(g.db);
        try {
          const result = await runScan(o, {
            store,
            rules,
            resume: Boolean(flags.resume),
            events: (counters) => new ScanProgress(progressMode(o), counters),
            notice: (line) => process.stderr.write(`dpscan: ${line}\n`),
            resumeHint: hint(c, "scan --resume"),
          });
          const scan = completedScan(store, result);
          if (!scan) return;
          await emitReport(
            format,
            {
              store,
              scan,
              database: g.db,
              filter: {},
              table: (plain) =>
                scanSummaryText(store, scan, {
                  style: plain ? PLAIN : stdoutStyle(c),
                  database: g.db,
                  hint: (args) => hint(c, args),
                  limit: SHOWN,
                }),
            },
            files,
          );
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
async function scanOptions(flags: Flags, c: Command): Promise<ScanOptions> {
  const g = globals(c);
  const { options, sources } = resolveScanOptions({ ...flags, config: g.config }, process.env, g.settings);
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
  return options;
}

function progressMode(o: ScanOptions): "quiet" | "tty" | "json" | "text" {
  if (o.quiet) return "quiet";
  if (process.stderr.isTTY && o.progress) return "tty";
  return o.logFormat === "json" ? "json" : "text";
}
