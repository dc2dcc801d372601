// What a schedule does after its scan: write the scan's reports to a folder, prune old scans, and
// (every scan) notify the webhooks. Each step is logged; none can fail the scan, which is stored
// and complete before any of them runs.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScanResult } from "../app/scan.js";
import { findingJson, findingsCsv } from "../report/findings-view.js";
import { buildReport, EXTENSIONS, reportChunks, WHOLE_SCAN } from "../report/index.js";
import { scanSummaryJson } from "../report/scan-summary.js";
import type { Store } from "../store/store.js";
import { scanChange } from "./changes.js";
import type { Schedule, WebhookConfig } from "./config.js";
import type { ReportSource } from "./context.js";
import type { Log } from "./scheduler.js";
import { notifyAll, type DeliveryOptions } from "./webhook.js";

export interface AfterDeps {
  store: Store;
  /** Frameworks whose HTML and JSON reports join the findings in `reportsDir`. */
  reports?: ReportSource;
  webhooks: readonly WebhookConfig[];
  log: Log;
  delivery?: Omit<DeliveryOptions, "log">;
}

export async function afterScan(deps: AfterDeps, s: Schedule | undefined, result: ScanResult): Promise<void> {
  if (result.status !== "complete") return;
  const { store, log } = deps;
  const step = (name: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log("after.failed", { scan: result.scanId, step: name, error: (err as Error).message });
    }
  };
  if (s?.after.reportsDir) {
    const dir = s.after.reportsDir;
    step("reports", () => {
      const written = writeReports(store, result, dir, deps.reports);
      log("after.reports", { scan: result.scanId, dir: written });
    });
  }
  if (deps.webhooks.length > 0) {
    let change: ReturnType<typeof scanChange> | undefined;
    step("compare", () => (change = scanChange(store, result.scanId)));
    if (change) await notifyAll(deps.webhooks, change, { ...deps.delivery, log });
  }
  // Last: pruning must not remove the scan the webhooks compared with before they read it.
  if (s?.after.keepScans) {
    const keep = s.after.keepScans;
    step("prune", () => {
      const pruned = store.pruneScans(keep);
      if (pruned.length > 0) log("after.prune", { scan: result.scanId, deleted: pruned });
    });
  }
}

/**
 * `<dir>/scan-<id>/`: findings.csv, findings.json (every status), summary.json and each
 * framework's HTML and JSON report, each written whole.
 */
function writeReports(
  store: Store,
  result: Extract<ScanResult, { status: "complete" }>,
  dir: string,
  reports: ReportSource | undefined,
): string {
  const out = join(dir, `scan-${result.scanId}`);
  mkdirSync(out, { recursive: true });
  const rows = store.queryFindings(result.scanId, { statuses: ["FAIL", "UNKNOWN", "PASS"] });
  const files: [string, string][] = [
    ["findings.csv", findingsCsv(rows)],
    ["findings.json", `${JSON.stringify(rows.map(findingJson), null, 2)}\n`],
    ["summary.json", `${scanSummaryJson(store, result.scanId, result.summary, result.gaps)}\n`],
  ];
  for (const fw of reports?.frameworks ?? []) {
    const model = buildReport(store, result.scanId, fw, reports?.scopeFor(fw.id) ?? WHOLE_SCAN);
    for (const format of ["html", "json"] as const)
      files.push([`${fw.id}.${EXTENSIONS[format]}`, [...reportChunks(model, format)].join("")]);
  }
  for (const [name, text] of files) {
    // A reader never sees half a file: write beside it, then rename.
    const tmp = join(out, `.${name}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(out, name));
  }
  return out;
}
