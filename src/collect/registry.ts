// Every collector dpscan runs, in one list. The read-only IAM policy is checked against their actions.
// Each is its manifest plus a collect() that imports the collector's module on its first unit, so
// a scan's start-up loads no SDK client package (src/collect/manifests.ts).
import { DISCOVERY_ACTIONS } from "../aws/discovery.js";
import { COLLECTOR_MANIFESTS, type CollectorName } from "./manifests.js";
import type { Collector } from "./types.js";

/** Each collector's module, imported on first use. */
const MODULES: Record<CollectorName, () => Promise<Collector>> = {
  ec2: async () => (await import("./ec2.js")).ec2Collector,
  kms: async () => (await import("./kms.js")).kmsCollector,
  rds: async () => (await import("./rds.js")).rdsCollector,
  s3: async () => (await import("./s3.js")).s3Collector,
  iam: async () => (await import("./iam.js")).iamCollector,
  dynamodb: async () => (await import("./dynamodb.js")).dynamodbCollector,
  secretsmanager: async () => (await import("./secretsmanager.js")).secretsManagerCollector,
  cloudtrail: async () => (await import("./cloudtrail.js")).cloudTrailCollector,
  elbv2: async () => (await import("./elbv2.js")).elbv2Collector,
  cloudhsm: async () => (await import("./cloudhsm.js")).cloudHsmCollector,
};

function lazyCollector(name: CollectorName): Collector {
  let loaded: Promise<Collector> | undefined;
  return {
    ...COLLECTOR_MANIFESTS[name],
    async collect(ctx) {
      loaded ??= MODULES[name]();
      return (await loaded).collect(ctx);
    },
  };
}

export const COLLECTORS: readonly Collector[] = (Object.keys(COLLECTOR_MANIFESTS) as CollectorName[]).map(
  lazyCollector,
);

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
