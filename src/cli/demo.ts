import type { Command } from "commander";
import { fromStatic } from "../aws/credentials.js";
import { runScan } from "../app/scan.js";
import { scanSummaryText } from "../report/scan-summary.js";
import { loadFrameworks, WHOLE_SCAN } from "../report/index.js";
import { loadRules } from "../rules/loader.js";
import { allServices, demoScanTarget, loadDemoWorld, startSimulator } from "../sim/index.js";
import { Store } from "../store/store.js";
import { globals, hint, out, stdoutStyle } from "./context.js";
import { DEFAULT_REPORTS_DIR, writeReports } from "./report.js";
import { completedScan, findingsContext } from "./findings-output.js";
import { stdout, writeChunks } from "./output.js";
import { resolveScanOptions } from "./scan-options.js";

/** The demo organisation's management region (its aggregator's and STS's). */
const DEMO_HOME_REGION = "us-east-1";

/** Findings the summary lists, as `dpscan scan` does. */
const SHOWN = 60;

export function define(cmd: Command): void {
  cmd.option(
    "-o, --out <dir>",
    "directory the demo's HTML compliance reports are written to",
    DEFAULT_REPORTS_DIR,
  );
  cmd.action(async (opts: { out: string }, c: Command) => {
    // The settings file's db applies (as to every command); its scan options do not: the demo
    // scans the demo world with the demo's own flags.
    const db = globals(c).db;
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
        resumeHint: hint(c, "scan --resume"),
      });
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
    } finally {
      store.close();
      await sim.close();
    }
  });
}
