// AWS's documented request quotas, and how each service meters them: the one table dpscan's
// default pacing takes its share of (src/aws/clients.ts) and the simulator throttles by
// (src/sim/behaviour/faults.ts). Name-only, no SDK import: start-up code may read it.

/** A token bucket: `capacity` calls at once (the burst), refilled at `refillPerSecond`. */
export interface Quota {
  capacity: number;
  refillPerSecond: number;
}

/**
 * How a service meters calls: one bucket per API (EC2, KMS, …) or one bucket shared by all its
 * APIs (RDS, STS, …). Either way buckets are per (account, region); IAM and Organizations have
 * one global endpoint, so one region.
 */
export const QUOTA_SCOPE: Readonly<Record<string, "operation" | "service">> = {
  ec2: "operation",
  kms: "operation",
  secretsmanager: "operation",
  cloudtrail: "operation",
  dynamodb: "operation",
  config: "operation",
  s3: "operation",
  cloudhsm: "operation",
  rds: "service",
  sts: "service",
  iam: "service",
  organizations: "service",
  elasticloadbalancing: "service",
};

/**
 * Default quotas. Keys: "service" (the default bucket of a service) or "service:Operation" (an
 * API with its own documented quota). Sources, as of 2025:
 * - EC2 (devguide "Request throttling for the Amazon EC2 API"): non-mutating APIs bucket 100,
 *   refill 20/s, per API; unfiltered and unpaginated DescribeVolumes/DescribeSnapshots 50, 10/s.
 * - RDS (userguide "Request throttling for the Amazon RDS API"): 300 burst, 12/s per account and
 *   region, shared by all APIs.
 * - KMS (developerguide "Request quotas"): per-operation requests per second; a rate of N rps is
 *   modelled as a bucket of N refilled at N/s (one second of burst). ListResourceTags: 100, as
 *   that table lists it (awsdocs/aws-kms-developer-guide, requests-per-second.md).
 * - STS: 600 rps per account and region, shared.
 * - Secrets Manager ("quotas"): DescribeSecret 10,000 rps (value reads share it; never served
 *   here), ListSecrets 100, GetResourcePolicy 50.
 * - ELB API version 2 (userguide "Request throttling for the ELB API"): non-mutating (Describe*)
 *   actions share a bucket of 40, refilled at 10/s, per account and region.
 * - Not published (IAM, S3 control plane, Organizations, CloudTrail, Config, DynamoDB control
 *   plane, CloudHSM): low values chosen here on purpose, so that a scanner that does not pace
 *   itself is caught by the simulator, and dpscan stays gentle where AWS says nothing.
 */
export const AWS_QUOTAS: Readonly<Record<string, Quota>> = {
  ec2: { capacity: 100, refillPerSecond: 20 },
  "ec2:DescribeVolumes:unpaginated": { capacity: 50, refillPerSecond: 10 },
  "ec2:DescribeSnapshots:unpaginated": { capacity: 50, refillPerSecond: 10 },

  rds: { capacity: 300, refillPerSecond: 12 },

  kms: { capacity: 100, refillPerSecond: 100 },
  "kms:DescribeKey": { capacity: 2000, refillPerSecond: 2000 },
  "kms:GetKeyPolicy": { capacity: 1000, refillPerSecond: 1000 },
  "kms:GetKeyRotationStatus": { capacity: 1000, refillPerSecond: 1000 },
  "kms:ListKeys": { capacity: 500, refillPerSecond: 500 },
  "kms:ListAliases": { capacity: 500, refillPerSecond: 500 },
  "kms:ListGrants": { capacity: 100, refillPerSecond: 100 },
  "kms:ListKeyPolicies": { capacity: 100, refillPerSecond: 100 },
  "kms:ListResourceTags": { capacity: 100, refillPerSecond: 100 },
  "kms:GetPublicKey": { capacity: 2000, refillPerSecond: 2000 },

  sts: { capacity: 600, refillPerSecond: 600 },

  secretsmanager: { capacity: 50, refillPerSecond: 50 },
  "secretsmanager:DescribeSecret": { capacity: 10000, refillPerSecond: 10000 },
  "secretsmanager:ListSecrets": { capacity: 100, refillPerSecond: 100 },

  elasticloadbalancing: { capacity: 40, refillPerSecond: 10 },

  // Unpublished quotas: deliberately low.
  iam: { capacity: 20, refillPerSecond: 10 },
  s3: { capacity: 100, refillPerSecond: 50 },
  organizations: { capacity: 10, refillPerSecond: 5 },
  cloudtrail: { capacity: 10, refillPerSecond: 5 },
  config: { capacity: 20, refillPerSecond: 10 },
  "config:SelectResourceConfig": { capacity: 5, refillPerSecond: 2 },
  "config:SelectAggregateResourceConfig": { capacity: 5, refillPerSecond: 2 },
  dynamodb: { capacity: 100, refillPerSecond: 50 },
  cloudhsm: { capacity: 20, refillPerSecond: 10 },
};

/** Fallback for a service nobody listed. */
const FALLBACK_QUOTA: Quota = { capacity: 20, refillPerSecond: 10 };

export interface QuotaScope {
  /** The bucket a call spends: "service", "service:Operation" or "service:Operation:unpaginated". */
  key: string;
  quota: Quota;
}

/**
 * The quota a call spends. Precedence: overrides before the table, the most specific key first
 * (variant, then operation, then service). The bucket is the operation's own (its variant's when
 * there is one) unless only a service-wide quota applies to a service whose APIs share one bucket.
 */
export function quotaScope(
  service: string,
  operation: string,
  variant?: "unpaginated",
  overrides: Readonly<Record<string, Quota>> = {},
): QuotaScope {
  const opKey = `${service}:${operation}`;
  const variantKey = variant ? `${opKey}:${variant}` : undefined;
  const bucketKey = variantKey ?? opKey;
  const specific =
    (variantKey ? own(overrides, variantKey) : undefined) ??
    own(overrides, opKey) ??
    (variantKey ? own(AWS_QUOTAS, variantKey) : undefined) ??
    own(AWS_QUOTAS, opKey);
  if (specific) return { key: bucketKey, quota: specific };
  const q = own(overrides, service) ?? own(AWS_QUOTAS, service) ?? FALLBACK_QUOTA;
  return { key: (QUOTA_SCOPE[service] ?? "operation") === "service" ? service : bucketKey, quota: q };
}

const own = <T>(rec: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(rec, key) ? rec[key] : undefined;

/**
 * dpscan's default share of each quota. A scan spends the budget production uses too, so it
 * takes most of it, not all, and its limiter halves its rate on every throttle: production that
 * needs more pushes the scan back. 0.9 keeps quota-bound scans within 1.25× of AWS's floor
 * (bench scenario 2); lower it (--rate-share) where production uses the same APIs heavily.
 */
export const DEFAULT_RATE_SHARE = 0.9;

/** Client-side pacing of one bucket: `share` of the quota's refill and of its burst. */
export function pacedRate(quota: Quota, share: number): { ratePerSecond: number; burst: number } {
  return {
    ratePerSecond: quota.refillPerSecond * share,
    burst: Math.max(1, Math.floor(quota.capacity * share)),
  };
}
