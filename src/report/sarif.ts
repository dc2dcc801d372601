// `dpscan gate --sarif FILE`: SARIF 2.1.0 for code-scanning UIs. Every FAIL and UNKNOWN result of
// the gated scan, with its rule's metadata and help, a fingerprint of its identity (stable across
// scans, so a UI tracks one alert per finding and closes it when the finding is gone), its
// baseline state under --new-only, and a suppression for a waived result. A FAIL is kind "fail"
// at its severity's level; an UNKNOWN is kind "review" (it needs a person, it is not a pass).
// Coverage gaps are tool notifications. Results are written as they are read from the store, never
// held (a scan may have hundreds of thousands). Validated in tests against the official 2.1.0 schema.
import { findingFingerprint, type FindingRow } from "../model/finding.js";
import type { JsonObject } from "../model/resource.js";
import type { Severity } from "../model/severity.js";
import { VERSION } from "../version.js";
import { judged, type GateCriteria, type GateDecision, type GateItem } from "./gate.js";
import { JsonStream, prettyJson } from "./json-stream.js";
import type { RuleInfo } from "./rule-info.js";

export const SARIF_SCHEMA =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/** The key of dpscan's fingerprint in `fingerprints` and `partialFingerprints`. */
export const FINGERPRINT_KEY = "dpscanFindingIdentity/v1";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

/** GitHub's scale: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.0",
};

const pascal = (id: string): string =>
  id
    .split("-")
    .map((p) => (p[0] ?? "").toUpperCase() + p.slice(1))
    .join("");

function sarifRule(r: RuleInfo): JsonObject {
  const help = [r.remediation ?? `See the rule ${r.id}.`, ...(r.references.urls ?? [])].join("\n\n");
  const markdown = [
    r.rationale ? `**Why:** ${r.rationale}` : "",
    r.remediation ? `**Remediation:** ${r.remediation}` : `See the rule \`${r.id}\`.`,
    ...(r.references.urls ?? []).map((u) => `- <${u}>`),
  ]
    .filter(Boolean)
    .join("\n\n");
  return {
    id: r.id,
    name: pascal(r.id),
    shortDescription: { text: r.title },
    ...(r.description ? { fullDescription: { text: r.description } } : {}),
    help: { text: help, markdown },
    ...(r.helpUri ? { helpUri: r.helpUri } : {}),
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: {
      tags: ["security", "data-protection", "aws"],
      precision: "high",
      "security-severity": SECURITY_SEVERITY[r.severity],
      severity: r.severity,
    },
  };
}

/** A location a code-scanning UI accepts for a cloud resource: a relative URI naming it, and the resource itself. */
function location(f: FindingRow): JsonObject {
  const path = [f.accountId, f.region, f.resourceType, f.resourceId].map(encodeURIComponent).join("/");
  return {
    physicalLocation: { artifactLocation: { uri: `aws/${path}` } },
    logicalLocations: [
      {
        name: f.resourceId,
        fullyQualifiedName: f.arn ?? `${f.accountId}/${f.region}/${f.resourceType}/${f.resourceId}`,
        kind: "resource",
      },
    ],
  };
}

function result(i: GateItem, ruleIndex: number, criteria: GateCriteria): JsonObject {
  const f = i.finding;
  const fingerprint = findingFingerprint(i.identity);
  const fail = f.status === "FAIL";
  return {
    ruleId: f.ruleId,
    ...(ruleIndex >= 0 ? { ruleIndex } : {}),
    kind: fail ? "fail" : "review",
    level: fail ? LEVEL[f.severity] : "none",
    message: { text: fail ? f.message : `Could not be verified: ${f.message}` },
    locations: [location(f)],
    fingerprints: { [FINGERPRINT_KEY]: fingerprint },
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint },
    ...(criteria.baseline ? { baselineState: i.isNew ? "new" : "unchanged" } : {}),
    ...(i.waiver
      ? {
          suppressions: [
            {
              kind: "external",
              status: "accepted",
              justification: `${i.waiver.justification} (approved by ${i.waiver.approver}, until ${i.waiver.expires}; ${i.waiver.source})`,
            },
          ],
        }
      : {}),
    properties: {
      status: f.status,
      severity: f.severity,
      accountId: f.accountId,
      region: f.region,
      resourceType: f.resourceType,
      ...(f.arn ? { arn: f.arn } : {}),
      blocking: i.counts,
      lifecycle: f.lifecycle,
      firstSeen: f.firstSeen,
    },
  };
}

/** The rules as the document lists them; a result's ruleIndex is its rule's place here. */
const sarifRules = (rules: Map<string, RuleInfo>): RuleInfo[] =>
  [...rules.values()].sort((a, b) => a.id.localeCompare(b.id));

/** Each rule's ruleIndex in the document of these rules. */
export function sarifRuleIndex(rules: Map<string, RuleInfo>): Map<string, number> {
  return new Map(sarifRules(rules).map((r, i) => [r.id, i]));
}

/** One result's text, as the document's results array holds it (before its indentation there). */
export function sarifResultText(i: GateItem, index: Map<string, number>, criteria: GateCriteria): string {
  return JSON.stringify(result(i, index.get(i.finding.ruleId) ?? -1, criteria), null, 2);
}

function* results(d: GateDecision, index: Map<string, number>): Generator<string> {
  for (const i of judged(d)) yield sarifResultText(i, index, d.criteria);
}

/**
 * The document, in chunks. Its results are read from the store one at a time, or are `spooled`:
 * the texts sarifResultText made of them, in report order, while the decision read them.
 */
export function* gateSarif(
  d: GateDecision,
  rules: Map<string, RuleInfo>,
  spooled?: Iterable<string>,
): Generator<string> {
  const ruleList = sarifRules(rules);
  const index = sarifRuleIndex(rules);
  const notifications = d.gaps.map((g) => ({
    level: "warning",
    message: {
      text: `Not checked: ${g.service}:${g.operation} ${g.status} in ${g.accountId}/${g.region} (${g.errorCode ?? "error"}${g.errorMessage ? `: ${g.errorMessage}` : ""})`,
    },
  }));
  const doc = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "dpscan",
            version: VERSION,
            semanticVersion: VERSION,
            rules: ruleList.map(sarifRule),
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            exitCode: d.exitCode,
            ...(d.reasons.length > 0 ? { exitCodeDescription: d.reasons.join("; ") } : {}),
            startTimeUtc: d.scan.startedAt,
            ...(d.scan.finishedAt ? { endTimeUtc: d.scan.finishedAt } : {}),
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results: new JsonStream(spooled ?? results(d, index), true),
        properties: {
          scanId: d.scan.id,
          failOn: d.criteria.failOn,
          baseline: d.criteria.baseline?.label ?? null,
        },
      },
    ],
  };
  yield* prettyJson(doc);
  yield "\n";
}
