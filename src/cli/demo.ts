import type { Command } from "commander";
import { fromStatic } from "../aws/credentials.js";
import { runScan } from "../app/scan.js";
import { scanSummaryText } from "../report/scan-summary.js";
import { loadFrameworks, WHOLE_SCAN } from "../report/index.js";
import { loadRules } from "../rules/loader.js";
import { allServices, demoScanTarget, loadDemoWorld, startSimulator } from "../sim/index.js";
import { Store, type ScanRow } from "../store/store.js";
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
    .action(async (opts: { out: string }, cmd: Command) => {
      const db = globals(cmd).db;
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
        const result = await runScan(options, {
          store,
          rules,
          credentials: fromStatic(sim.credentials),
          notice: (line) => process.stderr.write(`dpscan: ${line}\n`),
        });
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
      } finally {
        store.close();
        await sim.close();
      }
    });
}
