import { describe, expect, it } from "vitest";
import { COLLECTORS } from "../../src/collect/registry.js";
import { NOT_EXAMINED_CODE, type CoverageInput } from "../../src/model/coverage.js";
import { loadRules } from "../../src/rules/loader.js";
import { gapFindings } from "../../src/rules/gaps.js";

const rules = loadRules();
const ALL_TYPES = [...new Set(COLLECTORS.flatMap((c) => c.resourceTypes))];
// Rows as their writers state them (src/collect/runner.ts, src/collect/aws-config/aggregator.ts).
const row = (r: Partial<CoverageInput>): CoverageInput => ({
  accountId: "222222222222",
  region: "eu-west-1",
  service: "ec2",
  operation: "DescribeVolumes",
  status: "denied",
  scope: "region",
  resourceTypes: ["AWS::EC2::Volume"],
  errorCode: "UnauthorizedOperation",
  errorMessage: "SCP",
  ...r,
});
const summary = (rows: CoverageInput[]) =>
  gapFindings(rows, rules).map(
    (f) =>
      `${f.status} ${f.ruleId} ${f.resource.awsAccountId}/${f.resource.awsRegion} ${f.resource.resourceType} ${f.resource.resourceId}`,
  );

describe("coverage gaps become UNKNOWN results", () => {
  it("a denied listing: every rule on the listed type, in that account and region", () => {
    expect(summary([row({})])).toEqual([
      "UNKNOWN ebs-volume-unencrypted 222222222222/eu-west-1 AWS::EC2::Volume *",
    ]);
    expect(gapFindings([row({})], rules)[0]?.message).toContain(
      "ec2:DescribeVolumes denied (UnauthorizedOperation: SCP)",
    );
  });

  it("a per-resource detail is not a listing: the resource itself carries the marker", () => {
    expect(summary([row({ service: "kms", operation: "GetKeyPolicy", resourceTypes: [] })])).toEqual([]);
  });

  it("a role that cannot be assumed: every rule, the whole account", () => {
    const findings = gapFindings(
      [
        row({
          service: "sts",
          operation: "AssumeRole",
          region: "global",
          errorCode: "AccessDenied",
          scope: "account",
          resourceTypes: ALL_TYPES,
        }),
      ],
      rules,
    );
    const out = findings.map(
      (f) =>
        `${f.status} ${f.ruleId} ${f.resource.awsAccountId}/${f.resource.awsRegion} ${f.resource.resourceType} ${f.resource.resourceId}`,
    );
    expect(out).toContain("UNKNOWN kms-key-rotation-disabled 222222222222/* AWS::KMS::Key *");
    expect(out).toContain("UNKNOWN s3-bucket-secure-transport-missing 222222222222/* AWS::S3::Bucket *");
    // Every shipped rule, whatever the catalog holds.
    expect(new Set(findings.map((f) => f.ruleId))).toEqual(new Set(rules.map((r) => r.id)));
  });

  it("an aggregator query that failed: every account and region behind it", () => {
    const out = summary([
      row({
        service: "config",
        operation: "SelectAggregateResourceConfig:AWS::KMS::Key",
        status: "failed",
        errorCode: "NoSuchConfigurationAggregatorException",
        scope: "aggregator",
        resourceTypes: ["AWS::KMS::Key"],
      }),
    ]);
    expect(out).toContain("UNKNOWN kms-key-policy-wildcard-grant */* AWS::KMS::Key *");
    expect(out).toEqual(
      rules
        .filter((r) => r.resourceTypes.includes("AWS::KMS::Key"))
        .map((r) => `UNKNOWN ${r.id} */* AWS::KMS::Key *`)
        .sort(),
    );
  });

  it("skipped: a disabled region is not a gap, a type Config does not record is", () => {
    expect(summary([row({ status: "skipped", errorCode: "RegionNotEnabled", operation: "*" })])).toEqual([]);
    const notRecorded = row({
      service: "config",
      operation: "SelectAggregateResourceConfig:AWS::EC2::Snapshot",
      status: "skipped",
      errorCode: NOT_EXAMINED_CODE,
      scope: "aggregator",
      resourceTypes: ["AWS::EC2::Snapshot"],
    });
    // No shipped rule covers snapshots yet; a rule that did would get UNKNOWN. Check with volumes instead.
    const withVolumes = { ...notRecorded, resourceTypes: ["AWS::EC2::Volume"] };
    expect(gapFindings([withVolumes], rules).map((f) => f.ruleId)).toEqual(["ebs-volume-unencrypted"]);
  });
});
