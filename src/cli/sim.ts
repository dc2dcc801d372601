import { spawn } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { Option, type Command } from "commander";
import {
  AUDIT_ROLE_NAME,
  allServices,
  demoScanTarget,
  generateWorld,
  loadDemoWorld,
  loadWorldFile,
  startSimulator,
  WorldFileError,
  type Simulator,
  type World,
} from "../sim/index.js";
import { InputError, UsageError } from "../util/errors.js";
import { hint, out } from "./context.js";

export interface SimFlags {
  world?: string;
  demo?: boolean;
  generate?: boolean;
  accountCount: string;
  regionCount: string;
  scale: string;
  seed: string;
  port: string;
  writeEnv?: string;
  printEnv?: boolean;
  /** The old name of --write-env, refused (Node.js reads it as its own option). */
  envFile?: string;
  /** The old names of the count flags, refused with the new ones named. */
  accounts?: string;
  regions?: string;
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
      if (!/^\d+$/.test(v) || x < min || x > max)
        throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
      return x;
    };
    return generateWorld({
      accounts: n("account-count", f.accountCount, 1, 100_000),
      regions: n("region-count", f.regionCount, 1, 16),
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

/** What a shell or a command needs to reach the simulator with its management account's keys. */
export function simEnvironment(sim: Simulator): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
    AWS_REGION: "us-east-1",
  };
}

/** Variables that would send an SDK elsewhere than the simulator's keys and endpoint. */
const CONFLICTING = /^(AWS_PROFILE|AWS_DEFAULT_PROFILE|AWS_SESSION_TOKEN|AWS_ENDPOINT_URL_.+)$/;

export function define(cmd: Command): void {
  cmd
    .option("--world <file>", "a world file (YAML or JSON; see docs/simulator.md)")
    .option("--demo", "the built-in demo world (default)")
    .option("--generate", "a generated world (with --account-count, --region-count, --scale, --seed)")
    .option("--account-count <n>", "generated: accounts", "10")
    .option("--region-count <n>", "generated: enabled regions per account", "2")
    .option("--scale <n>", "generated: resources per account and region", "100")
    .option("--seed <n>", "generated: seed", "1")
    .option("--port <n>", "port (default: any free port)", "0")
    .option("--write-env <file>", "write the environment (KEY=VALUE lines) to FILE once listening")
    // Node 20 reads a script's own `--env-file` argument as its option (nodejs/node#54232): a missing
    // file stops the process before dpscan starts, an existing one is loaded into the environment.
    .addOption(new Option("--env-file <file>").hideHelp())
    .option("--print-env", "print only the environment on stdout (the rest goes to stderr)")
    .addOption(new Option("--accounts <n>").hideHelp())
    .addOption(new Option("--regions <n>").hideHelp())
    .addHelpText(
      "after",
      "\nRun one command against a fresh simulator and exit with its code:\n  dpscan sim --demo -- dpscan scan --org --role-name dpscan-audit ...",
    )
    .action(async (command: string[], f: SimFlags) => {
      if (f.accounts !== undefined || f.regions !== undefined)
        throw new UsageError(
          "sim counts are --account-count N and --region-count N (--accounts and --regions are scan's lists of IDs and names)",
        );
      if (f.envFile !== undefined)
        throw new UsageError(
          "sim writes its environment with --write-env FILE (Node.js itself reads --env-file, wherever it appears)",
        );
      const port = Number(f.port);
      if (!/^\d+$/.test(f.port) || port > 65535) throw new UsageError("--port must be 0-65535");
      const world = worldFromFlags(f);
      const sim = await listen(world, port);
      try {
        if (f.writeEnv !== undefined) writeEnvFile(f.writeEnv, simEnvironment(sim));
        if (command.length > 0) process.exitCode = await runAgainst(sim, command);
        else await serve(sim, world, f, cmd);
      } finally {
        await sim.close();
      }
    });
}

async function listen(world: World, port: number): Promise<Simulator> {
  try {
    return await startSimulator({ world, services: allServices(), port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new UsageError(`--port ${port}: port ${port} is in use`);
    if (code === "EACCES")
      throw new UsageError(`--port ${port}: permission denied (ports below 1024 need root)`);
    throw err;
  }
}

function writeEnvFile(file: string, env: Record<string, string>): void {
  const partial = `${file}.partial-${process.pid}`;
  try {
    writeFileSync(
      partial,
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(""),
      { mode: 0o600 },
    );
    renameSync(partial, file); // whole or absent: a script may wait for the file to appear
  } catch (err) {
    throw new UsageError(`--write-env ${file}: cannot write: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** Serve until SIGINT/SIGTERM, after telling the person (or script) how to reach the simulator. */
async function serve(sim: Simulator, world: World, f: SimFlags, cmd: Command): Promise<void> {
  const env = simEnvironment(sim);
  const say = f.printEnv ? (s: string) => process.stderr.write(`${s}\n`) : out;
  const exports = [
    "unset AWS_PROFILE AWS_SESSION_TOKEN",
    ...Object.entries(env).map(([k, v]) => `export ${k}=${v}`),
  ];
  say(`dpscan simulator listening on ${sim.endpoint} (management account ${world.managementAccountId})`);
  say("");
  for (const line of exports) (f.printEnv ? out : say)(line);
  say("");
  say(`Then, for example: ${hint(cmd, `scan --org ${scanHint(world, f)}`)}   (Ctrl-C stops the simulator)`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/**
 * Run `command` with the simulator's environment and return its exit code (128 + the signal's
 * number when a signal ended it, 127 when it cannot be started, as shells report them).
 */
function runAgainst(sim: Simulator, command: string[]): Promise<number> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!CONFLICTING.test(k)) env[k] = v;
  Object.assign(env, simEnvironment(sim));
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: "inherit" });
    // Ctrl-C reaches the child from the terminal; a signal sent to dpscan alone is passed on.
    const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    const done = (code: number): void => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code);
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      process.stderr.write(`dpscan: sim: cannot run ${file}: ${err.code ?? err.message}\n`);
      done(127);
    });
    child.on("exit", (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
