import { Command, CommanderError } from "commander";
import { EXIT, InputError, UsageError } from "../util/errors.js";
import { VERSION } from "../version.js";
import { registerEvaluate } from "./evaluate.js";
import { registerFindings } from "./findings.js";
import { registerReport } from "./report.js";
import { registerEvidence } from "./evidence.js";
import { registerRules } from "./rules.js";
import { registerScans } from "./scans.js";
import { registerDemo } from "./demo.js";
import { registerIamPolicy } from "./iam-policy.js";
import { registerScan } from "./scan.js";
import { registerSchema } from "./schema.js";
import { registerServe } from "./serve.js";
import { registerSim } from "./sim.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("dpscan")
    .description(
      "Data-protection compliance scanner for AWS: encryption at rest and in transit, and key hygiene",
    )
    .version(VERSION)
    .option("--db <path>", "SQLite database file", "dpscan.db")
    .option("--verbose", "print stack traces for internal errors")
    .showHelpAfterError()
    .exitOverride();
  registerScan(program);
  registerEvaluate(program);
  registerFindings(program);
  registerReport(program);
  registerEvidence(program);
  registerRules(program);
  registerScans(program);
  registerDemo(program);
  registerSim(program);
  registerIamPolicy(program);
  registerSchema(program);
  registerServe(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Run the CLI; returns the process exit code (see README "Exit codes"). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes("--verbose");
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help"
      )
        return EXIT.ok;
      return EXIT.badInput; // commander already printed the message
    }
    if (err instanceof InputError) {
      for (const line of err.lines) process.stderr.write(`dpscan: ${line}\n`);
      return EXIT.badInput;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`dpscan: ${err.message}\n`);
      return EXIT.badInput;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`dpscan: internal error: ${e.message}\n`);
    if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
    else process.stderr.write("dpscan: run again with --verbose for details\n");
    return EXIT.internal;
  }
}
