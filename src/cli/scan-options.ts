// The options of `dpscan scan` as a user gives them: the settings file (dpscan.config.yaml,
// validated against schemas/config.schema.json) overridden by flags. Flags, schema and parsing
// are all derived from the one table in src/model/scan-options.ts.
import { existsSync } from "node:fs";
import { Ajv } from "ajv";
import type { Command } from "commander";
import { reportSettingsSchema } from "../report/scope.js";
import { KNOWN_REGIONS, partitionProblem, regionProblem } from "../aws/regions.js";
import { SERVICE_NAMES } from "../aws/service-names.js";
import { parseShard } from "../collect/shard.js";
import type { JsonObject } from "../model/resource.js";
import {
  ACCOUNT_ID_PATTERN,
  optionSpecs,
  SCAN_OPTIONS,
  type Rate,
  type ScanOptionKey,
  type ScanOptions,
} from "../model/scan-options.js";
import { DEFAULT_WAIVER_MAX_DAYS } from "../rules/waivers.js";
import { serveSettingsSchema } from "../serve/config.js";
import { collectProblems, InputError, UsageError } from "../util/errors.js";
import { issueLines, schemaIssues } from "../util/schema-errors.js";
import { readSourceFile } from "../util/yaml-source.js";

export type { ScanOptions };

/** dpscan's own settings file, read from the working directory unless --config/--no-config. */
export const DEFAULT_SETTINGS_FILE = "dpscan.config.yaml";

type Spec = ReturnType<typeof optionSpecs>[number][1];

/** A rates key: a service, or a service and one of its operations ("kms:DescribeKey"). */
const RATE_KEY_PATTERN = `^(${SERVICE_NAMES.join("|")})(:[A-Z][A-Za-z0-9]+)?$`;

/** The attribute commander gives a flag: `--endpoint-url` → endpointUrl, `--no-progress` → progress. */
function flagAttribute(flag: string): string {
  const long = /--(?:no-)?([a-z0-9-]+)/.exec(flag)?.[1] ?? "";
  return long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The flag's name as a user types it, for messages: `--session-duration`. */
function flagName(flag: string): string {
  return /--[a-z0-9-]+/.exec(flag)?.[0] ?? flag;
}

function help(spec: Spec): string {
  const range = spec.min !== undefined ? `, ${spec.min}-${spec.max}` : "";
  const values = spec.values ? `: ${spec.values.join(" or ")}` : "";
  const shown =
    spec.default === undefined || typeof spec.default === "boolean" || typeof spec.default === "object"
      ? ""
      : ` (default: ${[...(spec.env ?? []), String(spec.default)].join(" or ")})`;
  return `${spec.doc}${values}${range}${shown}`;
}

/** Add every scan option's flag to a command, in the table's order; `more` appends to a flag's help. */
export function addScanFlags(command: Command, more: Partial<Record<ScanOptionKey, string>> = {}): Command {
  for (const [key, spec] of optionSpecs()) {
    if (!spec.flag) continue;
    const text = `${help(spec)}${more[key] ?? ""}`;
    if (spec.kind === "rates")
      command.option(spec.flag, text, (v: string, prev: string[]) => [...prev, v], []);
    else command.option(spec.flag, text);
  }
  return command;
}

function settingsProperty(spec: Spec): JsonObject {
  const description = spec.doc;
  const accountId = { type: "string", pattern: ACCOUNT_ID_PATTERN };
  // The known regions, so an editor completes them and a misspelt one is an error with a suggestion.
  const region = { enum: [...KNOWN_REGIONS] };
  switch (spec.kind) {
    case "string":
      return { type: "string", ...(spec.pattern ? { pattern: spec.pattern } : {}), description };
    case "region":
      return { ...region, description };
    case "boolean":
      return { type: "boolean", description };
    case "integer":
      return {
        type: "integer",
        minimum: spec.min ?? 0,
        maximum: spec.max ?? Number.MAX_SAFE_INTEGER,
        description,
      };
    case "fraction":
      return { type: "number", exclusiveMinimum: spec.min ?? 0, maximum: spec.max ?? 1, description };
    case "accountList":
      return { type: "array", items: accountId, description };
    case "regionList":
      return { type: "array", items: region, description };
    case "list":
      return { type: "array", items: { type: "string" }, description };
    case "enum":
      return { enum: [...(spec.values ?? [])], description };
    case "rates":
      return {
        type: "object",
        propertyNames: { pattern: RATE_KEY_PATTERN },
        additionalProperties: {
          type: "object",
          additionalProperties: false,
          required: ["ratePerSecond"],
          properties: {
            ratePerSecond: { type: "number", exclusiveMinimum: 0 },
            burst: { type: "integer", minimum: 1 },
          },
        },
        description,
      };
    case "params":
      return { type: "object", additionalProperties: { type: "object" }, description };
  }
}

/** The scan options a settings file (or a schedule's `scan:`) may set, as schema properties. */
function scanSettingsProperties(): JsonObject {
  const properties: JsonObject = {};
  for (const [key, spec] of optionSpecs())
    if (spec.settings !== false) properties[key] = settingsProperty(spec);
  return properties;
}

/** The settings file's JSON Schema (published as schemas/config.schema.json). */
export function settingsSchema(): JsonObject {
  const properties: JsonObject = {
    db: { type: "string", description: "SQLite database file" },
    waivers: {
      type: "string",
      description: "waivers file (accepted risk, schemas/waivers.schema.json), relative to this file",
    },
    waiverMaxDays: {
      type: "integer",
      minimum: 1,
      maximum: 3650,
      description: `longest a waiver may last, in days (default ${DEFAULT_WAIVER_MAX_DAYS})`,
    },
    ...scanSettingsProperties(),
    reports: reportSettingsSchema(), // read by `dpscan report`, not by scans
    serve: serveSettingsSchema(scanSettingsProperties()),
  };
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://dpscan.dev/schemas/config.schema.json",
    title: "dpscan settings (dpscan.config.yaml)",
    type: "object",
    additionalProperties: false,
    properties,
  };
}

