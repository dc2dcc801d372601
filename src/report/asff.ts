// `dpscan findings --format asff`: AWS Security Finding Format 2018-10-08, one line per
// BatchImportFindings request body ({"Findings": [...]}, at most 100 each). With the default
// (private) product ARN, Security Hub accepts a finding only from the account it concerns and in
// the region of the ARN, so each line holds one account and region: send it with that account's
// credentials, e.g. `aws securityhub batch-import-findings --cli-input-json "$line"`.
import { findingFingerprint, findingIdentity, WHOLE_SCOPE_ID, type FindingRow } from "../model/finding.js";
import { GLOBAL_REGION, RESOURCE_TYPES, type ResourceType } from "../model/resource-types.js";
import type { Severity, Status } from "../model/severity.js";
import type { WaiverRef } from "../model/waiver.js";
import type { FindingDocRow, ScanRow } from "../store/store.js";
import { clip } from "../util/text.js";
import { partitionOf } from "./ocsf.js";
import type { RuleInfo } from "./rule-info.js";

export const ASFF_SCHEMA_VERSION = "2018-10-08";
/** BatchImportFindings takes at most 100 findings per request. */
export const ASFF_BATCH = 100;

/** Security Hub's resource type names; other types are "Other". */
const ASFF_TYPES: Partial<Record<ResourceType, string>> = {
  [RESOURCE_TYPES.ebsVolume]: "AwsEc2Volume",
  [RESOURCE_TYPES.kmsKey]: "AwsKmsKey",
  [RESOURCE_TYPES.rdsInstance]: "AwsRdsDbInstance",
  [RESOURCE_TYPES.rdsCluster]: "AwsRdsDbCluster",
  [RESOURCE_TYPES.rdsSnapshot]: "AwsRdsDbSnapshot",
  [RESOURCE_TYPES.rdsClusterSnapshot]: "AwsRdsDbClusterSnapshot",
  [RESOURCE_TYPES.s3Bucket]: "AwsS3Bucket",
  [RESOURCE_TYPES.iamPolicy]: "AwsIamPolicy",
  [RESOURCE_TYPES.iamUser]: "AwsIamUser",
  [RESOURCE_TYPES.iamRole]: "AwsIamRole",
  [RESOURCE_TYPES.iamGroup]: "AwsIamGroup",
  [RESOURCE_TYPES.dynamodbTable]: "AwsDynamoDbTable",
  [RESOURCE_TYPES.secret]: "AwsSecretsManagerSecret",
  [RESOURCE_TYPES.cloudTrail]: "AwsCloudTrailTrail",
};

const COMPLIANCE: Record<Status, string> = { PASS: "PASSED", FAIL: "FAILED", UNKNOWN: "WARNING" };
const label = (s: Severity): string => (s === "info" ? "INFORMATIONAL" : s.toUpperCase());

/** The region a finding is imported into: its own, or the scan's home region for global and whole-account ones. */
function importRegion(f: FindingRow, homeRegion: string): string {
  return f.region === GLOBAL_REGION || f.region === WHOLE_SCOPE_ID ? homeRegion : f.region;
}

export function asffFinding(
  f: FindingDocRow,
  waiver: WaiverRef | null,
  scan: ScanRow,
  rule: RuleInfo | undefined,
  homeRegion: string,
): Record<string, unknown> {
  const region = importRegion(f, homeRegion);
  const partition = partitionOf(f.arn);
  const updated = scan.startedAt;
  const created = f.firstSeen ?? updated;
  // PASSED and WARNING results are informational (Security Hub's guidance); a FAIL has its severity.
  const severity = f.status === "FAIL" ? label(f.severity) : "INFORMATIONAL";
  const types = ["Software and Configuration Checks/AWS Security Best Practices"];
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: `dpscan/${f.ruleId}/${findingFingerprint(findingIdentity(f))}`,
    ProductArn: `arn:${partition}:securityhub:${region}:${f.accountId}:product/${f.accountId}/default`,
    GeneratorId: `dpscan/${f.ruleId}`,
    AwsAccountId: f.accountId,
    Types: types,
    CreatedAt: created,
    UpdatedAt: updated,
    FirstObservedAt: created,
    LastObservedAt: f.lastSeen ?? updated,
    Severity: { Label: severity, Original: f.severity },
    FindingProviderFields: { Severity: { Label: severity, Original: f.severity }, Types: types },
    Title: clip(rule?.title ?? f.ruleId, 256),
    Description: clip(f.message || (rule?.title ?? f.ruleId), 1024),
    ...remediation(rule),
    ProductFields: {
      "dpscan/status": f.status,
      "dpscan/scanId": String(scan.id),
      ...(f.lifecycle ? { "dpscan/lifecycle": f.lifecycle } : {}),
    },
    Resources: [
      {
        Type: ASFF_TYPES[f.resourceType as ResourceType] ?? "Other",
        Id: clip(f.arn ?? `${f.resourceType}/${f.resourceId}`, 512),
        Partition: partition,
        Region: region,
      },
    ],
    Compliance: { Status: COMPLIANCE[f.status] },
    RecordState: "ACTIVE",
    ...(waiver ? suppressed(waiver, updated) : {}),
  };
}

function remediation(rule: RuleInfo | undefined): Record<string, unknown> {
  if (!rule?.remediation) return {};
  const url = rule.helpUri ? { Url: rule.helpUri } : {};
  return { Remediation: { Recommendation: { Text: clip(rule.remediation, 512), ...url } } };
}

/** A waived finding: suppressed in Security Hub's workflow, with the waiver as its note. */
function suppressed(waiver: WaiverRef, at: string): Record<string, unknown> {
  return {
    Workflow: { Status: "SUPPRESSED" },
    Note: {
      Text: clip(`WAIVED until ${waiver.expires} by ${waiver.approver}: ${waiver.justification}`, 512),
      UpdatedBy: "dpscan",
      UpdatedAt: at,
    },
  };
}

/**
 * Findings held at once across bodies not yet full. Findings arrive in report order, so every
 * (account, region) has a body open: without a bound, an organisation's pairs times 99 findings
 * (about 2 KB each) stayed in memory: peak RSS 304 MB at 512k findings, 388 MB at 1M.
 */
export const ASFF_PENDING = 20_000;

/** Findings grouped into request bodies: one account and region per body, at most 100 findings. */
export function* asffBatches<F extends FindingRow>(
  findings: Iterable<F>,
  toAsff: (f: F) => Record<string, unknown>,
  homeRegion: string,
  maxPending = ASFF_PENDING,
): Generator<{ Findings: Record<string, unknown>[] }> {
  const groups = new Map<string, Record<string, unknown>[]>();
  let pending = 0;
  for (const f of findings) {
    const key = `${f.accountId}/${importRegion(f, homeRegion)}`;
    const group = groups.get(key) ?? [];
    group.push(toAsff(f));
    groups.set(key, group);
    pending++;
    if (group.length === ASFF_BATCH) {
      yield { Findings: group };
      groups.delete(key);
      pending -= group.length;
    } else if (pending >= maxPending) {
      // The fullest open bodies go early (BatchImportFindings takes 1 to 100) until half the bound
      // is free: memory stays bounded, requests stay near full. With fewer than maxPending / 100
      // pairs this never happens.
      for (const [k, open] of [...groups].sort((x, y) => y[1].length - x[1].length)) {
        if (pending <= maxPending / 2) break;
        yield { Findings: open };
        groups.delete(k);
        pending -= open.length;
      }
    }
  }
  for (const group of groups.values()) if (group.length > 0) yield { Findings: group };
}
