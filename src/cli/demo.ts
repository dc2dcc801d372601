import type { Command } from "commander";
import { fromStatic } from "../aws/credentials.js";
import { runScan } from "../app/scan.js";
import { scanSummaryText } from "../report/scan-summary.js";
import { loadRules } from "../rules/loader.js";
import { loadDemoWorld } from "../sim/demo-world.js";
import { startSimulator } from "../sim/server.js";
import { allServices } from "../sim/services/index.js";
import { Store } from "../store/store.js";
import { globals, out } from "./context.js";
import { resolveScanOptions } from "./scan-options.js";

/** The role and ExternalId every account of the demo world trusts the management account with. */
export const DEMO_ROLE = "dpscan-audit";
export const DEMO_EXTERNAL_ID = "dpscan-demo";
/** The demo organisation's two working regions and its one opt-in region that is not enabled. */
export const DEMO_REGIONS = ["us-east-1", "eu-west-1", "ap-east-1"];
const DEMO_HOME_REGION = "us-east-1";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "Start the simulator's demo organisation, scan it with --org and show the findings (no AWS needed)",
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const db = globals(cmd).db;
      const world = loadDemoWorld();
      const rules = loadRules();
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
            roleName: DEMO_ROLE,
            externalId: DEMO_EXTERNAL_ID,
            endpointUrl: sim.endpoint,
            regions: DEMO_REGIONS.join(","),
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
        out(
          `\nNext: dpscan --db ${db} findings --severity high   ·   dpscan --db ${db} findings --format csv`,
        );
      } finally {
        store.close();
        await sim.close();
      }
    });
}