const validateSettings = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(settingsSchema());

/** Load and validate a settings file; errors name file, line, column and field. */
export function loadSettingsFile(file: string): JsonObject {
  const src = readSourceFile(file);
  const data = src.data ?? {};
  if (!validateSettings(data))
    throw new InputError(issueLines(src, schemaIssues(validateSettings.errors ?? [], { noun: "option" })));
  return data as JsonObject;
}

/** What commander hands over: strings, booleans, and string lists for repeatable flags. */
export type ScanFlags = { config?: string | false } & Partial<Record<string, string | boolean | string[]>>;

const list = (v: string): string[] =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** One option's flag value outside `scan` (e.g. `evaluate --judge-workers`), parsed as `scan` parses it. */
export function parseScanFlag(key: ScanOptionKey, raw: string): unknown {
  return parseFlag(SCAN_OPTIONS[key], raw);
}

/** A flag's value as the option's type; every problem is a usage error naming the flag. */
function parseFlag(spec: Spec, raw: string | boolean | string[]): unknown {
  const name = spec.flag ? flagName(spec.flag) : "";
  if (typeof raw === "boolean" || Array.isArray(raw)) return raw;
  switch (spec.kind) {
    case "integer": {
      // Decimal digits only: Number() would also take "0x10", "1e3", " 8" or "".
      const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(n) || n < (spec.min ?? 0) || n > (spec.max ?? Number.MAX_SAFE_INTEGER))
        throw new UsageError(`${name} must be a whole number from ${spec.min} to ${spec.max}`);
      return n;
    }
    case "fraction": {
      // Decimal notation only, as for integers; 0 would never let a call through.
      const n = /^(?:0|1)?(?:\.\d{1,6})?$/.test(raw) && raw !== "" && raw !== "." ? Number(raw) : NaN;
      if (!(n > (spec.min ?? 0) && n <= (spec.max ?? 1)))
        throw new UsageError(
          `${name} must be a number above ${spec.min} and at most ${spec.max} (got "${raw}")`,
        );
      return n;
    }
    case "accountList": {
      const ids = list(raw);
      for (const a of ids)
        if (!new RegExp(ACCOUNT_ID_PATTERN).test(a))
          throw new UsageError(`${name}: "${a}" is not a 12-digit account ID`);
      return ids;
    }
    case "region":
      return checkedRegions(name, [raw])[0];
    case "regionList":
      return checkedRegions(name, list(raw));
    case "list":
      return list(raw);
    case "enum":
      if (!(spec.values ?? []).includes(raw))
        throw new UsageError(`${name} must be ${(spec.values ?? []).join(" or ")} (got "${raw}")`);
      return raw;
    case "string":
      if (spec.pattern && !new RegExp(spec.pattern).test(raw))
        throw new UsageError(`${name} must match ${spec.pattern} (got "${raw}")`);
      return raw;
    default:
      return raw;
  }
}

