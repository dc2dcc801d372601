import type { Command } from "commander";
import { fromStatic } from "../aws/credentials.js";
import { runScan } from "../app/scan.js";
import { scanSummaryText } from "../report/scan-summary.js";
import { loadFrameworks, WHOLE_SCAN, writeReports } from "../report/index.js";
import { loadRules } from "../rules/loader.js";
import { allServices, demoScanTarget, loadDemoWorld, startSimulator } from "../sim/index.js";
import { Store } from "../store/store.js";
import { withDbLock } from "../app/db-lock.js";
import type { ScanOptions } from "../model/scan-options.js";
import { TokenSet } from "../serve/auth.js";
import { SERVE_DEFAULTS, type ServiceSettings } from "../serve/config.js";
import { startService } from "../serve/service.js";
import { UsageError } from "../util/errors.js";
import { globals, hint, out, stdoutStyle } from "./context.js";
import { DEFAULT_REPORTS_DIR } from "./report.js";
import { completedScan, findingsContext, SHOWN } from "./findings-output.js";
import { stdout, writeChunks } from "./output.js";
import { resolveScanOptions } from "./scan-options.js";

/** The demo organisation's management region (its aggregator's and STS's). */
const DEMO_HOME_REGION = "us-east-1";

/** Findings the summary lists, as `dpscan scan` does. */

export function define(cmd: Command): void {
  cmd
    .option(
      "-o, --out <dir>",
      "directory the demo's HTML compliance reports are written to",
      DEFAULT_REPORTS_DIR,
    )
    .option("--serve", "then serve the dashboard and API on 127.0.0.1 (Ctrl-C stops)")
    .option("--port <n>", "with --serve: port (default: any free port)", "0");
  cmd.action(async (opts: { out: string; serve?: boolean; port: string }, c: Command) => {
    // The settings file's db applies (as to every command); its scan options do not: the demo
    // scans the demo world with the demo's own flags.
    const db = globals(c).db;
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
      const result = await withDbLock(db, "dpscan demo", () =>
        runScan(options, {
          store,
          rules,
          credentials: fromStatic(sim.credentials),
          notice: (line) => process.stderr.write(`dpscan: ${line}\n`),
          resumeHint: hint(c, "scan --resume"),
        }),
      );
      const scan = completedScan(store, result);
      if (!scan) return;
      const style = stdoutStyle(c);
      const say = (args: string): string => hint(c, args);
      const { table: findings, waived } = findingsContext(store, scan, undefined);
      await writeChunks(
        stdout(),
        scanSummaryText(store, scan, { style, database: db, hint: say, limit: SHOWN, findings }),
      );
      const written = await writeReports({
        store,
        scan,
        frameworks,
        formats: ["html"],
        dir: opts.out,
        scopeFor: () => WHOLE_SCAN,
        waived,
      });
      out(`\nCompliance reports (open them in a browser):\n${written.map((w) => `  ${w.line}`).join("\n")}`);
      out(
        `\nNext: ${say("findings --severity high")}   ·   ${say(
          "report --framework pci-dss-4.0 --scope-tag data-classification=cardholder --format html,pdf",
        )}   ·   ${say("evidence --out audit.zip")}`,
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

/** Loopback only, no tokens, no CORS, one on-request schedule repeating the demo scan. */
function demoServeSettings(options: ScanOptions, port: number): ServiceSettings {
  return {
    host: SERVE_DEFAULTS.host,
    port,
    ratePerMinute: SERVE_DEFAULTS.ratePerMinute,
    trendScans: SERVE_DEFAULTS.trendScans,
    corsOrigins: [],
    schedules: [{ name: "demo", jitterSeconds: 0, options, after: {} }],
    webhooks: [],
  };
}
