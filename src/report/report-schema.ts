// The JSON report's schema (schemas/report.schema.json, `dpscan schema report`), written next to
// the model's types (src/report/model.ts); test/report/json.test.ts validates real output with it.
import type { JsonObject } from "../model/resource.js";
import type { CoverageScope, CoverageStatus } from "../model/coverage.js";
import { SEVERITIES, STATUSES } from "../model/severity.js";
import { REPORT_FORMAT_VERSION, REPORT_SCHEMA_ID, REQUIREMENT_STATUSES } from "./model.js";
import { SCOPE_NOTES } from "./scope.js";

const str: JsonObject = { type: "string" };
// Records keyed by the unions, so a new scope or status fails to compile until it is listed here.
const SCOPES: Record<CoverageScope, true> = { region: true, account: true, aggregator: true };
const COVERAGE: Record<CoverageStatus, true> = { ok: true, denied: true, failed: true, skipped: true };
const nullable = (s: JsonObject): JsonObject => ({ anyOf: [s, { type: "null" }] });
const strings: JsonObject = { type: "array", items: str };
const indexes: JsonObject = { type: "array", items: { type: "integer", minimum: 0 } };

function object(properties: Record<string, JsonObject>, description?: string): JsonObject {
  return {
    type: "object",
    additionalProperties: false,
    required: Object.keys(properties),
    properties,
    ...(description ? { description } : {}),
  };
}

const counts = object({ FAIL: { type: "integer" }, UNKNOWN: { type: "integer" }, PASS: { type: "integer" } });
const statusCounts = object(Object.fromEntries(REQUIREMENT_STATUSES.map((s) => [s, { type: "integer" }])));
const status: JsonObject = { enum: [...STATUSES] };
const severity: JsonObject = { enum: [...SEVERITIES] };
const failing: JsonObject = { enum: ["FAIL", "UNKNOWN"] };

const finding = object({
  identity: { ...str, description: "rule|account|region|resource: the same finding in every scan" },
  ruleId: str,
  status,
  severity,
  resourceType: str,
  resourceId: str,
  arn: nullable(str),
  accountId: str,
  region: str,
  message: str,
  scopeNote: { enum: [...Object.keys(SCOPE_NOTES), null] },
  previousStatus: { enum: ["FAIL", "UNKNOWN", null] },
  isNew: { type: "boolean" },
});

const resolved = object({
  identity: str,
  ruleId: str,
  previousStatus: failing,
  resourceType: str,
  resourceId: str,
  arn: nullable(str),
  accountId: str,
  region: str,
  previousMessage: str,
  status: { enum: ["PASS", null] },
});

const gap = object({
  accountId: str,
  region: str,
  scope: { enum: Object.keys(SCOPES) },
  service: str,
  operation: str,
  status: { enum: Object.keys(COVERAGE) },
  errorCode: nullable(str),
  errorMessage: nullable(str),
  resourceTypes: strings,
});

const requirement = object({
  id: str,
  title: str,
  description: nullable(str),
  depth: { type: "integer", minimum: 0 },
  parentId: nullable(str),
  kind: { enum: ["rules", "manual", "heading"] },
  status: { enum: [...REQUIREMENT_STATUSES, null] },
  reasons: strings,
  rules: strings,
  sources: strings,
  rationale: nullable(str),
  limits: nullable(str),
  manual: nullable(str),
  counts,
  findings: { ...indexes, description: "Indexes into findings" },
  gaps: { ...indexes, description: "Indexes into gaps" },
  resolved: { ...indexes, description: "Indexes into resolved" },
  newFindings: { type: "integer" },
  rollup: nullable(statusCounts),
});

const rule = object({
  id: str,
  title: str,
  severity,
  sha256: nullable(str),
  changedSinceScan: { type: "boolean" },
  resourceTypes: strings,
  remediation: str,
  counts,
});

export function reportSchema(): JsonObject {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: REPORT_SCHEMA_ID,
    title: "dpscan compliance report (dpscan report --format json)",
    ...object({
      $schema: { const: REPORT_SCHEMA_ID },
      formatVersion: { const: REPORT_FORMAT_VERSION },
      dpscanVersion: str,
      framework: object({
        id: str,
        title: str,
        standard: str,
        version: str,
        publisher: str,
        url: str,
        description: str,
        file: str,
        sha256: str,
        sources: { type: "array", items: object({ id: str, title: str, url: str }) },
        decisions: strings,
      }),
      scan: object({
        id: { type: "integer" },
        kind: str,
        status: str,
        source: str,
        startedAt: str,
        finishedAt: nullable(str),
        dpscanVersion: str,
        ruleSetSha256: str,
        ruleCount: { type: "integer" },
      }),
      previousScan: nullable(object({ id: { type: "integer" }, startedAt: str })),
      scope: object({
        accounts: nullable(strings),
        regions: nullable(strings),
        tags: { type: "array", items: object({ key: str, value: str }) },
        accountsSeen: strings,
        regionsSeen: strings,
        services: strings,
      }),
      summary: object({
        requirements: statusCounts,
        findings: counts,
        gaps: { type: "integer" },
        newFindings: { type: "integer" },
        resolvedFindings: { type: "integer" },
      }),
      rules: { type: "array", items: rule },
      requirements: { type: "array", items: requirement },
      findings: { type: "array", items: finding },
      resolved: { type: "array", items: resolved },
      gaps: { type: "array", items: gap },
    }),
  };
}
