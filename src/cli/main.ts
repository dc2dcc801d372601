// The command line: global options and the command table. A command's module (its options, its
// action and everything they import: the SDK, SQLite, the rule engine) is loaded only when that
// command runs, so `dpscan --help` and `--version` start in a few tens of milliseconds.
import { Command, CommanderError, Help } from "commander";
import { storeEnvironmentError } from "../store/errors.js";
import { EnvironmentError, EXIT, InputError, UsageError } from "../util/errors.js";
import { safeText } from "../util/text.js";
import { VERSION } from "../version.js";
import { setInvocation } from "./invocation.js";
import { guardStream } from "./output.js";

/** What a command module exports: the options and action of the command it is given. */
export interface CommandModule {
  define(cmd: Command): void;
}

interface CommandEntry {
  name: string;
  /** Positional arguments, as commander spells them. */
  args?: string;
  /** The command takes no options of its own (for the help's command list). */
  bare?: boolean;
  /** How the help's command list shows it, when not `name [options] args`. */
  term?: string;
  description: string;
  load(): Promise<CommandModule>;
}

/** Every command, in the order of `dpscan --help`. */
export const COMMANDS: CommandEntry[] = [
  {
    name: "scan",
    description: "Collect resources across accounts and regions, evaluate the rules and store the scan",
    load: () => import("./scan.js"),
  },
  {
    name: "evaluate",
    description:
      "Evaluate the rules on AWS Config configuration items from files and store the results as a scan",
    load: () => import("./evaluate.js"),
  },
  {
    name: "findings",
    description: "List findings of the latest complete scan (or --scan ID)",
    load: () => import("./findings.js"),
  },
  {
    name: "diff",
    description: "Findings new, reopened and resolved between two complete scans (default: the two latest)",
    load: () => import("./diff.js"),
  },
  {
    name: "gate",
    description:
      "Fail a pipeline on findings at or above a severity (after waivers, optionally new since a baseline)",
    load: () => import("./gate.js"),
  },
  {
    name: "baseline",
    term: "baseline export [options]",
    description: "Write a scan's FAIL and UNKNOWN results as a baseline file for gate --new-only",
    load: () => import("./baseline.js"),
  },
  {
    name: "rules",
    term: "rules <command>",
    description: "List, show, test and validate rules",
    load: () => import("./rules.js"),
  },
  { name: "scans", description: "List stored scans, newest first", load: () => import("./scans.js") },
  {
    name: "merge",
    args: "<out> <shards...>",
    description: "Merge the shard databases of `scan --shard K/N` into one scan, judged again as a whole",
    load: () => import("./merge.js"),
  },
  {
    name: "prune",
    description: "Remove old scans' resources and results (keeping open findings' history), then VACUUM",
    load: () => import("./prune.js"),
  },
  {
    name: "report",
    description: "Write compliance reports (PCI DSS, HIPAA, GDPR, SOC 2) of a stored scan",
    load: () => import("./report.js"),
  },
  {
    name: "evidence",
    term: "evidence [options] | evidence keygen | evidence verify <path>",
    description:
      "Write a signed evidence pack for auditors (reports, findings, records, coverage, rules, manifest); make a signing key; verify a pack",
    load: () => import("./evidence.js"),
  },
  {
    name: "serve",
    description: "Run scheduled scans and serve the HTTP API, /metrics and the web dashboard",
    load: () => import("./serve.js"),
  },
  {
    name: "demo",
    description:
      "Start the simulator's demo organisation, scan it with --org and show the findings (no AWS needed)",
    load: () => import("./demo.js"),
  },
  {
    name: "sim",
    args: "[command...]",
    description:
      "Start the AWS simulator on 127.0.0.1 and print the environment to use it (or run COMMAND against it)",
    load: () => import("./sim.js"),
  },
  {
    name: "iam-policy",
    description: "Print the least-privilege IAM policy dpscan needs (deploy/dpscan-readonly-policy.json)",
    load: () => import("./iam-policy.js"),
  },
  {
    name: "schema",
    args: "<name>",
    bare: true,
    description: "Print one of dpscan's JSON Schemas (the files in schemas/)",
    load: () => import("./schema.js"),
  },
];

export function buildProgram(): Command {
  const program = new Command();
  const entries = new Map(COMMANDS.map((e) => [e.name, e]));
  program
    .name("dpscan")
    .description(
      "Data-protection compliance scanner for AWS: encryption at rest and in transit, and key hygiene",
    )
    .version(VERSION)
    .option("--db <path>", 'SQLite database file (default: "db:" in the settings file, else dpscan.db)')
    .option("--config <file>", "settings file (default: ./dpscan.config.yaml when present)")
    .option("--no-config", "ignore ./dpscan.config.yaml")
    .option("--wide", "tables show every column in full instead of fitting the terminal")
    .option("--verbose", "print stack traces for internal errors")
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => errLine(s) })
    .exitOverride()
    .configureHelp({
      // The stubs have no options until their module is loaded: the table says which have some.
      subcommandTerm: (cmd) => {
        const e = entries.get(cmd.name());
        if (!e) return new Help().subcommandTerm(cmd);
        if (e.term) return e.term;
        return [cmd.name(), ...(e.bare ? [] : ["[options]"]), ...argsOf(cmd)].join(" ");
      },
    });
  for (const e of COMMANDS)
    program
      .command(e.args ? `${e.name} ${e.args}` : e.name)
      .description(e.description)
      .configureOutput({ writeErr: (s) => errLine(s) });
  program.hook("preSubcommand", async (_program, sub) => {
    const entry = entries.get(sub.name());
    if (entry) (await entry.load()).define(sub);
  });
  return program;
}

function argsOf(cmd: Command): string[] {
  return cmd.registeredArguments.map((a) => {
    const name = `${a.name()}${a.variadic ? "..." : ""}`;
    return a.required ? `<${name}>` : `[${name}]`;
  });
}

/** Text for stderr, each line made safe: messages quote what users and AWS wrote. */
function errLine(text: string): void {
  const lines = text.split("\n").map(safeText);
  process.stderr.write(lines.join("\n"));
}

/**
 * A closed log pipe (`dpscan scan 2>&1 | head`) must not kill a scan: stderr errors are
 * swallowed and what would have gone there is dropped.
 */
function survivePipeErrors(): void {
  if (process.stderr.listenerCount("error") === 0) process.stderr.on("error", () => undefined);
}

/** Run the CLI; returns the process exit code (see README "Exit codes"). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes("--verbose");
  setInvocation(argv[1]);
  // `dpscan ... | head`: a reader that goes away ends the output, quietly and with exit code 0.
  guardStream(process.stdout);
  survivePipeErrors();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (err) {
    return reportError(err, verbose);
  }
}

function reportError(err: unknown, verbose: boolean): number {
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
    for (const line of err.lines) errLine(`dpscan: ${line}\n`);
    return EXIT.badInput;
  }
  const env = storeEnvironmentError(err);
  if (err instanceof UsageError || err instanceof EnvironmentError || env) {
    errLine(`dpscan: ${(env ?? (err as Error)).message}\n`);
    return EXIT.badInput;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  errLine(`dpscan: internal error: ${e.message}\n`);
  if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write("dpscan: run again with --verbose for details\n");
  return EXIT.internal;
}
