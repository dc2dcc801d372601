import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { EXIT } from "../../src/util/errors.js";
import { AUDIT_ROLE, testWorld } from "./sim.js";
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

/** Run the CLI with exactly these AWS variables (the others in `keys` cleared), restored afterwards. */
export async function runWithEnv(
  env: Record<string, string>,
  args: string[],
  keys: readonly string[] = ENV_KEYS,
): Promise<CliResult> {
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, env);
  try {
    return await runCli(args);
  } finally {
    for (const k of keys) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

/** Run the CLI with the simulator's management credentials in the environment. */
export function runWithSimEnv(
  sim: Simulator,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<CliResult> {
  return runWithEnv(
    {
      AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
      AWS_REGION: "us-east-1",
      ...extraEnv,
    },
    args,
  );
}

/**
 * A database holding one `scan --org` of the standard test world (us-east-1), in a fresh folder
 * that lives for the whole test file: for tests that read a stored scan (reports, evidence).
 */
export function useScannedTestWorld(prefix: string): { db: () => string } {
  let dir = "";
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    await withSim(testWorld(), async (sim) => {
      const r = await runWithSimEnv(sim, [
        "--db",
        join(dir, "org.db"),
        "scan",
        "--org",
        "--role-name",
        AUDIT_ROLE,
        "--regions",
        "us-east-1",
        "--quiet",
        "--no-config",
        "--endpoint-url",
        sim.endpoint,
      ]);
      if (r.code !== EXIT.ok) throw new Error(`test world scan failed (${r.code}): ${r.stderr}`);
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { db: () => join(dir, "org.db") };
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
