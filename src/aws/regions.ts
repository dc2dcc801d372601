// The regions dpscan knows, per partition: the one list that flags, the settings file and filters
// are checked against, so a misspelt region is an error with "did you mean" rather than a region
// silently "not enabled". Names are case-sensitive, as in AWS. A region AWS opens later is one
// line here (the partitions' region lists: docs.aws.amazon.com/global-infrastructure).
import { closest } from "../util/suggest.js";

export const REGIONS_BY_PARTITION = {
  aws: [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
  ],
  "aws-cn": ["cn-north-1", "cn-northwest-1"],
  "aws-us-gov": ["us-gov-east-1", "us-gov-west-1"],
} as const;

export type Partition = keyof typeof REGIONS_BY_PARTITION;

/** Every known region, all partitions. */
export const KNOWN_REGIONS: readonly string[] = Object.values(REGIONS_BY_PARTITION).flat();

export function partitionOf(region: string): Partition | undefined {
  for (const [p, regions] of Object.entries(REGIONS_BY_PARTITION))
    if ((regions as readonly string[]).includes(region)) return p as Partition;
  return undefined;
}

/** "" when the region is known, else a message naming it, with "did you mean" when one is close. */
export function regionProblem(region: string): string {
  if (KNOWN_REGIONS.includes(region)) return "";
  const near = closest(region, KNOWN_REGIONS);
  return `unknown region "${region}"${near ? ` (did you mean "${near}"?)` : ""}`;
}

/** "" when the regions are all in one partition (one scan's credentials reach one), else why not. */
export function partitionProblem(regions: readonly string[]): string {
  const byPartition = new Map<string, string>();
  for (const r of regions) {
    const p = partitionOf(r);
    if (p && !byPartition.has(p)) byPartition.set(p, r);
  }
  if (byPartition.size <= 1) return "";
  const named = [...byPartition].map(([p, r]) => `${r} is in ${p}`).join(", ");
  return `regions of different partitions cannot be scanned together (${named})`;
}
