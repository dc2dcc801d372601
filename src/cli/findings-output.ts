// A stored scan's findings in each report format, as the commands that print them share it: the
// finding document (JSON), its CSV, or the command's own table, to stdout and to --output files.
// Every format shows the finding's lifecycle and, when a waiver covers it, WAIVED with the waiver.
import type { WaiverSet } from "../model/waiver.js";
import { findingsCsv, findingsJson, scanHead, type TableContext } from "../report/findings-view.js";
import { duplicatesWarning, scanSummaryText, type SummaryOptions } from "../report/scan-summary.js";
import { PLAIN, type TextStyle } from "../report/text.js";
import { waiversForOutput, type Waived } from "../report/waived.js";
import { ensureLifecycle } from "../store/lifecycle.js";
import type { FindingFilter, ScanRow, Store } from "../store/store.js";
import { stdout, writeChunks, writeFileChunks, type OutputFile, type ReportFormat } from "./output.js";

export interface FindingsReport {
  store: Store;
  scan: ScanRow;
  database: string;
  /** Which findings (a `findings` command's filters); {} for all. */
  filter: FindingFilter;
  /** The waivers that apply to this output (findingsContext). */
  waived: Waived;
  /** The command's table format (its own layout); `plain` for a file, without colour or clipping. */
  table(plain: boolean): Iterable<string>;
}

export function reportChunks(format: ReportFormat, r: FindingsReport, plain: boolean): Iterable<string> {
  if (format === "table") return r.table(plain);
  const rows = r.store.iterateFindingDocs(r.scan.id, r.filter);
  if (format === "csv") return findingsCsv(r.scan, rows, r.waived);
  return findingsJson(
    { database: r.database, scan: scanHead(r.store, r.scan), selection: r.filter },
    rows,
    r.waived,
  );
}

/** Print the report on stdout in `format`, then write each --output file in its own format. */
export async function emitReport(
  format: ReportFormat,
  r: FindingsReport,
  files: readonly OutputFile[],
): Promise<void> {
  await writeChunks(stdout(), reportChunks(format, r, false));
  for (const f of files) {
    await writeFileChunks(f.file, reportChunks(f.format, r, true));
    process.stderr.write(`dpscan: wrote ${f.file} (${f.format})\n`);
  }
}

/** Findings a command's summary table lists after a scan (the rest are one `findings` away). */
export const SHOWN = 60;

/**
 * What scan, evaluate and merge print when they complete a scan: the summary table (or the
 * finding document, or CSV) on stdout, and each --output file.
 */
export async function emitScanResult(
  store: Store,
  scan: ScanRow,
  o: {
    format: ReportFormat;
    files: readonly OutputFile[];
    database: string;
    /** The waivers file that applies (`--waivers` or the settings file), if any. */
    waivers: WaiverSet | undefined;
    /** The terminal's style (stdoutStyle); files get PLAIN. */
    style: TextStyle;
    summary: Pick<SummaryOptions, "hint" | "limit" | "includePass" | "preamble">;
  },
): Promise<void> {
  const context = findingsContext(store, scan, o.waivers);
  await emitReport(
    o.format,
    {
      store,
      scan,
      database: o.database,
      filter: {},
      waived: context.waived,
      table: (plain) =>
        scanSummaryText(store, scan, {
          ...o.summary,
          style: plain ? PLAIN : o.style,
          findings: context.table,
          database: o.database,
        }),
    },
    o.files,
  );
}

/**
 * What a scan's finding outputs need besides the findings: the lifecycle taken up to date (scans
 * an older dpscan completed are taken in now) and the waivers that apply — `file` (`--waivers` or
 * the settings file) as of `now`, else the scan's recorded ones. Expired and stale waivers are
 * said on stderr: they need a person's attention.
 */
export function findingsContext(
  store: Store,
  scan: ScanRow,
  file: WaiverSet | undefined,
  now = new Date(),
): { waived: Waived; table: TableContext } {
  ensureLifecycle(store);
  const waived = waiversForOutput(store, scan.id, file, { now });
  for (const o of waived.expired)
    process.stderr.write(
      `dpscan: waiver ${o.waiver.source} (${o.waiver.rule}) expired on ${o.waiver.expires}; it no longer applies\n`,
    );
  for (const o of waived.stale)
    process.stderr.write(
      `dpscan: waiver ${o.waiver.source} (${o.waiver.rule}) matched nothing in scan ${scan.id} (stale)\n`,
    );
  return { waived, table: { waived, now } };
}

/**
 * The scan a run completed, with the process's exit code set from the run and a warning on stderr
 * when resources arrived more than once; undefined when the run did not complete.
 */
export function completedScan(
  store: Store,
  outcome: { status: string; scanId: number; exitCode: number },
): ScanRow | undefined {
  process.exitCode = outcome.exitCode;
  if (outcome.status !== "complete") return undefined;
  const scan = store.getScan(outcome.scanId);
  if (!scan) throw new Error(`scan ${outcome.scanId} vanished`);
  const warning = duplicatesWarning(store.duplicateResources(scan.id));
  if (warning) process.stderr.write(`dpscan: ${warning}\n`);
  return scan;
}
