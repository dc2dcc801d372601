import type { Command } from "commander";
import {
  AUDIT_ROLE_NAME,
  allServices,
  demoScanTarget,
  generateWorld,
  loadDemoWorld,
  loadWorldFile,
  startSimulator,
  WorldFileError,
  type World,
} from "../sim/index.js";
import { InputError, UsageError } from "../util/errors.js";
import { out } from "./context.js";

interface SimFlags {
  world?: string;
  demo?: boolean;
  generate?: boolean;
  accounts: string;
  regions: string;
  scale: string;
  seed: string;
  port: string;
}

/** Build the world a `sim` or `demo` invocation asks for. */
export function worldFromFlags(f: SimFlags): World {
  const chosen = [f.world !== undefined, Boolean(f.demo), Boolean(f.generate)].filter(Boolean).length;
  if (chosen > 1) throw new UsageError("choose one of --world FILE, --demo, --generate");
  if (f.world !== undefined) {
    try {
      return loadWorldFile(f.world);
    } catch (err) {
      if (err instanceof WorldFileError) throw new InputError(err.lines);
      throw err;
    }
  }
  if (f.generate) {
    const n = (name: string, v: string, min: number, max: number): number => {
      const x = Number(v);
      if (!Number.isInteger(x) || x < min || x > max)
        throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
      return x;
    };
    return generateWorld({
      accounts: n("accounts", f.accounts, 1, 100_000),
      regions: n("regions", f.regions, 1, 16),
      scale: n("scale", f.scale, 0, 1_000_000),
      seed: n("seed", f.seed, 0, 2 ** 31 - 1),
    });
  }
  return loadDemoWorld();
}

/** The scan flags to suggest: the demo world's own role, ExternalId and regions, else the default role. */
function scanHint(world: World, f: SimFlags): string {
  if (f.world !== undefined || f.generate) return `--role-name ${AUDIT_ROLE_NAME}`;
  const t = demoScanTarget(world);
  const externalId = t.externalId === undefined ? "" : ` --external-id ${t.externalId}`;
  return `--role-name ${t.roleName}${externalId} --regions ${t.regions.join(",")}`;
}

export function registerSim(program: Command): void {
  program
    .command("sim")
    .description("Start the AWS simulator on 127.0.0.1 and print the endpoint and credentials to use")
    .option("--world <file>", "a world file (YAML or JSON; see docs/simulator.md)")
    .option("--demo", "the built-in demo world (default)")
    .option("--generate", "a generated world (with --accounts, --regions, --scale, --seed)")
    .option("--accounts <n>", "generated: accounts", "10")
    .option("--regions <n>", "generated: enabled regions per account", "2")
    .option("--scale <n>", "generated: resources per account and region", "100")
    .option("--seed <n>", "generated: seed", "1")
    .option("--port <n>", "port (default: any free port)", "0")
    .action(async (f: SimFlags) => {
      const port = Number(f.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port must be 0-65535");
      const world = worldFromFlags(f);
      const sim = await startSimulator({ world, services: allServices(), port });
      out(`dpscan simulator listening on ${sim.endpoint} (management account ${world.managementAccountId})`);
      out("");
      out(`export AWS_ENDPOINT_URL=${sim.endpoint}`);
      out(`export AWS_ACCESS_KEY_ID=${sim.credentials.accessKeyId}`);
      out(`export AWS_SECRET_ACCESS_KEY=${sim.credentials.secretAccessKey}`);
      out("export AWS_REGION=us-east-1");
      out("");
      out(`Then, for example: dpscan scan --org ${scanHint(world, f)}   (Ctrl-C stops the simulator)`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void sim.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
