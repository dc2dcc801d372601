// Options of `dpscan scan`: from dpscan.config.yaml (validated against schemas/config.schema.json),
// overridden by flags. One definition of every option, its type and its default.
import { existsSync } from "node:fs";
import { Ajv } from "ajv";
import type { JsonObject } from "../model/resource.js";
import { InputError, UsageError } from "../util/errors.js";
import { formatPath, readSourceFile, type PathSegment } from "../util/yaml-source.js";
import { CLIENTS, type ServiceName } from "../aws/services.js";
import type { ScanOptions } from "../model/scan-options.js";

export type { ScanOptions };

export const DEFAULT_CONFIG_FILE = "dpscan.config.yaml";

const accountId = { type: "string", pattern: "^\\d{12}$" };
const region = { type: "string", pattern: "^[a-z]{2}(-[a-z]+)+-\\d$" };

export const CONFIG_SCHEMA: JsonObject = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://dpscan.dev/schemas/config.schema.json",
  title: "dpscan configuration (dpscan.config.yaml)",
  type: "object",
  additionalProperties: false,
  properties: {
    db: { type: "string", description: "SQLite database file" },
    profile: { type: "string", description: "AWS shared-config profile for the caller's credentials" },
    endpointUrl: {
      type: "string",
      description: "Custom endpoint for every service (simulator, LocalStack, moto)",
    },
    region: { ...region, description: "Home region: global services, discovery and STS" },
    accounts: { type: "array", items: accountId, description: "Accounts to scan (default: the caller's)" },
    org: { type: "boolean", description: "Scan every ACTIVE account of the AWS Organization" },
    excludeAccounts: { type: "array", items: accountId },
    roleName: { type: "string", description: "Role to assume in member accounts" },
    externalId: { type: "string" },
    roleSessionName: { type: "string", pattern: "^[\\w+=,.@-]{2,64}$" },
    sessionDuration: { type: "integer", minimum: 900, maximum: 43200 },
    regions: { type: "array", items: region, description: "Regions to scan (default: every enabled region)" },
    services: { type: "array", items: { type: "string" }, description: "Collectors to run (default: all)" },
    concurrency: {
      type: "integer",
      minimum: 1,
      maximum: 512,
      description: "API calls in flight across the scan",
    },
    accountConcurrency: { type: "integer", minimum: 1, maximum: 256 },
    rates: {
      type: "object",
      propertyNames: { enum: Object.keys(CLIENTS) },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        required: ["ratePerSecond"],
        properties: {
          ratePerSecond: { type: "number", exclusiveMinimum: 0 },
          burst: { type: "integer", minimum: 1 },
        },
      },
    },
    requireFullCoverage: { type: "boolean" },
    logFormat: { enum: ["text", "json"] },
    source: { enum: ["api", "config"] },
    aggregator: { type: "string" },
    enrich: { type: "boolean" },
    params: {
      type: "object",
      description: "Rule parameter overrides: {ruleId: {parameter: value}}",
      additionalProperties: { type: "object" },
    },
  },
};

const validateConfig = new Ajv({ allErrors: true, strict: false }).compile(CONFIG_SCHEMA);

/** Load and validate a config file; errors name file, line, column and field. */
export function loadConfigFile(file: string): JsonObject {
  const src = readSourceFile(file);
  const data = src.data ?? {};
  if (!validateConfig(data)) {
    const lines = (validateConfig.errors ?? []).map((e) => {
      const path: PathSegment[] = e.instancePath
        .split("/")
        .slice(1)
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      const p = e.params as Record<string, unknown>;
      if (e.keyword === "additionalProperties") {
        const key = String(p.additionalProperty);
        return `${src.where(path, key)}: ${formatPath([...path, key])}: unknown option "${key}"`;
      }
      return `${src.where(path)}: ${formatPath(path)}: ${e.message ?? e.keyword}`;
    });
    throw new InputError([...new Set(lines)]);
  }
  return data as JsonObject;
}

export interface ScanFlags {
  /** A file, or false for --no-config. */
  config?: string | false;
  quiet?: boolean;
  profile?: string;
  endpointUrl?: string;
  region?: string;
  accounts?: string;
  org?: boolean;
  excludeAccounts?: string;
  roleName?: string;
  externalId?: string;
  roleSessionName?: string;
  sessionDuration?: string;
  regions?: string;
  services?: string;
  concurrency?: string;
  accountConcurrency?: string;
  rate?: string[];
  requireFullCoverage?: boolean;
  logFormat?: string;
  progress?: boolean;
  source?: string;
  aggregator?: string;
  enrich?: boolean;
}

const list = (v: string | undefined): string[] | undefined =>
  v === undefined
    ? undefined
    : v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);

