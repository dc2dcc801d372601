import { describe, expect, it } from "vitest";
import type { CoverageInput } from "../../src/model/coverage.js";
import { normalizeItem } from "../../src/model/normalize.js";
import type { ResourceRecord } from "../../src/model/resource.js";
import { evaluateRule, prepareRule } from "../../src/rules/evaluate-rule.js";
import { evaluateRecords, relatedIndex, relatedPlan } from "../../src/rules/evaluate-scan.js";
import { loadRules, parseRule } from "../../src/rules/loader.js";
import { RelatedIndex } from "../../src/rules/related.js";
import { InputError } from "../../src/util/errors.js";

const A = "111111111111";
const B = "222222222222";
const NOW = new Date("2026-11-01T00:00:00Z");

const rec = (r: Record<string, unknown>): ResourceRecord =>
  normalizeItem(r, { awsAccountId: A, awsRegion: "us-east-1" });
const key = (id: string, extra: Record<string, unknown> = {}, aliases: string[] = []): ResourceRecord =>
  rec({
    resourceType: "AWS::KMS::Key",
    resourceId: id,
    arn: `arn:aws:kms:${String(extra.awsRegion ?? "us-east-1")}:${String(extra.awsAccountId ?? A)}:key/${id}`,
    configuration: { keyState: "PendingDeletion", keyManager: "CUSTOMER" },
    supplementaryConfiguration: { Aliases: aliases },
    ...extra,
  });
const volume = (id: string, kmsKeyId: unknown, extra: Record<string, unknown> = {}): ResourceRecord =>
  rec({
    resourceType: "AWS::EC2::Volume",
    resourceId: id,
    configuration: { encrypted: true, kmsKeyId },
    ...extra,
  });
const gap = (r: Partial<CoverageInput>): CoverageInput => ({
  accountId: A,
  region: "us-east-1",
  service: "secretsmanager",
  operation: "ListSecrets",
  status: "denied",
  scope: "region",
  resourceTypes: ["AWS::SecretsManager::Secret"],
  errorCode: "AccessDenied",
  ...r,
});

const rules = loadRules();
const inUse = rules.find((r) => r.id === "kms-key-deletion-in-use");
const managed = rules.find((r) => r.id === "aws-managed-key-in-use");
if (!inUse || !managed) throw new Error("shipped rules missing");

describe("the reference index", () => {
  const k = "0a0a0a0a-0000-4000-8000-000000000001";
  const index = RelatedIndex.of([key(k, {}, ["alias/app"])]);

  it("resolves a key ID, key ARN, alias name and alias ARN to one key", () => {
    const want = { key: `${A}:us-east-1:${k}` };
    expect(index.resolve(k, A, "us-east-1")).toEqual(want);
    expect(index.resolve(`arn:aws:kms:us-east-1:${A}:key/${k}`, B, "eu-west-1")).toEqual(want);
    expect(index.resolve("alias/app", A, "us-east-1")).toEqual(want);
    expect(index.resolve(`arn:aws:kms:us-east-1:${A}:alias/app`, B, "us-east-1")).toEqual(want);
  });

  it("an alias belongs to an account and a region", () => {
    expect(index.resolve("alias/app", B, "us-east-1")).toMatchObject({ account: B, region: "us-east-1" });
    expect(index.resolve("alias/app", A, "eu-west-1")).toHaveProperty("unresolved");
  });

  it("keeps only the envelope and the paths rules read", () => {
    const plan = relatedPlan(rules);
    expect(plan?.types).toContain("AWS::KMS::Key");
    expect(plan?.types).toContain("AWS::EC2::Volume");
    const big = key(k, {
      supplementaryConfiguration: { Aliases: [], KeyPolicy: { policyText: "x".repeat(1000) } },
    });
    const idx = relatedIndex([{ record: big }], plan ?? { targetReads: [], sourceReads: [], types: [] }, []);
    const kept = idx.target(`${A}:us-east-1:${k}`)?.record ?? {};
    expect(JSON.stringify(kept)).not.toContain("xxxx");
    expect(kept).toMatchObject({ resourceId: k, configuration: { keyManager: "CUSTOMER" } });
  });
});

