import { describe, expect, it } from "vitest";
import {
  actionMatches,
  coversAction,
  coversAllActionsOf,
  coversResource,
  globIncluded,
  globMatch,
  globsIntersect,
  overlapsAction,
  overlapsResource,
} from "../../src/policy/index.js";

describe("globMatch", () => {
  it.each([
    ["kms:*", "kms:Decrypt", true],
    ["kms:*crypt*", "kms:Decrypt", true],
    ["kms:*crypt*", "kms:ReEncryptFrom", true],
    ["kms:*crypt*", "kms:CreateKey", false],
    ["KMS:Decrypt", "kms:decrypt", true],
    ["kms:Decrypt", "KMS:DECRYPT", true],
    ["*", "s3:GetObject", true],
    ["kms:?ecrypt", "kms:Decrypt", true],
    ["kms:?ecrypt", "kms:ecrypt", false],
    ["kms:Decrypt", "kms:Decrypt2", false],
    ["s3:Get*", "s3:GetObject", true],
    ["s3:Get*", "s3:PutObject", false],
  ])("action pattern %s vs %s -> %s", (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });

  it("compares resources case-sensitively when asked", () => {
    expect(globMatch("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", false)).toBe(false);
    expect(globMatch("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", true)).toBe(true);
  });

  it("does not backtrack catastrophically on hostile patterns", () => {
    const started = performance.now();
    expect(globMatch("a*".repeat(30) + "b", "a".repeat(5000), true)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("globIncluded / globsIntersect", () => {
  it.each([
    ["kms:?*", ["kms:*"], true],
    ["kms:?*", ["*"], true],
    ["kms:?*", ["*:*"], true],
    ["kms:?*", ["k*"], true],
    ["kms:?*", ["kms:**"], true],
    ["kms:?*", ["*s:*"], true],
    ["kms:?*", ["kms:?*"], true],
    ["kms:?*", ["kms:*crypt*"], false],
    ["kms:?*", ["kms:Create*"], false],
    ["kms:?*", ["kms:?"], false],
    ["kms:?*", ["kms:?", "kms:??*"], true],
    ["kms:?*", ["kms:a*", "kms:b*"], false],
    ["kms:?*", ["s3:*"], false],
    ["kms:?*", [], false],
    ["kms:Decrypt", ["kms:De*", "s3:*"], true],
  ])("%s is included in %j -> %s", (query, patterns, expected) => {
    expect(globIncluded(query, patterns, true)).toBe(expected);
  });

  it.each([
    ["kms:?*", "kms:Decrypt", true],
    ["kms:?*", "s3:*", false],
    ["kms:?*", "*", true],
    ["a*b", "*c", false],
    ["a*b", "*b", true],
    ["a?", "?b", true],
    ["abc", "ab", false],
  ])("%s intersects %s -> %s", (a, b, expected) => {
    expect(globsIntersect(a, b, true)).toBe(expected);
    expect(globsIntersect(b, a, true)).toBe(expected);
  });
});

describe("statement action sets", () => {
  it.each([
    [{ action: ["kms:*"] }, true],
    [{ action: ["*"] }, true],
    [{ action: ["*:*"] }, true],
    [{ action: ["k*"] }, true],
    [{ action: ["kms:**"] }, true],
    [{ action: ["KMS:*"] }, true],
    [{ action: ["kms:*crypt*"] }, false],
    [{ action: ["kms:Create*"] }, false],
    [{ action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"] }, false],
    [{ notAction: ["s3:*"] }, true],
    [{ notAction: ["kms:Decrypt"] }, false],
    [{ notAction: ["kms:*"] }, false],
    [{ notAction: ["k*"] }, false],
    [{ notAction: ["iam:*", "s3:*", "km:*"] }, true],
    [{}, false],
  ])("%j covers every kms: action -> %s", (set, expected) => {
    expect(coversAllActionsOf(set, "kms")).toBe(expected);
  });

  it("covers a single action through Action or NotAction", () => {
    expect(coversAction({ action: ["kms:*crypt*"] }, "KMS:Decrypt")).toBe(true);
    expect(coversAction({ action: ["kms:*crypt*"] }, "kms:CreateGrant")).toBe(false);
    expect(coversAction({ notAction: ["kms:Decrypt"] }, "kms:Encrypt")).toBe(true);
    expect(coversAction({ notAction: ["kms:Decrypt"] }, "kms:decrypt")).toBe(false);
    expect(coversAction({ notAction: ["kms:De*"] }, "kms:Decrypt")).toBe(false);
  });

  it("tells overlap apart from full coverage", () => {
    expect(overlapsAction({ action: ["kms:Decrypt"] }, "kms:?*")).toBe(true);
    expect(coversAction({ action: ["kms:Decrypt"] }, "kms:?*")).toBe(false);
    expect(overlapsAction({ notAction: ["kms:*"] }, "kms:?*")).toBe(false);
    expect(overlapsAction({ notAction: ["kms:Decrypt"] }, "kms:?*")).toBe(true);
  });
});

describe("statement resource sets", () => {
  const allObjects = "arn:aws:s3:::b/?*";

  it("treats a statement without Resource as covering everything", () => {
    expect(coversResource({}, "arn:aws:s3:::b")).toBe(true);
  });

  it.each([
    [{ resource: ["*"] }, true],
    [{ resource: ["arn:aws:s3:::b/*"] }, true],
    [{ resource: ["arn:aws:s3:::b*"] }, true],
    [{ resource: ["arn:aws:s3:::b/logs/*"] }, false],
    [{ resource: ["arn:aws:s3:::B/*"] }, false],
    [{ notResource: ["arn:aws:s3:::other/*"] }, true],
    [{ notResource: ["arn:aws:s3:::b/logs/*"] }, false],
  ])("%j covers all objects of bucket b -> %s", (set, expected) => {
    expect(coversResource(set, allObjects)).toBe(expected);
  });

  it("answers the all-keys question for KMS ARNs", () => {
    const allKeys = "arn:aws:kms:*:*:key/*";
    expect(coversResource({ resource: ["*"] }, allKeys)).toBe(true);
    expect(coversResource({ resource: ["arn:aws:kms:*:*:key/*"] }, allKeys)).toBe(true);
    expect(coversResource({ resource: ["arn:aws:kms:*:*:*"] }, allKeys)).toBe(true);
    expect(coversResource({ resource: ["arn:aws:kms:us-east-1:*:key/*"] }, allKeys)).toBe(false);
    expect(overlapsResource({ resource: ["arn:aws:kms:us-east-1:*:key/*"] }, allKeys)).toBe(true);
  });
});
