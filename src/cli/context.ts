import type { Command } from "commander";
import { Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";

export interface GlobalOptions {
  db: string;
  verbose: boolean;
}

export function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{ db?: string; verbose?: boolean }>();
  return { db: o.db ?? "dpscan.db", verbose: o.verbose ?? false };
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

/** Write to stdout; ignore EPIPE so `dpscan findings | head` exits quietly. */
export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
