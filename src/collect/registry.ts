// Every collector dpscan runs, in one list. The read-only IAM policy is checked against their actions.
import { DISCOVERY_ACTIONS } from "../aws/discovery.js";
import { cloudHsmCollector } from "./cloudhsm.js";
import { cloudTrailCollector } from "./cloudtrail.js";
import { dynamodbCollector } from "./dynamodb.js";
import { ec2Collector } from "./ec2.js";
import { elbv2Collector } from "./elbv2.js";
import { iamCollector } from "./iam.js";
import { kmsCollector } from "./kms.js";
import { rdsCollector } from "./rds.js";
import { s3Collector } from "./s3.js";
import { secretsManagerCollector } from "./secretsmanager.js";
import type { Collector } from "./types.js";

export const COLLECTORS: readonly Collector[] = [
  ec2Collector,
  kmsCollector,
  rdsCollector,
  s3Collector,
  iamCollector,
  dynamodbCollector,
  secretsManagerCollector,
  cloudTrailCollector,
  elbv2Collector,
  cloudHsmCollector,
];

/** Actions of `--source config` (KMS enrichment reuses the KMS collector's actions). */
export const CONFIG_SOURCE_ACTIONS = ["config:SelectAggregateResourceConfig"] as const;

/** Every IAM action a scan may call: collectors, discovery and the Config source. Sorted, unique. */
export function scannerActions(collectors: readonly Collector[] = COLLECTORS): string[] {
  return [
    ...new Set([...DISCOVERY_ACTIONS, ...CONFIG_SOURCE_ACTIONS, ...collectors.flatMap((c) => c.actions)]),
  ].sort();
}

export function selectCollectors(names: readonly string[] | undefined): Collector[] {
  if (!names) return [...COLLECTORS];
  const unknown = names.filter((n) => !COLLECTORS.some((c) => c.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown service(s) ${unknown.join(", ")}; known: ${COLLECTORS.map((c) => c.name).join(", ")}`,
    );
  }
  return COLLECTORS.filter((c) => names.includes(c.name));
}
