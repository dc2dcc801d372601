// What a schedule does after its scan: write the scan's reports to a folder, prune old scans, and
// (every scan) notify the webhooks. Each step is logged; none can fail the scan, which is stored
// and complete before any of them runs.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ScanResult } from "../app/scan.js";
import { findingsCsv, findingsJson, scanHead } from "../report/findings-view.js";
import { writeReports } from "../report/index.js";
import { waiversForOutput } from "../report/waived.js";
import { pruneCandidates, pruneScans } from "../store/prune.js";
import type { ScanRow, Store } from "../store/store.js";
import { writeFileAtomically } from "../util/atomic-file.js";
import { scanChange } from "./changes.js";
import type { Schedule, WebhookConfig } from "./config.js";
import type { ReportSource } from "./context.js";
import type { Log } from "./scheduler.js";
import { notifyAll, type DeliveryOptions } from "./webhook.js";

export interface AfterDeps {
  store: Store;
  /** The database's path, as the finding document names it. */
  database: string;
  /** Frameworks whose HTML and JSON reports join the findings in `reportsDir`. */
  reports?: ReportSource;
  webhooks: readonly WebhookConfig[];
  log: Log;
  delivery?: Omit<DeliveryOptions, "log">;
}

export async function afterScan(deps: AfterDeps, s: Schedule | undefined, result: ScanResult): Promise<void> {
  if (result.status !== "complete") return;
  const { store, log } = deps;
  const step = async (name: string, fn: () => Promise<void> | void): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      log("after.failed", { scan: result.scanId, step: name, error: (err as Error).message });
    }
  };
  const scan = store.getScan(result.scanId);
  if (!scan) return;
  if (s?.after.reportsDir) {
    const dir = s.after.reportsDir;
    await step("reports", async () => {
      const written = await writeScanFiles(deps, scan, dir);
      log("after.reports", { scan: result.scanId, dir: written });
    });
  }
  if (deps.webhooks.length > 0) {
    let change: ReturnType<typeof scanChange> | undefined;
    await step("compare", () => void (change = scanChange(store, result.scanId)));
    if (change) await notifyAll(deps.webhooks, change, { ...deps.delivery, log });
  }
  // Last: pruning must not remove the scan the webhooks compared with before they read it.
  if (s?.after.keepScans) {
    const keep = s.after.keepScans;
    await step("prune", () => {
      // As `dpscan prune --keep` does (open findings keep their history), without the VACUUM.
      const ids = pruneCandidates(store, { keep, now: new Date() });
      if (ids.length === 0) return;
      const r = pruneScans(store, ids, { vacuum: false });
      log("after.prune", {
        scan: result.scanId,
        pruned: r.scans,
        resources: r.resources,
        findings: r.findings,
      });
    });
  }
}

/**
 * `<dir>/scan-<id>/`: the finding document (findings.json: every status, with the scan's summary,
 * resources and coverage gaps, as `dpscan findings --format json` prints it), its CSV, and each
 * framework's HTML and JSON report, each written whole.
 */
async function writeScanFiles(deps: AfterDeps, scan: ScanRow, dir: string): Promise<string> {
  const { store } = deps;
  const out = join(dir, `scan-${scan.id}`);
  mkdirSync(out, { recursive: true });
  const head = { database: deps.database, scan: scanHead(store, scan), selection: {} };
  // The waivers recorded with the scan (the settings' waivers file, applied when it completed).
  const waived = waiversForOutput(store, scan.id, undefined, { now: new Date() });
  writeFileAtomically(
    join(out, "findings.json"),
    findingsJson(head, store.iterateFindingDocs(scan.id), waived),
  );
  writeFileAtomically(
    join(out, "findings.csv"),
    findingsCsv(scan, store.iterateFindingDocs(scan.id), waived),
  );
  if (deps.reports)
    await writeReports({
      store,
      scan,
      frameworks: deps.reports.frameworks,
      formats: ["html", "json"],
      dir: out,
      scopeFor: deps.reports.scopeFor,
      waived,
    });
  return out;
}
