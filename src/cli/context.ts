// What every command shares: the global options, the settings file (read once per run, by every
// command), the database it names, how text is shown on this terminal, and hints that work as
// printed.
import type { Command } from "commander";
import type { TextStyle } from "../report/text.js";
import { Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import { invocation, shellWord } from "./invocation.js";
import { readSettings, type Settings } from "./scan-options.js";

export const DEFAULT_DB = "dpscan.db";

export interface GlobalOptions {
  db: string;
  verbose: boolean;
  wide: boolean;
  /** `--config FILE`, false for `--no-config`, undefined for the default lookup. */
  config: string | false | undefined;
  settings: Settings;
}

const cache = new WeakMap<Command, GlobalOptions>();

/** The global options of this run, with the settings file read and validated (once). */
export function globals(cmd: Command): GlobalOptions {
  let root = cmd;
  while (root.parent) root = root.parent;
  const known = cache.get(root);
  if (known) return known;
  const o = cmd.optsWithGlobals<{
    db?: string;
    verbose?: boolean;
    wide?: boolean;
    config?: string | false;
  }>();
  const settings = readSettings(o.config);
  const fromSettings = typeof settings.data.db === "string" ? settings.data.db : undefined;
  const g: GlobalOptions = {
    // --db beats the settings file's db:, which beats the default.
    db: o.db ?? fromSettings ?? DEFAULT_DB,
    verbose: o.verbose ?? false,
    wide: o.wide ?? false,
    config: o.config,
    settings,
  };
  cache.set(root, g);
  return g;
}

export function openStore(cmd: Command): Store {
  return new Store(globals(cmd).db);
}

export function parseList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

export function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${name} must be one of ${allowed.join(", ")} (got "${value}")`);
  }
  return value as T;
}

/** Write a line to stdout (a closed pipe is handled once for the process: see output.ts). */
export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/**
 * Colour on a terminal: FORCE_COLOR (not "0"/"false") turns it on, FORCE_COLOR=0 off; otherwise
 * NO_COLOR (non-empty) or TERM=dumb turns it off. Node's own precedence for these variables.
 */
export function colorWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  if (env.NO_COLOR) return false;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

/** How tables are shown on stdout: fitted to the terminal unless --wide, coloured on a terminal. */
export function stdoutStyle(cmd: Command): TextStyle {
  const tty = process.stdout as { isTTY?: boolean; columns?: number };
  const width = tty.isTTY && !globals(cmd).wide ? tty.columns : undefined;
  return { color: colorWanted(tty), ...(width ? { width } : {}) };
}

/** A command line that works as printed: dpscan's invocation, --db when it is not the default. */
export function hint(cmd: Command, args: string): string {
  const db = globals(cmd).db;
  return `${invocation()}${db === DEFAULT_DB ? "" : ` --db ${shellWord(db)}`} ${args}`;
}
