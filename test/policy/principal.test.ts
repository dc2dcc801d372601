import { describe, expect, it } from "vitest";
import {
  accountOf,
  denyAppliesTo,
  denyAppliesToEveryone,
  isAccountRoot,
  isPublicPrincipal,
  isServicePrincipal,
  principalAccount,
  samePrincipal,
} from "../../src/policy/index.js";
import type { PrincipalEntry } from "../../src/policy/index.js";

const ACCOUNT = "111122223333";
const aws = (value: string): PrincipalEntry => ({ type: "AWS", value });

describe("principals", () => {
  it("recognizes public principals", () => {
    expect(isPublicPrincipal({ type: "*", value: "*" })).toBe(true);
    expect(isPublicPrincipal(aws("*"))).toBe(true);
    expect(isPublicPrincipal(aws(ACCOUNT))).toBe(false);
    expect(isPublicPrincipal({ type: "Service", value: "*" })).toBe(false);
  });

  it.each([
    [ACCOUNT, true],
    [`arn:aws:iam::${ACCOUNT}:root`, true],
    [`arn:aws-us-gov:iam::${ACCOUNT}:root`, true],
    [`arn:aws-cn:iam::${ACCOUNT}:root`, true],
    [`arn:aws:iam::${ACCOUNT}:role/Admin`, false],
    [`arn:aws:iam::444455556666:root`, false],
    [`arn:aws:sts::${ACCOUNT}:root`, false],
    ["*", false],
  ])("%s is the account root -> %s", (value, expected) => {
    expect(isAccountRoot(aws(value), ACCOUNT)).toBe(expected);
  });

  it("finds the account an ARN belongs to", () => {
    expect(accountOf(ACCOUNT)).toBe(ACCOUNT);
    expect(accountOf("arn:aws:iam::444455556666:role/path/R")).toBe("444455556666");
    expect(accountOf("arn:aws:sts::444455556666:assumed-role/R/session")).toBe("444455556666");
    expect(accountOf("arn:aws-cn:iam::444455556666:user/u")).toBe("444455556666");
    expect(accountOf("arn:aws:s3:::bucket")).toBeUndefined();
    expect(accountOf("AIDAJQABLZS4A3QDU576Q")).toBeUndefined();
    expect(principalAccount({ type: "Federated", value: `arn:aws:iam::${ACCOUNT}:saml-provider/Okta` })).toBe(
      ACCOUNT,
    );
    expect(principalAccount({ type: "Service", value: "cloudtrail.amazonaws.com" })).toBeUndefined();
  });

  it("recognizes service principals", () => {
    expect(isServicePrincipal({ type: "Service", value: "logs.amazonaws.com" })).toBe(true);
    expect(isServicePrincipal(aws(ACCOUNT))).toBe(false);
  });

  it("treats an account id and its root ARN as the same principal", () => {
    expect(samePrincipal(aws(ACCOUNT), aws(`arn:aws:iam::${ACCOUNT}:root`))).toBe(true);
    expect(samePrincipal(aws(`arn:aws:iam::${ACCOUNT}:root`), aws(ACCOUNT))).toBe(true);
    expect(samePrincipal(aws("*"), { type: "*", value: "*" })).toBe(true);
    expect(samePrincipal(aws(ACCOUNT), aws("444455556666"))).toBe(false);
    expect(samePrincipal(aws(ACCOUNT), aws(`arn:aws:iam::${ACCOUNT}:role/R`))).toBe(false);
  });

  it("decides whom a Deny applies to", () => {
    const role = aws(`arn:aws:iam::${ACCOUNT}:role/R`);
    expect(denyAppliesTo({ principal: [{ type: "*", value: "*" }] }, role)).toBe(true);
    expect(denyAppliesTo({ principal: [role] }, role)).toBe(true);
    expect(denyAppliesTo({ principal: [role] }, aws("*"))).toBe(false);
    expect(denyAppliesTo({ notPrincipal: [role] }, role)).toBe(false);
    expect(denyAppliesTo({ notPrincipal: [role] }, aws("444455556666"))).toBe(true);
    expect(denyAppliesTo({}, role)).toBe(true);
    expect(denyAppliesToEveryone({ principal: [aws("*")] })).toBe(true);
    expect(denyAppliesToEveryone({ principal: [aws(ACCOUNT)] })).toBe(false);
    expect(denyAppliesToEveryone({ notPrincipal: [aws(ACCOUNT)] })).toBe(false);
  });
});