describe("related, reverse: the resources that use a key", () => {
  const k = "0b0b0b0b-0000-4000-8000-000000000002";
  const judge = (records: ResourceRecord[], gaps: CoverageInput[] = [], target = key(k, {}, ["alias/b"])) =>
    evaluateRule(inUse, target, { now: NOW, related: RelatedIndex.of([target, ...records], gaps) });

  it("finds users in another account by key ARN, and lists them", () => {
    const r = judge([
      volume("vol-1", `arn:aws:kms:us-east-1:${A}:key/${k}`, { awsAccountId: B }),
      volume("vol-2", "alias/b"),
    ]);
    expect(r?.status).toBe("FAIL");
    expect(r?.message).toContain(`AWS::EC2::Volume vol-1 (${B}/us-east-1)`);
    expect(r?.message).toContain("vol-2");
    expect(r?.evidence["relatedBy.kmsKey"]).toMatchObject({ count: 2 });
  });

  it("bounds the list in the message", () => {
    const many = Array.from({ length: 30 }, (_, i) => volume(`vol-${i}`, k));
    const r = judge(many);
    expect(r?.message).toContain("30 collected resources");
    expect(r?.message).toContain("and 20 more");
  });

  it("a gap in the key's account and region is UNKNOWN, never PASS; elsewhere it is not", () => {
    expect(judge([], [gap({})])?.status).toBe("UNKNOWN");
    expect(judge([], [gap({})])?.message).toContain("secretsmanager:ListSecrets denied");
    expect(judge([], [gap({ scope: "account", region: "global" })])?.status).toBe("UNKNOWN");
    expect(judge([], [gap({ scope: "aggregator", accountId: "*", region: "*" })])?.status).toBe("UNKNOWN");
    expect(judge([], [gap({ region: "eu-west-1" })])?.status).toBe("PASS");
    expect(judge([], [gap({ accountId: B })])?.status).toBe("PASS");
    // A gap on a type the rule does not follow changes nothing; a found user still decides.
    expect(judge([], [gap({ resourceTypes: ["AWS::IAM::Role"] })])?.status).toBe("PASS");
    expect(judge([volume("vol-1", k)], [gap({})])?.status).toBe("FAIL");
  });

  it("an unresolved alias in the key's account and region is UNKNOWN; in another region it is not", () => {
    expect(judge([volume("vol-1", "alias/nobody")])?.status).toBe("UNKNOWN");
    expect(judge([volume("vol-1", "alias/nobody", { awsRegion: "eu-west-1" })])?.status).toBe("PASS");
  });
});

describe("related, forward: the key a resource uses", () => {
  const k = "0c0c0c0c-0000-4000-8000-000000000003";
  const awsKey = key(k, { configuration: { keyManager: "AWS", keyState: "Enabled" } }, ["alias/aws/ebs"]);

  it("follows the reference and judges the key", () => {
    const v = volume("vol-1", "alias/aws/ebs");
    const r = evaluateRule(managed, v, { now: NOW, related: RelatedIndex.of([v, awsKey]) });
    expect(r?.status).toBe("FAIL");
    expect(r?.message).toContain("alias/aws/ebs");
  });

  it("a key in a region with a KMS gap is UNKNOWN with the gap as the reason", () => {
    const v = volume("vol-1", `arn:aws:kms:us-east-1:${B}:key/${k}`);
    const gaps = [
      gap({ accountId: B, service: "kms", operation: "ListKeys", resourceTypes: ["AWS::KMS::Key"] }),
    ];
    const r = evaluateRule(managed, v, { now: NOW, related: RelatedIndex.of([v], gaps) });
    expect(r?.status).toBe("UNKNOWN");
    expect(r?.message).toContain("kms:ListKeys denied");
  });
});

