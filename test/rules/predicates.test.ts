import { describe, expect, it } from "vitest";
import {
  compileCondition,
  evaluateCondition,
  type ConditionIssue,
} from "../../src/rules/conditions/index.js";
import { PREDICATES } from "../../src/rules/predicates/index.js";

const now = new Date("2026-11-01T00:00:00Z");
function run(raw: unknown, record: unknown, params: Record<string, unknown> = {}) {
  const issues: ConditionIssue[] = [];
  const c = compileCondition(raw, ["c"], {
    predicates: PREDICATES,
    params: new Set(Object.keys(params)),
    issues,
    checkArgs: () => true,
  });
  if (!c) throw new Error(issues.map((i) => i.message).join("; "));
  return evaluateCondition(c, { record, params, now });
}

const key = (statement: object) => ({
  resourceType: "AWS::KMS::Key",
  awsAccountId: "111122223333",
  arn: "arn:aws:kms:us-east-1:111122223333:key/k",
  policy: JSON.stringify({ Statement: [statement] }),
});
const allows = (to: string[]) => ({
  policyAllows: { policyPath: "policy", actions: ["kms:*"], to, accountPath: "awsAccountId", arnPath: "arn" },
});

describe("policy predicates", () => {
  it("policyAllows reports only the classes in `to`, and which it found", () => {
    const rec = key({
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::999999999999:root" },
      Action: "kms:*",
    });
    expect(run(allows(["public-unrestricted"]), rec).value).toBe("false");
    const o = run(allows(["cross-account"]), rec);
    expect(o).toMatchObject({ value: "true", classes: ["cross-account"] });
    expect(o.details[0]).toContain("allows every KMS action to principals in other accounts (999999999999)");
  });

  it("policyDenies explains both outcomes, and not keeps the explanation", () => {
    const bucket = { resourceType: "AWS::S3::Bucket", arn: "arn:aws:s3:::b", policy: null };
    const denies = {
      policyDenies: {
        policyPath: "policy",
        actions: ["s3:*"],
        resources: ["{arn}", "{arn}/*"],
        when: { key: "aws:SecureTransport", value: false },
      },
    };
    expect(run(denies, bucket)).toMatchObject({
      value: "false",
      details: ["the bucket has no bucket policy"],
    });
    expect(run({ not: denies }, bucket)).toMatchObject({
      value: "true",
      details: ["the bucket has no bucket policy"],
    });
    expect(run(denies, { ...bucket, arn: null }).unknownReasons).toEqual(["arn (in resources) is missing"]);
  });

  it("policyAllows with match: any and trusted accounts from a rule parameter", () => {
    const rec = key({
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::999999999999:role/etl" },
      Action: ["kms:Decrypt"],
    });
    const cond = {
      policyAllows: {
        ...allows(["cross-account"]).policyAllows,
        match: "any",
        trustedAccounts: { param: "trusted" },
      },
    };
    const o = run(cond, rec, { trusted: [] });
    expect(o.value).toBe("true");
    expect(o.details[0]).toContain("allows KMS actions to principals in other accounts (999999999999)");
    expect(run(cond, rec, { trusted: ["999999999999"] }).value).toBe("false");
    expect(run(cond, rec, { trusted: "999999999999" }).unknownReasons).toEqual([
      "trustedAccounts is not a list of account ids",
    ]);
    expect(run(allows(["cross-account"]), rec).value).toBe("false");
  });

  it("identityPolicyAllows reads one document or a list of entries, and is unknown on a missing list", () => {
    const cond = (extra: object) => ({
      identityPolicyAllows: { actions: ["kms:Decrypt"], resource: "arn:aws:kms:*:*:key/*", ...extra },
    });
    const doc = JSON.stringify({ Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] });
    expect(run(cond({ policiesPath: "doc" }), { doc }).details).toEqual([
      "the policy: Statement #0 allows kms:Decrypt (Action kms:*) on every resource matching arn:aws:kms:*:*:key/* (Resource *)",
    ]);
    const list = cond({
      policiesPath: "list",
      documentField: "d",
      nameField: "n",
      entryNoun: "inline policy",
      resourceNoun: "all keys",
    });
    const o = run(list, {
      list: [
        { n: "broken", d: "{" },
        { n: "wide", d: doc },
      ],
    });
    expect(o.value).toBe("true");
    expect(o.details[0]).toMatch(/^inline policy 'wide': Statement #0 allows kms:Decrypt .* on all keys/);
    expect(run(list, { list: [{ n: "broken", d: "{" }] }).value).toBe("unknown");
    expect(run(list, { list: [] }).value).toBe("false");
    expect(run(list, {}).unknownReasons).toEqual(["list is missing"]);
    const versions = cond({ policiesPath: "v", documentField: "d", onlyEntriesWith: "isDefault" });
    expect(run(versions, { v: [{ d: doc, isDefault: false }] }).value).toBe("false");
    expect(run(versions, { v: [{ d: doc, isDefault: true }] }).value).toBe("true");
  });
});
