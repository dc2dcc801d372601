import { describe, expect, it } from "vitest";
import {
  conditionEntries,
  hasRestrictingCondition,
  parseOperator,
  restrictingConditions,
} from "../../src/policy/index.js";
import type { ConditionBlock } from "../../src/policy/index.js";

const restricted = (condition: ConditionBlock): boolean => hasRestrictingCondition({ condition });

describe("parseOperator", () => {
  it.each([
    ["StringEquals", { base: "StringEquals", ifExists: false }],
    ["StringLikeIfExists", { base: "StringLike", ifExists: true }],
    ["ForAnyValue:StringLike", { base: "StringLike", qualifier: "ForAnyValue", ifExists: false }],
    ["ForAllValues:ArnEqualsIfExists", { base: "ArnEquals", qualifier: "ForAllValues", ifExists: true }],
    ["BoolIfExists", { base: "Bool", ifExists: true }],
  ])("parses %s", (operator, expected) => {
    expect(parseOperator(operator)).toEqual(expected);
  });
});

describe("restricting conditions", () => {
  it.each([
    [{ StringEquals: { "kms:CallerAccount": ["111122223333"] } }, true],
    [{ StringEquals: { "KMS:calleraccount": ["111122223333"] } }, true],
    [{ StringEquals: { "aws:PrincipalOrgID": ["o-abc123"] } }, true],
    [{ "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": ["o-a/r-b/ou-c/*"] } }, true],
    [{ ArnLike: { "aws:SourceArn": ["arn:aws:cloudtrail:*:111122223333:trail/*"] } }, true],
    [{ StringEquals: { "aws:SourceVpce": ["vpce-1a2b3c4d"] } }, true],
    [{ StringEqualsIfExists: { "kms:CallerAccount": ["111122223333"] } }, true],
    [{ StringEquals: { "kms:ViaService": ["s3.us-east-1.amazonaws.com"] } }, true],
    [{ StringNotEquals: { "aws:PrincipalOrgID": ["o-abc123"] } }, false],
    [{ StringLike: { "aws:PrincipalOrgID": ["*"] } }, false],
    [{ StringLike: { "aws:SourceAccount": ["111122223333", "*"] } }, false],
    [{ StringEqualsIfExists: { "aws:SourceAccount": ["111122223333"] } }, false],
    [{ "ForAllValues:StringEquals": { "aws:PrincipalOrgPaths": ["o-a/r-b/"] } }, false],
    [
      { StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": ["arn:aws:cloudtrail:*:1:trail/*"] } },
      false,
    ],
    [{ Bool: { "aws:SecureTransport": ["true"] } }, false],
    [{ IpAddress: { "aws:SourceIp": ["10.0.0.0/8"] } }, false],
    [{}, false],
  ])("%j restricts -> %s", (condition, expected) => {
    expect(restricted(condition)).toBe(expected);
  });

  it("lists the restricting entries for evidence", () => {
    const condition: ConditionBlock = {
      StringEquals: {
        "kms:CallerAccount": ["111122223333"],
        "kms:ViaService": ["ec2.us-east-1.amazonaws.com"],
      },
      StringLike: {
        "kms:EncryptionContext:aws:cloudtrail:arn": ["arn:aws:cloudtrail:*:111122223333:trail/*"],
      },
    };
    expect(conditionEntries({ condition })).toHaveLength(3);
    expect(restrictingConditions({ condition })).toEqual([
      { operator: "StringEquals", key: "kms:CallerAccount", values: ["111122223333"] },
      { operator: "StringEquals", key: "kms:ViaService", values: ["ec2.us-east-1.amazonaws.com"] },
    ]);
  });
});
