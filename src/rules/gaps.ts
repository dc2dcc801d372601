// A coverage gap is not silence: when a listing was denied or failed, every rule on the types it
// would have listed gets an UNKNOWN result for the row's scope, so reports and the CI gate show
// what could not be checked. The row itself says which types it hides and how far it reaches.
import { isCoverageGap, type CoverageInput } from "../model/coverage.js";
import { WHOLE_SCOPE_ID, type FindingInput } from "../model/finding.js";
import type { ResourceRecord } from "../model/resource.js";
import type { Rule } from "./rule.js";

export function gapFindings(gaps: readonly CoverageInput[], rules: readonly Rule[]): FindingInput[] {
  const out: FindingInput[] = [];
  for (const gap of gaps) {
    if (!isCoverageGap(gap)) continue;
    const aggregate = gap.scope === "aggregator";
    const accountId = aggregate ? WHOLE_SCOPE_ID : gap.accountId;
    const region = gap.scope === "region" ? gap.region : WHOLE_SCOPE_ID;
    const where = aggregate
      ? `the aggregator's accounts and regions`
      : region === WHOLE_SCOPE_ID
        ? `account ${accountId}`
        : `${accountId}/${region}`;
    for (const rule of rules) {
      for (const type of rule.resourceTypes.filter((t) => gap.resourceTypes.includes(t))) {
        const resource: ResourceRecord = {
          resourceType: type,
          resourceId: WHOLE_SCOPE_ID,
          resourceName: null,
          arn: null,
          awsAccountId: accountId,
          awsRegion: region,
          configuration: {},
          supplementaryConfiguration: {},
          tags: {},
          configurationItemCaptureTime: gap.finishedAt ?? new Date().toISOString(),
        };
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