/** Merge config file and flags (flags win) into validated options. */
export function resolveScanOptions(
  flags: ScanFlags,
  env: NodeJS.ProcessEnv = process.env,
): { options: ScanOptions; configFile?: string; db?: string } {
  const configFile =
    flags.config === false
      ? undefined
      : (flags.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined));
  const cfg = configFile ? loadConfigFile(configFile) : {};
  const pick = <T>(flag: T | undefined, key: string): T | undefined =>
    flag !== undefined ? flag : (cfg[key] as T | undefined);
  const int = (name: string, v: string | undefined, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const rates: ScanOptions["rates"] = { ...((cfg.rates ?? {}) as unknown as ScanOptions["rates"]) };
  for (const r of flags.rate ?? []) {
    const m = /^([a-z0-9]+)=(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(r);
    if (!m || !((m[1] as string) in CLIENTS)) {
      throw new UsageError(
        `--rate must look like SERVICE=PER_SECOND[/BURST] with SERVICE one of ${Object.keys(CLIENTS).join(", ")} (got "${r}")`,
      );
    }
    const perSecond = Number(m[2]);
    rates[m[1] as ServiceName] = {
      ratePerSecond: perSecond,
      burst: m[3] ? Number(m[3]) : Math.max(1, Math.ceil(perSecond * 2)),
    };
  }
  for (const v of Object.values(rates))
    if (v && v.burst === undefined) v.burst = Math.max(1, Math.ceil(v.ratePerSecond * 2));
  const accounts = list(flags.accounts) ?? (cfg.accounts as string[] | undefined);
  for (const a of accounts ?? [])
    if (!/^\d{12}$/.test(a)) throw new UsageError(`--accounts: "${a}" is not a 12-digit account ID`);
  const regions = list(flags.regions) ?? (cfg.regions as string[] | undefined);
  const org = pick(flags.org, "org") ?? false;
  if (org && accounts) throw new UsageError("use either --org or --accounts, not both");
  const source = (pick(flags.source, "source") ?? "api") as string;
  if (source !== "api" && source !== "config")
    throw new UsageError(`--source must be api or config (got "${source}")`);
  const aggregator = pick(flags.aggregator, "aggregator");
  if (source === "config" && !aggregator) throw new UsageError("--source config needs --aggregator NAME");
  const logFormat = (pick(flags.logFormat, "logFormat") ?? "text") as string;
  if (logFormat !== "text" && logFormat !== "json")
    throw new UsageError(`--log-format must be text or json (got "${logFormat}")`);
  const options: ScanOptions = {
    ...opt("profile", pick(flags.profile, "profile")),
    ...opt("endpointUrl", pick(flags.endpointUrl, "endpointUrl")),
    region: pick(flags.region, "region") ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    ...opt("accounts", accounts),
    org,
    excludeAccounts: list(flags.excludeAccounts) ?? (cfg.excludeAccounts as string[] | undefined) ?? [],
    ...opt("roleName", pick(flags.roleName, "roleName")),
    ...opt("externalId", pick(flags.externalId, "externalId")),
    roleSessionName: pick(flags.roleSessionName, "roleSessionName") ?? "dpscan",
    sessionDuration:
      int("session-duration", flags.sessionDuration, 900, 43200) ??
      (cfg.sessionDuration as number | undefined) ??
      3600,
    ...opt("regions", regions),
    ...opt("services", list(flags.services) ?? (cfg.services as string[] | undefined)),
    concurrency:
      int("concurrency", flags.concurrency, 1, 512) ?? (cfg.concurrency as number | undefined) ?? 32,
    accountConcurrency:
      int("account-concurrency", flags.accountConcurrency, 1, 256) ??
      (cfg.accountConcurrency as number | undefined) ??
      8,
    rates,
    requireFullCoverage: pick(flags.requireFullCoverage, "requireFullCoverage") ?? false,
    logFormat,
    progress: flags.progress ?? true,
    quiet: flags.quiet ?? false,
    source,
    ...opt("aggregator", aggregator),
    enrich: pick(flags.enrich, "enrich") ?? false,
    params: (cfg.params ?? {}) as ScanOptions["params"],
  };
  if (options.org && !options.roleName)
    throw new UsageError("--org needs --role-name: member accounts are scanned through a role");
  return {
    options,
    ...(configFile ? { configFile } : {}),
    ...(typeof cfg.db === "string" ? { db: cfg.db } : {}),
  };
}

function opt<K extends string, V>(key: K, v: V | undefined): Partial<Record<K, V>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, V>);
}

export function describePath(path: PathSegment[]): string {
  return formatPath(path);
}