/** Regions as given, or a usage error naming the flag, the region and the nearest known one. */
function checkedRegions(name: string, regions: string[]): string[] {
  for (const r of regions) {
    const problem = regionProblem(r);
    if (problem) throw new UsageError(`${name}: ${problem}`);
  }
  return regions;
}

function withBursts(
  rates: Partial<Record<string, { ratePerSecond: number; burst?: number }>>,
): ScanOptions["rates"] {
  const out: Partial<Record<string, Rate>> = {};
  for (const [service, r] of Object.entries(rates))
    if (r)
      out[service] = {
        ratePerSecond: r.ratePerSecond,
        burst: r.burst ?? Math.max(1, Math.ceil(r.ratePerSecond * 2)),
      };
  return out;
}

/**
 * `--rate SERVICE[:Operation]=PER_SECOND[/BURST]`, repeatable; each overrides that key's settings
 * entry. A service's rate applies to each of its quota buckets; an operation's to that API alone.
 */
function parseRates(flags: string[], fromSettings: unknown): ScanOptions["rates"] {
  const rates = {
    ...((fromSettings ?? {}) as Partial<Record<string, { ratePerSecond: number; burst?: number }>>),
  };
  for (const r of flags) {
    const m = /^([a-z0-9]+(?::[A-Z][A-Za-z0-9]+)?)=(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(r);
    if (!m || !new RegExp(RATE_KEY_PATTERN).test(m[1] as string)) {
      throw new UsageError(
        `--rate must look like SERVICE[:Operation]=PER_SECOND[/BURST] with SERVICE one of ${SERVICE_NAMES.join(", ")} (got "${r}")`,
      );
    }
    const ratePerSecond = Number(m[2]);
    const burst = m[3] ? Number(m[3]) : undefined;
    // A zero rate would never let a call through (and once spun in place).
    if (ratePerSecond <= 0 || burst === 0)
      throw new UsageError(`--rate ${r}: the rate and the burst must be more than 0 (got "${r}")`);
    rates[m[1] as string] = { ratePerSecond, ...(burst ? { burst } : {}) };
  }
  return withBursts(rates);
}

/** Where an option's value came from. */
export type OptionSource = "flag" | "settings" | "env" | "default";

/** A settings file's validated content (empty without one). */
export interface Settings {
  file?: string;
  data: JsonObject;
}

/** The settings in effect: `--config FILE`, none with `--no-config`, else ./dpscan.config.yaml if present. */
export function readSettings(config: string | false | undefined): Settings {
  const file =
    config === false
      ? undefined
      : (config ?? (existsSync(DEFAULT_SETTINGS_FILE) ? DEFAULT_SETTINGS_FILE : undefined));
  return file ? { file, data: loadSettingsFile(file) } : { data: {} };
}

/** An option's value from the environment variables it reads, checked like a flag's. */
function fromEnv(spec: Spec, env: NodeJS.ProcessEnv): unknown {
  const name = (spec.env ?? []).find((v) => env[v] !== undefined && env[v] !== "");
  if (name === undefined) return undefined;
  const value = env[name] as string;
  return spec.kind === "region" ? checkedRegions(name, [value])[0] : value;
}

/** Merge the settings file and flags (flags win) into validated options. */
export function resolveScanOptions(
  flags: ScanFlags,
  env: NodeJS.ProcessEnv = process.env,
  settingsGiven?: Settings,
): {
  options: ScanOptions;
  sources: Record<ScanOptionKey, OptionSource>;
  /** The options the user set (a flag or the settings file), not defaults or the environment. */
  given: ReadonlySet<ScanOptionKey>;
  settingsFile?: string;
  db?: string;
} {
  // Every problem of the settings file and the flags at once.
  const problems: string[] = [];
  const settings: Settings = settingsGiven ??
    collectProblems(problems, () => readSettings(flags.config)) ?? { data: {} };
  const values: Partial<Record<ScanOptionKey, unknown>> = {};
  const sources = {} as Record<ScanOptionKey, OptionSource>;
  const given = new Set<ScanOptionKey>();
  for (const [key, spec] of optionSpecs()) {
    const raw = spec.flag ? flags[flagAttribute(spec.flag)] : undefined;
    const fromSettings = spec.settings === false ? undefined : settings.data[key];
    const envValue = raw === undefined && fromSettings === undefined ? fromEnv(spec, env) : undefined;
    let value: unknown;
    if (spec.kind === "rates")
      value = collectProblems(problems, () => parseRates(Array.isArray(raw) ? raw : [], fromSettings));
    else if (raw !== undefined) value = collectProblems(problems, () => parseFlag(spec, raw));
    else if (fromSettings !== undefined) value = fromSettings;
    else value = envValue ?? spec.default;
    sources[key] =
      raw !== undefined && !(Array.isArray(raw) && raw.length === 0)
        ? "flag"
        : fromSettings !== undefined
          ? "settings"
          : envValue !== undefined
            ? "env"
            : "default";
    if (value !== undefined) values[key] = value;
    if ((raw !== undefined && !(Array.isArray(raw) && raw.length === 0)) || fromSettings !== undefined)
      given.add(key);
  }
  const options = values as ScanOptions;
  checkConsistency(options, problems);
  // A default home region may yet be replaced by the profile's (src/cli/scan.ts checks it then).
  if (sources.region !== "default") collectProblems(problems, () => checkPartitions(options));
  if (problems.length > 0) throw new InputError(problems);
  return {
    options,
    sources,
    given,
    ...(settings.file ? { settingsFile: settings.file } : {}),
    ...(typeof settings.data.db === "string" ? { db: settings.data.db } : {}),
  };
}

function checkConsistency(options: ScanOptions, problems: string[]): void {
  if (options.org && options.accounts) problems.push("use either --org or --accounts, not both");
  if (options.source === "config" && !options.aggregator)
    problems.push("--source config needs --aggregator NAME");
  if (options.org && !options.roleName)
    problems.push("--org needs --role-name: member accounts are scanned through a role");
  if (options.shard !== undefined) {
    try {
      parseShard(options.shard);
    } catch (err) {
      problems.push(`--shard: ${(err as Error).message}`);
    }
    if (!options.org && !options.accounts)
      problems.push("--shard splits the accounts of --org or --accounts; give one of them");
    if (options.source === "config")
      problems.push(
        "--shard splits API scans; --source config reads every account through one aggregator (see docs/scaling.md)",
      );
  }
}

/** One scan reaches one partition: the home region's and every scanned region's must agree. */
export function checkPartitions(options: ScanOptions): void {
  const partitions = partitionProblem([options.region, ...(options.regions ?? [])]);
  if (partitions)
    throw new UsageError(`--regions: ${partitions}; the home region (--region) is ${options.region}`);
}
