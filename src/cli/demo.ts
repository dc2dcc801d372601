import type { Command } from "commander";
import { allServices, loadDemoWorld, startSimulator } from "../sim/index.js";
import { globals, out } from "./context.js";
import { main } from "./main.js";

/** The role and ExternalId every account of the demo world trusts the management account with. */
export const DEMO_ROLE = "dpscan-audit";
export const DEMO_EXTERNAL_ID = "dpscan-demo";
/** The demo organisation's two working regions and its one opt-in region that is not enabled. */
export const DEMO_REGIONS = ["us-east-1", "eu-west-1", "ap-east-1"];

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "Start the simulator's demo organisation, scan it with --org and show the findings (no AWS needed)",
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const db = globals(cmd).db;
      const world = loadDemoWorld();
      const sim = await startSimulator({ world, services: allServices() });
      // The scan reads credentials the standard way; point them at the simulator for this run only.
      const saved = { ...process.env };
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
        AWS_REGION: "us-east-1",
      });
      delete process.env.AWS_SESSION_TOKEN;
      delete process.env.AWS_PROFILE;
      try {
        out(
          `Simulated organisation: ${world.accounts.size} accounts, served at ${sim.endpoint}; database ${db}\n`,
        );
        process.exitCode = await main([
          "node",
          "dpscan",
          "--db",
          db,
          "scan",
          "--org",
          "--role-name",
          DEMO_ROLE,
          "--external-id",
          DEMO_EXTERNAL_ID,
          "--endpoint-url",
          sim.endpoint,
          "--regions",
          DEMO_REGIONS.join(","),
          "--quiet",
          "--no-config",
        ]);
        out(
          `\nNext: dpscan --db ${db} findings --severity high   ·   dpscan --db ${db} findings --format csv`,
        );
      } finally {
        for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) {
          if (saved[k] === undefined) delete process.env[k];
          else process.env[k] = saved[k];
        }
        await sim.close();
      }
    });
}
