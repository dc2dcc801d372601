// Every option of a scan, defined once: its settings-file key, command-line flag, type, range,
// default and help. The commander options (src/cli/scan.ts), the settings-file schema, the flag
// parser (src/cli/scan-options.ts) and the `ScanOptions` type below are all derived from this
// table, so no option has a second default or a second spelling.
import { DEFAULT_RATE_SHARE } from "./quotas.js";

/** Client-side pacing of one service per account and region. */
export interface Rate {
  ratePerSecond: number;
  burst: number;
}

type Kind =
  | "string"
  | "boolean"
  | "integer"
  | "fraction"
  | "accountList"
  | "regionList"
  | "list"
  | "enum"
  | "rates"
  | "params"
  | "region";

interface OptionSpec {
  kind: Kind;
  /** commander's flag syntax; absent for settings-file-only options. */
  flag?: string;
  doc: string;
  default?: unknown;
  /** Environment variables read (in order) before the default. */
  env?: readonly string[];
  min?: number;
  max?: number;
  values?: readonly string[];
  pattern?: string;
  /** false: only a flag (how this run reports), never in the settings file or a stored scan's scope. */
  settings?: boolean;
  /** Never stored or shown as given: a secret, or a URL that may carry user:password. */
  redact?: "secret" | "url";
}

export const ACCOUNT_ID_PATTERN = "^\\d{12}$";
/** The shape of a region name (schemas); the names themselves are checked against src/aws/regions.ts. */
export const REGION_PATTERN = "^[a-z]{2}(-[a-z]+)+-\\d$";

export const SCAN_OPTIONS = {
  profile: {
    kind: "string",
    flag: "--profile <name>",
    doc: "AWS shared-config profile for the caller's credentials",
  },
  endpointUrl: {
    kind: "string",
    flag: "--endpoint-url <url>",
    doc: "custom endpoint for every service (simulator, LocalStack, moto)",
    redact: "url",
  },
  region: {
    kind: "region",
    flag: "--region <region>",
    doc: "home region for global services, discovery and STS",
    env: ["AWS_REGION", "AWS_DEFAULT_REGION"],
    default: "us-east-1",
  },
  accounts: {
    kind: "accountList",
    flag: "--accounts <ids>",
    doc: "comma-separated account IDs (default: the caller's account)",
  },
  org: {
    kind: "boolean",
    flag: "--org",
    doc: "every ACTIVE account of the organisation (organizations:ListAccounts)",
    default: false,
  },
  excludeAccounts: {
    kind: "accountList",
    flag: "--exclude-accounts <ids>",
    doc: "accounts to leave out",
    default: [],
  },
  shard: {
    kind: "string",
    flag: "--shard <k/n>",
    doc: "scan only shard K of N (K from 0) of the --org or --accounts accounts, split by a stable hash of the account ID; `dpscan merge` joins the shards",
    pattern: "^\\d{1,4}/\\d{1,4}$",
  },
  roleName: { kind: "string", flag: "--role-name <name>", doc: "role to assume in member accounts" },
  externalId: {
    kind: "string",
    flag: "--external-id <id>",
    doc: "ExternalId the role requires",
    redact: "secret",
  },
  roleSessionName: {
    kind: "string",
    flag: "--role-session-name <name>",
    doc: "role session name",
    pattern: "^[\\w+=,.@-]{2,64}$",
    default: "dpscan",
  },
  sessionDuration: {
    kind: "integer",
    flag: "--session-duration <seconds>",
    doc: "role session length in seconds (refreshed before expiry)",
    min: 900,
    max: 43200,
    default: 3600,
  },
  regions: {
    kind: "regionList",
    flag: "--regions <names>",
    doc: "comma-separated regions (default: every region enabled in each account)",
  },
  services: {
    kind: "list",
    flag: "--services <names>",
    doc: "collectors to run (default: all)",
  },
  concurrency: {
    kind: "integer",
    flag: "--concurrency <n>",
    doc: "API calls in flight across the scan",
    min: 1,
    max: 512,
    default: 32,
  },
  accountConcurrency: {
    kind: "integer",
    flag: "--account-concurrency <n>",
    doc: "accounts collected at once",
    min: 1,
    max: 256,
    default: 8,
  },
  workers: {
    kind: "string",
    flag: "--workers <n|auto>",
    doc: "worker threads collecting accounts in parallel (auto: one per core, at most one per account; 1: no worker thread); --concurrency and --account-concurrency are split among them",
    pattern: "^(auto|[1-9][0-9]{0,2})$",
    // 1 until a quiet-machine bench shows workers faster (bench/README.md, "Collection on several cores").
    default: "1",
  },
  judgeWorkers: {
    kind: "string",
    flag: "--judge-workers <n|auto>",
    doc: "worker threads judging a scan of 20,000 resources or more, each reading the database while the main thread writes the findings (auto: one per core but the main thread's, at most 8; 0: in-process)",
    pattern: "^(auto|[0-9]{1,2})$",
    default: "auto",
  },
  rateShare: {
    kind: "fraction",
    flag: "--rate-share <fraction>",
    doc: "share of each AWS request quota a scan takes per account/region (the rest is left to production)",
    min: 0,
    max: 1,
    default: DEFAULT_RATE_SHARE,
  },
  rates: {
    kind: "rates",
    flag: "--rate <service[:Operation]=rps[/burst]...>",
    doc: "client-side rate per account/region for each of a service's quota buckets, or for one operation (repeatable; overrides --rate-share)",
    default: {},
  },
  requireFullCoverage: {
    kind: "boolean",
    flag: "--require-full-coverage",
    doc: "exit 3 when any unit was denied or failed",
    default: false,
  },
  logFormat: {
    kind: "enum",
    flag: "--log-format <format>",
    doc: "log lines when not on a terminal",
    values: ["text", "json"],
    default: "text",
  },
  progress: {
    kind: "boolean",
    flag: "--no-progress",
    doc: "no progress line on a terminal (log lines instead)",
    default: true,
    settings: false,
  },
  quiet: {
    kind: "boolean",
    flag: "-q, --quiet",
    doc: "no progress line and no log lines; only the summary",
    default: false,
    settings: false,
  },
  source: {
    kind: "enum",
    flag: "--source <source>",
    doc: "where resources come from (the service APIs, or an AWS Config aggregator)",
    values: ["api", "config"],
    default: "api",
  },
  aggregator: {
    kind: "string",
    flag: "--aggregator <name>",
    doc: "AWS Config aggregator for --source config",
  },
  enrich: {
    kind: "boolean",
    flag: "--enrich",
    doc: "with --source config: fetch facts AWS Config does not record (key policies, rotation)",
    default: false,
  },
  params: {
    kind: "params",
    doc: "rule parameter overrides: {ruleId: {parameter: value}}",
    default: {},
  },
  rules: {
    kind: "string",
    flag: "--rules <dir>",
    doc: "rules directory, for custom rules (default: the built-in rules)",
  },
  rule: {
    kind: "list",
    flag: "--rule <ids>",
    doc: "only these rules (comma-separated IDs)",
  },
  excludeRule: {
    kind: "list",
    flag: "--exclude-rule <ids>",
    doc: "leave out these rules (comma-separated IDs)",
    default: [],
  },
} as const satisfies Record<string, OptionSpec>;

