// A coverage gap is not silence: when a listing was denied or failed, every rule on the types it
// would have listed gets an UNKNOWN result for that (account, region), so reports and the CI gate
// show what could not be checked.
import { GLOBAL_REGION } from "../model/resource-types.js";
import type { ResourceRecord } from "../model/resource.js";
import type { CoverageInput, FindingInput } from "../store/store.js";
import type { Rule } from "./rule.js";

export interface GapSource {
  service: string;
  /** Listing operation -> resource types it enumerates. */
  listings: Readonly<Record<string, readonly string[]>>;
  /** Every type the collector emits (used when the whole collector failed). */
  resourceTypes: readonly string[];
  scope: "regional" | "global";
}

export const WHOLE_SCOPE_ID = "*";

/**
 * A `skipped` unit with this code was not examined although resources may exist (AWS Config does
 * not record the type): unlike a disabled region, its rules give UNKNOWN.
 */
export const NOT_EXAMINED_CODE = "NotRecordedByConfig";

export function isCoverageGap(c: CoverageInput): boolean {
  return (
    c.status === "denied" ||
    c.status === "failed" ||
    (c.status === "skipped" && c.errorCode === NOT_EXAMINED_CODE)
  );
}

/** Which resource types a gap row leaves unexamined. */
export function typesBehindGap(gap: CoverageInput, sources: readonly GapSource[]): string[] {
  const types = new Set<string>();
  for (const s of sources) {
    if (gap.service === "sts" && gap.operation === "AssumeRole") {
      s.resourceTypes.forEach((t) => types.add(t)); // the whole account
    } else if (gap.service === "ec2" && gap.operation === "DescribeRegions") {
      if (s.scope === "regional") s.resourceTypes.forEach((t) => types.add(t));
    } else if (s.service === gap.service) {
      if (gap.operation === "collect") s.resourceTypes.forEach((t) => types.add(t));
      (s.listings[gap.operation] ?? []).forEach((t) => types.add(t));
    }
  }
  return [...types];
}

export function gapFindings(
  gaps: readonly CoverageInput[],
  sources: readonly GapSource[],
  rules: readonly Rule[],
): FindingInput[] {
  const out: FindingInput[] = [];
  for (const gap of gaps) {
    if (!isCoverageGap(gap)) continue;
    const types = typesBehindGap(gap, sources);
    // AssumeRole failures cover every region of the account; DescribeRegions failures the unknown ones.
    // An aggregator query covers every account and region; AssumeRole every region of the account;
    // DescribeRegions the regions that could not be discovered.
    const aggregate = gap.service === "config";
    const accountId = aggregate ? WHOLE_SCOPE_ID : gap.accountId;
    const region =
      aggregate || gap.operation === "AssumeRole" || gap.operation === "DescribeRegions"
        ? WHOLE_SCOPE_ID
        : gap.region;
    for (const rule of rules) {
      for (const type of rule.resourceTypes.filter((t) => types.includes(t))) {
        const resource: ResourceRecord = {
          resourceType: type,
          resourceId: WHOLE_SCOPE_ID,
          resourceName: null,
          arn: null,
          awsAccountId: accountId,
          awsRegion: region === GLOBAL_REGION ? GLOBAL_REGION : region,
          configuration: {},
          supplementaryConfiguration: {},
          tags: {},
          configurationItemCaptureTime: gap.finishedAt ?? new Date().toISOString(),
        };
        const where = aggregate
          ? `the aggregator's accounts and regions`
          : region === WHOLE_SCOPE_ID
            ? `account ${accountId}`
            : `${accountId}/${region}`;
        out.push({
          ruleId: rule.id,
          status: "UNKNOWN",
          severity: rule.severity,
          resource,
          message: `Cannot evaluate ${rule.id} for any ${type} in ${where}: ${gap.service}:${gap.operation} ${gap.status} (${gap.errorCode ?? "error"}${gap.errorMessage ? `: ${gap.errorMessage}` : ""})`,
          evidence: {
            coverageGap: {
              service: gap.service,
              operation: gap.operation,
              status: gap.status,
              errorCode: gap.errorCode ?? null,
              errorMessage: gap.errorMessage ?? null,
            },
          },
        });
      }
    }
  }
  return out;
}