describe("a prepared rule remembers what it judged of a linked record", () => {
  it("gives every record what a fresh evaluation gives it, whichever records came before", () => {
    const ids = [1, 2, 3, 4].map((i) => `0f0f0f0f-0000-4000-8000-00000000000${i}`);
    const keys = [
      key(ids[0] as string, { configuration: { keyManager: "AWS", keyState: "Enabled" } }, ["alias/aws/ebs"]),
      key(ids[1] as string, { configuration: { keyManager: "CUSTOMER", keyState: "PendingDeletion" } }, [
        "alias/c",
      ]),
      key(ids[2] as string, { configuration: { keyManager: "CUSTOMER", keyState: "Enabled" } }),
      // A key whose manager could not be read: UNKNOWN for every record that uses it.
      key(ids[3] as string, {
        configuration: { keyManager: { $unreadable: { errorCode: "AccessDenied", message: "" } } },
      }),
    ];
    const refs = [
      ...ids,
      "alias/aws/ebs",
      "alias/c",
      `arn:aws:kms:us-east-1:${A}:key/${ids[1]}`,
      "alias/none",
      "gone",
    ];
    const volumes = Array.from({ length: 40 }, (_, i) => volume(`vol-${i}`, refs[(i * 7) % refs.length]));
    const related = RelatedIndex.of([...keys, ...volumes]);
    for (const rule of [managed, inUse]) {
      const judge = prepareRule(rule, { now: NOW, related });
      const seen = new Set<string>();
      for (const r of [...volumes, ...keys, ...volumes.slice().reverse()]) {
        const once = judge(r);
        expect(once, `${rule.id} ${r.resourceId}`).toEqual(evaluateRule(rule, r, { now: NOW, related }));
        if (once) seen.add(once.status);
      }
      expect(seen.size, rule.id).toBeGreaterThan(1);
    }
  });
});

describe("without the scan's index", () => {
  it("related is unknown, never a quiet PASS", () => {
    const r = evaluateRule(inUse, key("0e0e0e0e-0000-4000-8000-000000000005"), { now: NOW });
    expect(r?.status).toBe("UNKNOWN");
    expect(r?.message).toContain("not indexed");
  });
});

describe("the scan engine", () => {
  it("builds the index in one pass and judges both directions", () => {
    const k = "0d0d0d0d-0000-4000-8000-000000000004";
    const records = [volume("vol-1", `alias/z`), key(k, {}, ["alias/z"])];
    const plan = relatedPlan(rules);
    if (!plan) throw new Error("no plan");
    const related = relatedIndex(
      records.map((record) => ({ record })),
      plan,
      [],
    );
    const out: string[] = [];
    evaluateRecords(
      records.map((record) => ({ record })),
      rules,
      { now: NOW, related },
      (batch) => out.push(...batch.map((f) => `${f.status} ${f.ruleId} ${f.resource.resourceId}`)),
    );
    expect(out).toContain(`FAIL kms-key-deletion-in-use ${k}`);
    expect(out).toContain("PASS aws-managed-key-in-use vol-1");
  });
});

