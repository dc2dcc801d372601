import type { Command } from "commander";
import { fromStatic } from "../aws/credentials.js";
import { runScan } from "../app/scan.js";
import { scanSummaryText } from "../report/scan-summary.js";
import { loadFrameworks, WHOLE_SCAN } from "../report/index.js";
import { loadRules } from "../rules/loader.js";
import { allServices, demoScanTarget, loadDemoWorld, startSimulator } from "../sim/index.js";
import { Store, type ScanRow } from "../store/store.js";
import { acquireDbLock } from "../app/db-lock.js";
import type { ScanOptions } from "../model/scan-options.js";
import { TokenSet } from "../serve/auth.js";
import { SERVE_DEFAULTS, type ServiceSettings } from "../serve/config.js";
import { startService } from "../serve/service.js";
import { UsageError } from "../util/errors.js";
import { globals, out } from "./context.js";
import { DEFAULT_REPORTS_DIR, writeReports } from "./report.js";
import { resolveScanOptions } from "./scan-options.js";

/** The demo organisation's management region (its aggregator's and STS's). */
const DEMO_HOME_REGION = "us-east-1";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "Start the simulator's demo organisation, scan it with --org and show the findings (no AWS needed)",
    )
    .option(
      "-o, --out <dir>",
      "directory the demo's HTML compliance reports are written to",
      DEFAULT_REPORTS_DIR,
    )
    .option("--serve", "then serve the dashboard and API on 127.0.0.1 (Ctrl-C stops)")
    .option("--port <n>", "with --serve: port (default: any free port)", "0")
    .action(async (opts: { out: string; serve?: boolean; port: string }, cmd: Command) => {
      const db = globals(cmd).db;
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port must be 0-65535");
      const world = loadDemoWorld();
      // The role, ExternalId and regions are the demo world's own: read, never restated here.
      const target = demoScanTarget(world);
      const rules = loadRules();
      const frameworks = loadFrameworks(rules);
      const sim = await startSimulator({ world, services: allServices() });
      const store = new Store(db);
      try {
        out(
          `Simulated organisation: ${world.accounts.size} accounts, served at ${sim.endpoint}; database ${db}\n`,
        );
        // The same scan as `dpscan scan --org` with these flags, with the simulator's credentials
        // handed over directly: nothing of the user's environment is read or changed.
        const { options } = resolveScanOptions(
          {
            config: false,
            org: true,
            roleName: target.roleName,
            ...(target.externalId ? { externalId: target.externalId } : {}),
            endpointUrl: sim.endpoint,
            regions: target.regions.join(","),
            quiet: true,
          },
          { AWS_REGION: DEMO_HOME_REGION },
        );
        const lock = acquireDbLock(db, "dpscan demo");
        let result;
        try {
          result = await runScan(options, {
            store,
            rules,
            credentials: fromStatic(sim.credentials),
            notice: (line) => process.stderr.write(`dpscan: ${line}\n`),
          });
        } finally {
          lock.release();
        }
        process.exitCode = result.exitCode;
        if (result.status !== "complete") return;
        out(scanSummaryText(store, result.scanId, result.summary, result.gaps));
        const written = await writeReports({
          store,
          scan: store.getScan(result.scanId) as ScanRow,
          frameworks,
          formats: ["html"],
          dir: opts.out,
          scopeFor: () => WHOLE_SCAN,
        });
        out(
          `\nCompliance reports (open them in a browser):\n${written.map((w) => `  ${w.line}`).join("\n")}`,
        );
        out(
          [
            "\nNext:",
            `  dpscan --db ${db} findings --severity high`,
            `  dpscan --db ${db} report --framework pci-dss-4.0 --scope-tag data-classification=cardholder --format html,pdf`,
          ].join("\n"),
        );
        if (!opts.serve) return;
        store.close();
        // The demo scan once more on request (POST /api/scans {"schedule":"demo"}); no cron.
        const service = await startService({
          dbPath: db,
          settings: demoServeSettings(options, port),
          rules,
          tokens: TokenSet.empty(),
          reports: { frameworks, scopeFor: () => WHOLE_SCAN },
          credentials: fromStatic(sim.credentials),
          handleSignals: true,
        });
        out(
          `\nDashboard: ${service.url}/   (API: ${service.url}/api/scans · metrics: ${service.url}/metrics; Ctrl-C stops)`,
        );
        await service.closed;
      } finally {
        if (store.db.open) store.close();
        await sim.close();
      }
    });
}

/** Loopback only, no tokens, one on-request schedule repeating the demo scan. */
function demoServeSettings(options: ScanOptions, port: number): ServiceSettings {
  return {
    host: SERVE_DEFAULTS.host,
    port,
    ratePerMinute: SERVE_DEFAULTS.ratePerMinute,
    trendScans: SERVE_DEFAULTS.trendScans,
    schedules: [{ name: "demo", jitterSeconds: 0, options, after: {} }],
    webhooks: [],
  };
}
