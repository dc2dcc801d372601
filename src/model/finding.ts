// A finding: one rule's verdict on one resource (or on a whole scope a coverage gap hid), and the
// identity that follows it across scans. Shared by rules (which produce findings), the store
// (which keeps them) and reports (which read them).
import { createHash } from "node:crypto";
import type { JsonObject, ResourceRecord } from "./resource.js";
import type { Severity, Status } from "./severity.js";

export interface FindingInput {
  ruleId: string;
  status: Status;
  severity: Severity;
  resource: ResourceRecord;
  /** Row id of the stored resource, when it is stored in the same scan. */
  resourcePk?: number;
  message: string;
  evidence: JsonObject;
}

export interface FindingRow {
  id: number;
  scanId: number;
  ruleId: string;
  status: Status;
  severity: Severity;
  resourceType: string;
  resourceId: string;
  arn: string | null;
  accountId: string;
  region: string;
  message: string;
  evidence: JsonObject;
}

/** The resource id of a finding that stands for every resource of a type in a scope (a gap). */
export const WHOLE_SCOPE_ID = "*";

/**
 * A finding's identity across scans: rule + account + region + resource. The resource is its ARN
 * when it has one (two resources with one resourceId are two findings), else its type and id.
 */
export function findingIdentity(f: {
  ruleId: string;
  accountId: string;
  region: string;
  resourceType: string;
  resourceId: string;
  arn: string | null;
}): string {
  const resource = f.arn ?? `${f.resourceType}/${f.resourceId}`;
  return [f.ruleId, f.accountId, f.region, resource].join("|");
}

/**
 * findingIdentity as an SQL expression over a table alias with the findings columns (rule_id,
 * account_id, region, arn, resource_type, resource_id), so queries group and join by the same identity.
 */
export function findingIdentitySql(t: string): string {
  return `${t}.rule_id || '|' || ${t}.account_id || '|' || ${t}.region || '|' || COALESCE(${t}.arn, ${t}.resource_type || '/' || ${t}.resource_id)`;
}

/**
 * What a complete scan did to a finding (migration 007, src/store/lifecycle.ts): opened it
 * (`new`, or `reopened` after it was resolved), kept it `open`, or `resolved` it.
 */
export const LIFECYCLE_STATES = ["new", "open", "resolved", "reopened"] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/**
 * A stable fingerprint of a finding's identity (hex SHA-256): the same finding gets the same value
 * in every scan and every output (SARIF fingerprints, ASFF Id, OCSF uid, baselines).
 */
export function findingFingerprint(identity: string): string {
  return createHash("sha256").update(identity).digest("hex");
}