describe("loading related conditions", () => {
  const rule = (failWhen: string, types = "[AWS::KMS::Key]") => `id: r
title: t
severity: low
resourceTypes: ${types}
description: d
rationale: r
remediation: m
failWhen:
${failWhen}
messages: { pass: p, fail: f }
examples:
  - { name: p, expect: PASS, resource: { resourceId: k1, configuration: {} } }
  - { name: f, expect: FAIL, resource: { resourceId: k2, configuration: {} } }
`;
  const errors = (text: string): string[] => {
    try {
      parseRule("rules/r.yaml", text);
      return [];
    } catch (err) {
      if (err instanceof InputError) return err.lines;
      throw err;
    }
  };

  it("names an unknown reference, with a suggestion", () => {
    expect(
      errors(rule("  related: { via: kmsKy, direction: reverse, types: [AWS::EC2::Volume] }")).join("\n"),
    ).toMatch(/declared reference \(kmsKey, managedPolicy\).*did you mean "kmsKey"/);
  });

  it("needs types for reverse, and types that declare the reference", () => {
    expect(errors(rule("  related: { via: kmsKey, direction: reverse }")).join("\n")).toMatch(/needs types/);
    expect(
      errors(rule("  related: { via: kmsKey, direction: reverse, types: [AWS::IAM::Role] }")).join("\n"),
    ).toMatch(/AWS::IAM::Role declares no reference "kmsKey"/);
  });

  it("checks the direction against the rule's types", () => {
    expect(errors(rule("  related: { via: kmsKey }")).join("\n")).toMatch(
      /the rule's type AWS::KMS::Key declares no reference "kmsKey"/,
    );
    expect(
      errors(
        rule(
          "  related: { via: kmsKey, direction: reverse, types: [AWS::EC2::Volume] }",
          "[AWS::EC2::Volume]",
        ),
      ).join("\n"),
    ).toMatch(/points to AWS::KMS::Key, not to the rule's type AWS::EC2::Volume/);
  });

  it("allows only comparisons inside where", () => {
    const text = rule(
      "  related:\n    via: kmsKey\n    direction: reverse\n    types: [AWS::EC2::Volume]\n    where: { policyAllows: { policyPath: x, actions: ['kms:*'] } }",
    );
    expect(errors(text).join("\n")).toMatch(/"policyAllows" is not allowed inside related.where/);
  });
});

describe("related records listed in evidence", () => {
  const rule = rules.find((r) => r.id === "iam-policy-kms-decrypt-all-keys");
  if (!rule) throw new Error("shipped rule missing");
  const policyArn = `arn:aws:iam::${A}:policy/decrypt-all`;
  const policy = rec({
    resourceType: "AWS::IAM::Policy",
    resourceId: "ANPA0000000000000DEC",
    resourceName: "decrypt-all",
    arn: policyArn,
    awsRegion: "global",
    configuration: {
      policyName: "decrypt-all",
      attachmentCount: 2,
      defaultVersionId: "v1",
      policyVersionList: [
        {
          versionId: "v1",
          isDefaultVersion: true,
          document: JSON.stringify({
            Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }],
          }),
        },
      ],
    },
  });
  const identity = (type: string, name: string, attached: string[]): ResourceRecord =>
    rec({
      resourceType: type,
      resourceId: `AID${name}`,
      resourceName: name,
      arn: `arn:aws:iam::${A}:${type === "AWS::IAM::Role" ? "role" : "user"}/${name}`,
      awsRegion: "global",
      configuration: {
        attachedManagedPolicies: attached.map((policyArn) => ({ policyName: "p", policyArn })),
        userPolicyList: [],
        rolePolicyList: [],
      },
    });

  it("names the identities a policy is attached to, and lists nothing on the identities themselves", () => {
    const app = identity("AWS::IAM::Role", "app", [policyArn, "arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    const ops = identity("AWS::IAM::User", "ops", [policyArn]);
    const other = identity("AWS::IAM::User", "other", []);
    const index = RelatedIndex.of([policy, app, ops, other]);
    const r = evaluateRule(rule, policy, { now: NOW, related: index });
    expect(r?.status).toBe("FAIL");
    const listed = r?.evidence["relatedBy.managedPolicy"] as {
      count: number;
      resources: { resourceName: string }[];
    };
    expect(listed.count).toBe(2);
    expect(listed.resources.map((x) => x.resourceName).sort()).toEqual(["app", "ops"]);
    const onRole = evaluateRule(rule, app, { now: NOW, related: index });
    expect(onRole?.evidence).not.toHaveProperty("relatedBy.managedPolicy");
  });

  it("says so when the identities could not be listed, and never changes the result", () => {
    const denied = gap({
      accountId: A,
      region: "global",
      service: "iam",
      operation: "GetAccountAuthorizationDetails",
      resourceTypes: ["AWS::IAM::User", "AWS::IAM::Role", "AWS::IAM::Group", "AWS::IAM::Policy"],
    });
    const r = evaluateRule(rule, policy, { now: NOW, related: RelatedIndex.of([policy], [denied]) });
    expect(r?.status).toBe("FAIL");
    expect(JSON.stringify(r?.evidence["relatedBy.managedPolicy"])).toMatch(/unknown.*could not be listed/);
  });
});