export type ScanOptionKey = keyof typeof SCAN_OPTIONS;

type ValueOf<S> = S extends { kind: "boolean" }
  ? boolean
  : S extends { kind: "integer" | "fraction" }
    ? number
    : S extends { kind: "accountList" | "regionList" | "list" }
      ? string[]
      : S extends { kind: "enum"; values: readonly (infer V)[] }
        ? V
        : S extends { kind: "rates" }
          ? Partial<Record<string, Rate>>
          : S extends { kind: "params" }
            ? Record<string, Record<string, unknown>>
            : string;

type Table = typeof SCAN_OPTIONS;
type WithDefault = { [K in keyof Table]: Table[K] extends { default: unknown } ? K : never }[keyof Table];
type WithoutDefault = Exclude<keyof Table, WithDefault>;

/** The options of one scan, as the pipeline below the CLI reads them. */
export type ScanOptions = { [K in WithDefault]: ValueOf<Table[K]> } & {
  [K in WithoutDefault]?: ValueOf<Table[K]>;
};

/** The table's entries, typed loosely for the code that walks it. */
export function optionSpecs(): [ScanOptionKey, OptionSpec][] {
  return Object.entries(SCAN_OPTIONS) as [ScanOptionKey, OptionSpec][];
}

/** What stands in for a redacted value in stored options. */
export const REDACTED = "(redacted)";

/** A URL without its user:password part (kept as a marker that there was one). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, `$1${REDACTED}@`);
}

/**
 * The options as a database or a log may keep them: the ExternalId (NoEcho in the shipped
 * template) and credentials inside endpoint URLs are replaced by REDACTED.
 */
export function redactOptions(o: ScanOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  for (const [key, spec] of optionSpecs()) {
    const v = out[key];
    if (typeof v !== "string" || !spec.redact) continue;
    out[key] = spec.redact === "secret" ? REDACTED : redactUrl(v);
  }
  return out;
}

/** Whether a stored value was redacted (so a resumed scan must be given it again). */
export const wasRedacted = (v: unknown): boolean => typeof v === "string" && v.includes(REDACTED);
