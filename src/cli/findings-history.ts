// What `dpscan findings` shows from the lifecycle and the waivers: `--new` (findings this scan
// opened), `--since DATE` (first seen on or after DATE), each finding's age, WAIVED beside the
// status (`--waivers FILE` or the settings file's `waivers:`, else the scan's recorded waivers),
// and the exports for security tools (`--format ocsf`, `--format asff`).
import { WHOLE_SCOPE_ID, type FindingRow } from "../model/finding.js";
import type { WaiverSet } from "../model/waiver.js";
import { asffBatches, asffFinding } from "../report/asff.js";
import { historyContext, historyJson, historyOf, type HistoryContext } from "../report/finding-history.js";
import { findingJson, findingsCsv, findingsTable } from "../report/findings-view.js";
import { ocsfFinding } from "../report/ocsf.js";
import { ruleInfos } from "../report/rule-info.js";
import { waiversForOutput, type Waived } from "../report/waived.js";
import { loadRules } from "../rules/loader.js";
import { ensureLifecycle } from "../store/lifecycle.js";
import type { ScanRow, Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import { out } from "./context.js";
import { waiverFileFor } from "./waivers-file.js";

export const FINDINGS_FORMATS = ["table", "json", "csv", "ocsf", "asff"] as const;
export type FindingsFormat = (typeof FINDINGS_FORMATS)[number];

export interface HistoryFlags {
  new?: boolean;
  since?: string;
  waivers?: string;
}

/** `--since` as a time; a date alone is its start (UTC). */
export function parseSince(v: string): number {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t))
    throw new UsageError(`--since must be a date (YYYY-MM-DD) or an ISO 8601 time (got "${v}")`);
  return t;
}

/** Checks the history flags and reads the waivers file before any database is opened. */
export function checkHistoryFlags(flags: HistoryFlags): WaiverSet | undefined {
  if (flags.since !== undefined) parseSince(flags.since);
  return waiverFileFor(
    flags,
    loadRules().map((r) => r.id),
  );
}

/** The waivers and lifecycle of a scan, as outputs show them. */
export function historyFor(
  store: Store,
  scan: ScanRow,
  rows: readonly FindingRow[],
  file: WaiverSet | undefined,
): HistoryContext {
  ensureLifecycle(store);
  const now = new Date();
  const waived: Waived = waiversForOutput(store, scan.id, file, { now });
  return historyContext(store, scan.id, rows, waived, now);
}

/** Rows narrowed by `--new` and `--since`, then `--limit`. */
export function selectByHistory(
  rows: FindingRow[],
  ctx: HistoryContext,
  flags: HistoryFlags,
  limit: number | undefined,
): FindingRow[] {
  const since = flags.since === undefined ? undefined : parseSince(flags.since);
  const kept = rows.filter((f) => {
    const h = historyOf(f, ctx);
    if (flags.new && h.state !== "new" && h.state !== "reopened") return false;
    if (since !== undefined && (h.firstSeen === null || Date.parse(h.firstSeen) < since)) return false;
    return true;
  });
  return limit === undefined ? kept : kept.slice(0, limit);
}

function notes(ctx: HistoryContext): void {
  const { waived } = ctx;
  for (const o of waived.expired)
    process.stderr.write(
      `dpscan: waiver ${o.waiver.source} (${o.waiver.rule}) expired on ${o.waiver.expires}; it no longer applies\n`,
    );
  for (const o of waived.stale)
    process.stderr.write(
      `dpscan: waiver ${o.waiver.source} (${o.waiver.rule}) matched nothing in this scan (stale)\n`,
    );
}

export function printFindings(
  store: Store,
  scan: ScanRow,
  rows: FindingRow[],
  format: FindingsFormat,
  ctx: HistoryContext,
): void {
  notes(ctx);
  if (format === "json")
    out(
      JSON.stringify(
        rows.map((f) => ({ ...findingJson(f), ...historyJson(f, ctx) })),
        null,
        2,
      ),
    );
  else if (format === "csv") process.stdout.write(findingsCsv(rows, ctx));
  else if (format === "ocsf" || format === "asff") exportFindings(store, scan, rows, format, ctx);
  else {
    if (scan.status !== "complete") out(`Note: scan ${scan.id} is ${scan.status}; its findings are partial.`);
    out(
      `Scan ${scan.id} (${scan.kind}, ${scan.status}, started ${scan.startedAt}): ${rows.length} finding(s)`,
    );
    out(findingsTable(rows, ctx));
  }
}

function exportFindings(
  store: Store,
  scan: ScanRow,
  rows: FindingRow[],
  format: "ocsf" | "asff",
  ctx: HistoryContext,
): void {
  const rules = ruleInfos(store, scan.id, loadRules());
  if (format === "ocsf") {
    for (const f of rows) out(JSON.stringify(ocsfFinding(f, scan, rules.get(f.ruleId), ctx)));
    return;
  }
  // A gap behind an aggregator concerns no one account: Security Hub needs one.
  const accountless = rows.filter((f) => f.accountId === WHOLE_SCOPE_ID);
  if (accountless.length > 0)
    process.stderr.write(
      `dpscan: ${accountless.length} finding(s) concern every account behind an aggregator and have no account for ASFF; left out\n`,
    );
  const home = typeof scan.options.region === "string" ? scan.options.region : "us-east-1";
  const kept = rows.filter((f) => f.accountId !== WHOLE_SCOPE_ID);
  for (const batch of asffBatches(kept, (f) => asffFinding(f, scan, rules.get(f.ruleId), ctx, home), home))
    out(JSON.stringify(batch));
}
