// Drive `dpscan scan` in-process against a simulator, with credentials from the environment the
// standard way (as a user would export them).
import { startSimulator, type Simulator } from "../../src/sim/wire/server.js";
import { allServices } from "../../src/sim/services/index.js";
import type { World } from "../../src/sim/world/types.js";
import { runCli, type CliResult } from "./cli.js";

export async function withSim<T>(world: World, fn: (sim: Simulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ world, services: allServices() });
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

const ENV_KEYS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
  "AWS_PROFILE",
  "AWS_ENDPOINT_URL",
];

/** Run the CLI with the simulator's management credentials in the environment. */
export async function runWithSimEnv(
  sim: Simulator,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<CliResult> {
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
    AWS_REGION: "us-east-1",
    ...extraEnv,
  });
  try {
    return await runCli(args);
  } finally {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

/** `dpscan --db DB scan --org ...` on the simulator's demo organisation, its own role and ExternalId. */
export function demoOrgScan(db: string, sim: Simulator, ...more: string[]): string[] {
  return [
    "--db",
    db,
    "scan",
    "--org",
    "--role-name",
    "dpscan-audit",
    "--external-id",
    "dpscan-demo",
    "--regions",
    "us-east-1,eu-west-1",
    "--no-config",
    "--endpoint-url",
    sim.endpoint,
    ...more,
  ];
}

/** The simulator's management credentials as a child process's environment. */
export function simEnv(sim: Simulator): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
    AWS_REGION: "us-east-1",
    AWS_PROFILE: "",
  };
}
