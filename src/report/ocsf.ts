// `dpscan findings --format ocsf`: one OCSF Compliance Finding (class 2003, schema 1.8.0) per
// line. The rule is the compliance control and the finding's analytic; the lifecycle gives
// first/last seen and the activity (Create for a finding this scan opened, Update otherwise); a
// waived finding is Suppressed. dpscan's own fields (identity, evidence, waiver) go in `unmapped`.
import { findingFingerprint, findingIdentity } from "../model/finding.js";
import type { Severity, Status } from "../model/severity.js";
import type { WaiverRef } from "../model/waiver.js";
import type { FindingDocRow, ScanRow } from "../store/store.js";
import { VERSION } from "../version.js";
import type { RuleInfo } from "./rule-info.js";

export const OCSF_VERSION = "1.8.0";
const CLASS_UID = 2003;

const SEVERITY_ID: Record<Severity, [number, string]> = {
  info: [1, "Informational"],
  low: [2, "Low"],
  medium: [3, "Medium"],
  high: [4, "High"],
  critical: [5, "Critical"],
};

/** OCSF compliance.status_id: 1 Pass, 2 Warning (no result: missing information), 3 Fail. */
const COMPLIANCE: Record<Status, [number, string]> = {
  PASS: [1, "Pass"],
  UNKNOWN: [2, "Warning"],
  FAIL: [3, "Fail"],
};

const ms = (iso: string): number => Date.parse(iso);

export function ocsfFinding(
  f: FindingDocRow,
  waiver: WaiverRef | null,
  scan: ScanRow,
  rule: RuleInfo | undefined,
): Record<string, unknown> {
  const identity = findingIdentity(f);
  const opened = f.lifecycle === "new" || f.lifecycle === "reopened";
  const [activityId, activity] = opened ? [1, "Create"] : [2, "Update"];
  const [severityId, severity] = SEVERITY_ID[f.severity];
  const [statusId, status] = waiver ? [3, "Suppressed"] : f.status === "PASS" ? [4, "Resolved"] : [1, "New"];
  const [complianceId, compliance] = COMPLIANCE[f.status];
  return {
    activity_id: activityId,
    activity_name: activity,
    category_uid: 2,
    category_name: "Findings",
    class_uid: CLASS_UID,
    class_name: "Compliance Finding",
    type_uid: CLASS_UID * 100 + activityId,
    type_name: `Compliance Finding: ${activity}`,
    severity_id: severityId,
    severity,
    status_id: statusId,
    status,
    time: ms(scan.startedAt),
    message: f.message,
    metadata: {
      version: OCSF_VERSION,
      product: { name: "dpscan", vendor_name: "dpscan", version: VERSION },
      log_name: "findings",
      uid: `${scan.id}/${f.id}`,
    },
    cloud: {
      provider: "AWS",
      ...(f.region === "global" || f.region === "*" ? {} : { region: f.region }),
      account: { uid: f.accountId, type_id: 10, type: "AWS Account" },
    },
    finding_info: findingInfo(f, identity, rule),
    compliance: { status_id: complianceId, status: compliance, control: f.ruleId },
    resources: [resource(f)],
    ...(rule?.remediation ? { remediation: { desc: rule.remediation } } : {}),
    unmapped: {
      dpscan: {
        identity,
        status: f.status,
        lifecycle: { state: f.lifecycle, firstSeen: f.firstSeen, lastSeen: f.lastSeen },
        evidence: f.evidence,
        waiver,
        scanId: scan.id,
      },
    },
  };
}

export function partitionOf(arn: string | null): string {
  return arn?.split(":")[1] || "aws";
}

function findingInfo(
  f: FindingDocRow,
  identity: string,
  rule: RuleInfo | undefined,
): Record<string, unknown> {
  return {
    uid: findingFingerprint(identity),
    title: rule?.title ?? f.ruleId,
    desc: f.message,
    analytic: { uid: f.ruleId, name: f.ruleId, type_id: 1, type: "Rule" },
    ...(f.firstSeen ? { first_seen_time: ms(f.firstSeen), created_time: ms(f.firstSeen) } : {}),
    ...(f.lastSeen ? { last_seen_time: ms(f.lastSeen) } : {}),
    ...(rule?.helpUri ? { src_url: rule.helpUri } : {}),
  };
}

function resource(f: FindingDocRow): Record<string, unknown> {
  return {
    uid: f.arn ?? f.resourceId,
    name: f.resourceId,
    type: f.resourceType,
    ...(f.region === "*" ? {} : { region: f.region }),
    cloud_partition: partitionOf(f.arn),
    owner: { account: { uid: f.accountId, type_id: 10, type: "AWS Account" } },
  };
}
