// The `serve:` section of the settings file: where the service listens, who may call it, what it
// scans when, and whom it tells. The schema is part of schemas/config.schema.json; a schedule's
// `scan:` takes the same keys as the file's top level (the scan options' one table).
import type { JsonObject } from "../model/resource.js";
import { SEVERITIES, type Severity } from "../model/severity.js";
import type { ScanOptions } from "../model/scan-options.js";

export const SERVE_DEFAULTS = {
  host: "127.0.0.1",
  port: 8900,
  /** Requests per minute per client address. */
  ratePerMinute: 300,
  /** Complete scans on the dashboard's trend chart. */
  trendScans: 10,
  jitterSeconds: 0,
} as const;

export const SCHEDULE_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";

export interface AfterActions {
  /** Write the scan's findings (CSV, JSON) and summary to `<reportsDir>/scan-<id>/`. */
  reportsDir?: string;
  /** Keep this many complete scans; older ones are deleted after each scan. */
  keepScans?: number;
}

export interface Schedule {
  name: string;
  /** Absent: run only when asked (POST /api/scans). */
  cron?: string;
  timezone?: string;
  jitterSeconds: number;
  options: ScanOptions;
  after: AfterActions;
}

export interface WebhookConfig {
  /** Never logged: a Slack webhook URL is itself a secret. */
  url: string;
  format: "json" | "slack";
  /** New FAIL findings at or above this severity notify. */
  minSeverity: Severity;
  /** A scan with more coverage gaps than the previous one notifies. */
  coverageDrop: boolean;
  /** Attempts after the first one. */
  retries: number;
}

export interface ServiceSettings {
  host: string;
  port: number;
  tokensFile?: string;
  ratePerMinute: number;
  trendScans: number;
  /** Browser origins (scheme://host[:port]) allowed to call the API; empty: no CORS at all. */
  corsOrigins: string[];
  schedules: Schedule[];
  webhooks: WebhookConfig[];
}

/** The `serve:` section as the settings file has it (validated by serveSettingsSchema). */
export interface ServeSection {
  host?: string;
  port?: number;
  tokensFile?: string;
  ratePerMinute?: number;
  trendScans?: number;
  cors?: { origins?: string[] };
  schedules?: {
    name: string;
    cron?: string;
    timezone?: string;
    jitterSeconds?: number;
    scan?: JsonObject;
    after?: AfterActions;
  }[];
  webhooks?: {
    url?: string;
    urlEnv?: string;
    format?: WebhookConfig["format"];
    minSeverity?: Severity;
    coverageDrop?: boolean;
    retries?: number;
  }[];
}

/** An origin as a browser sends it: scheme, host (a name or a bracketed IPv6 address), optional port. */
export const ORIGIN_PATTERN = "^https?://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$";

/** The `serve:` schema; `scanProperties` are the top-level scan options' schemas. */
export function serveSettingsSchema(scanProperties: JsonObject): JsonObject {
  const schedule: JsonObject = {
    type: "object",
    additionalProperties: false,
    required: ["name"],
    properties: {
      name: { type: "string", pattern: SCHEDULE_NAME_PATTERN, description: "used by POST /api/scans" },
      cron: {
        type: "string",
        description: "cron expression (5 fields, or 6 with seconds); none: only on request",
      },
      timezone: { type: "string", description: "IANA time zone of the cron expression (default: UTC)" },
      jitterSeconds: {
        type: "integer",
        minimum: 0,
        maximum: 86400,
        description: "start up to this many seconds after the slot, at random",
      },
      scan: {
        type: "object",
        additionalProperties: false,
        properties: scanProperties,
        description: "scan options for this schedule, over the file's top level",
      },
      after: {
        type: "object",
        additionalProperties: false,
        properties: {
          reportsDir: { type: "string", description: "write findings and summary under this folder" },
          keepScans: {
            type: "integer",
            minimum: 1,
            description: "prune as dpscan prune --keep N does (no VACUUM)",
          },
        },
      },
    },
  };
  const webhook: JsonObject = {
    type: "object",
    additionalProperties: false,
    oneOf: [{ required: ["url"] }, { required: ["urlEnv"] }],
    properties: {
      url: { type: "string", pattern: "^https?://", description: "receiver URL" },
      urlEnv: {
        type: "string",
        description: "environment variable holding the URL (keeps it out of the file)",
      },
      format: { enum: ["json", "slack"], description: "body: dpscan's JSON, or Slack's {text}" },
      minSeverity: { enum: [...SEVERITIES], description: "new FAIL findings at or above (default: high)" },
      coverageDrop: { type: "boolean", description: "notify when coverage gaps grow (default: true)" },
      retries: { type: "integer", minimum: 0, maximum: 10, description: "retries with backoff (default: 4)" },
    },
  };
  return {
    type: "object",
    additionalProperties: false,
    description: "dpscan serve: listener, tokens, schedules and webhooks",
    properties: {
      host: { type: "string", description: `listen address (default: ${SERVE_DEFAULTS.host})` },
      port: { type: "integer", minimum: 0, maximum: 65535, description: `(default: ${SERVE_DEFAULTS.port})` },
      tokensFile: { type: "string", description: "YAML file of API tokens (see docs/serve.md)" },
      ratePerMinute: { type: "integer", minimum: 1, description: "requests per minute per client" },
      trendScans: { type: "integer", minimum: 2, maximum: 100, description: "scans on the trend chart" },
      cors: {
        type: "object",
        additionalProperties: false,
        description: "cross-origin browser access to the API (default: none)",
        properties: {
          origins: {
            type: "array",
            uniqueItems: true,
            items: { type: "string", pattern: ORIGIN_PATTERN },
            description: "origins allowed to call the API, e.g. https://grafana.example.com",
          },
        },
      },
      schedules: { type: "array", items: schedule },
      webhooks: { type: "array", items: webhook },
    },
  };
}
