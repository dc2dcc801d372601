import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRules, parseRule } from "../../src/rules/loader.js";
import { InputError } from "../../src/util/errors.js";
import { useTmpDir } from "../helpers/tmp.js";

const GOOD = `id: my-rule
title: A rule
severity: high
resourceTypes: [AWS::EC2::Volume]
description: d
rationale: r
remediation: m
requires: [configuration.encrypted]
failWhen:
  path: configuration.encrypted
  eq: false
messages:
  pass: ok {resourceId}
  fail: bad {resourceId}
examples:
  - name: p
    expect: PASS
    resource: { resourceId: vol-1, configuration: { encrypted: true } }
  - name: f
    expect: FAIL
    resource: { resourceId: vol-2, configuration: { encrypted: false } }
`;

function errorsOf(text: string, file = "rules/my-rule.yaml"): string[] {
  try {
    parseRule(file, text);
  } catch (err) {
    if (err instanceof InputError) return err.lines;
    throw err;
  }
  return [];
}

describe("rule loader", () => {
  it("accepts a well-formed rule", () => {
    const rule = parseRule("rules/my-rule.yaml", GOOD);
    expect(rule.id).toBe("my-rule");
    expect(rule.examples).toHaveLength(2);
    expect(rule.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("names file, line, column and field for an unknown top-level key, with a suggestion", () => {
    const lines = errorsOf(GOOD.replace("remediation: m", "remediation: m\nremediaton: typo"));
    expect(lines).toEqual([
      `rules/my-rule.yaml:8:1: remediaton: unknown field "remediaton" (did you mean "remediation"?)`,
    ]);
  });

  it("rejects an unknown operator and suggests the right one", () => {
    const lines = errorsOf(GOOD.replace("  eq: false", "  equals: false"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^rules\/my-rule\.yaml:11:3: failWhen\.equals: unknown operator "equals"/);
    expect(lines[0]).toContain("expected one of: eq, ne");
  });

  it("rejects a misspelt operator with a did-you-mean", () => {
    expect(errorsOf(GOOD.replace("  eq: false", "  exsits: true"))[0]).toContain('did you mean "exists"');
  });

  it("rejects a malformed path in a condition, in requires and in a template", () => {
    expect(
      errorsOf(GOOD.replace("  path: configuration.encrypted\n", "  path: configuration..encrypted\n"))[0],
    ).toMatch(/:10:9: failWhen\.path: malformed path/);
    expect(
      errorsOf(GOOD.replace("requires: [configuration.encrypted]", "requires: ['configuration[']"))[0],
    ).toMatch(/:8:\d+: requires\[0\]: malformed path/);
    expect(errorsOf(GOOD.replace("bad {resourceId}", "bad {resource..Id}"))[0]).toMatch(
      /messages\.fail: template/,
    );
  });

  it("rejects a bad severity and a bad expectation with the allowed values", () => {
    expect(errorsOf(GOOD.replace("severity: high", "severity: severe"))[0]).toBe(
      "rules/my-rule.yaml:3:11: severity: must be one of: critical, high, medium, low, info",
    );
    expect(errorsOf(GOOD.replace("expect: PASS", "expect: OK"))[0]).toMatch(
      /examples\[0\]\.expect: must be one of: PASS, FAIL/,
    );
  });

  it("reports a missing required field", () => {
    expect(errorsOf(GOOD.replace("title: A rule\n", ""))).toContain(
      'rules/my-rule.yaml:1:1: (top level): missing required field "title"',
    );
  });

  it("rejects an unknown condition and wrong operand types", () => {
    expect(
      errorsOf(
        GOOD.replace("failWhen:\n  path: configuration.encrypted\n  eq: false", "failWhen:\n  every: []"),
      )[0],
    ).toMatch(/failWhen\.every: unknown condition "every"/);
    expect(errorsOf(GOOD.replace("  eq: false", "  in: false"))[0]).toMatch(
      /failWhen\.in: "in" takes a list of values/,
    );
    expect(errorsOf(GOOD.replace("  eq: false", "  regex: '('"))[0]).toMatch(/invalid regular expression/);
    expect(errorsOf(GOOD.replace("  eq: false", "  gt: { param: nope }"))[0]).toMatch(
      /unknown parameter "nope"/,
    );
  });

  it("validates predicate arguments", () => {
    const pred = GOOD.replace(
      "failWhen:\n  path: configuration.encrypted\n  eq: false",
      "failWhen:\n  policyDenies:\n    policyPath: a.b\n    bucket: resourceName",
    );
    const lines = errorsOf(pred);
    expect(lines.some((l) => /policyDenies\.bucket: unknown field "bucket"/.test(l))).toBe(true);
    expect(lines.some((l) => /missing required field "resources"/.test(l))).toBe(true);
  });

  const ALLOWS = GOOD.replace(
    "failWhen:\n  path: configuration.encrypted\n  eq: false",
    [
      "failWhen:",
      "  policyAllows:",
      "    policyPath: a.b",
      '    actions: ["kms:*"]',
      "    to: [public-unrestricted, cross-account]",
      "    accountPath: awsAccountId",
      "    arnPath: arn",
      "severityByClass:",
      "  public-unrestricted: critical",
    ].join("\n"),
  );

  it("checks severityByClass against the classes failWhen can report", () => {
    expect(errorsOf(ALLOWS)).toEqual([]);
    expect(errorsOf(ALLOWS.replace("  public-unrestricted: critical", "  service: critical"))).toEqual([
      'rules/my-rule.yaml:17:3: severityByClass.service: unknown class "service"; failWhen can report: public-unrestricted, cross-account',
    ]);
    expect(
      errorsOf(ALLOWS.replace("  public-unrestricted: critical", "  public-unrestricte: critical"))[0],
    ).toContain('did you mean "public-unrestricted"');
    expect(errorsOf(GOOD.replace("messages:", "severityByClass:\n  public: critical\nmessages:"))[0]).toMatch(
      /:\d+:3: severityByClass\.public: unknown class "public"; failWhen uses no predicate that reports classes/,
    );
    expect(errorsOf(ALLOWS.replace("  public-unrestricted: critical", "  cross-account: severe"))[0]).toMatch(
      /severityByClass\.cross-account: must be one of: critical, high/,
    );
  });

  it("checks paths inside predicate templates", () => {
    const denies = GOOD.replace(
      "failWhen:\n  path: configuration.encrypted\n  eq: false",
      [
        "failWhen:",
        "  policyDenies:",
        "    policyPath: a.b",
        '    actions: ["s3:*"]',
        '    resources: ["{arn..x}"]',
        "    when: { key: aws:SecureTransport, value: false }",
      ].join("\n"),
    );
    expect(errorsOf(denies)[0]).toMatch(/failWhen\.policyDenies\.resources\[0\]: malformed path/);
  });

  it("rejects a combinator mixed with other keys and an empty list", () => {
    expect(errorsOf(GOOD.replace("failWhen:\n  path", "failWhen:\n  all: []\n  path"))[0]).toMatch(
      /"all" must be the only key/,
    );
    expect(
      errorsOf(
        GOOD.replace("failWhen:\n  path: configuration.encrypted\n  eq: false", "failWhen:\n  any: []"),
      )[0],
    ).toMatch(/failWhen\.any: "any" takes a non-empty list/);
  });

  it("requires both PASS and FAIL examples, and examples of the rule's types", () => {
    expect(errorsOf(GOOD.replace("expect: FAIL", "expect: PASS"))).toContain(
      "rules/my-rule.yaml:16:3: examples: needs at least one example with expect: FAIL",
    );
    expect(
      errorsOf(
        GOOD.replace(
          "resource: { resourceId: vol-1,",
          "resource: { resourceType: AWS::S3::Bucket, resourceId: vol-1,",
        ),
      )[0],
    ).toMatch(/is not one of this rule's resourceTypes/);
  });

  it("rejects an unknown resource type and an id that does not match the file name", () => {
    expect(errorsOf(GOOD.replace("[AWS::EC2::Volume]", "[AWS::EC2::Volumes]"))[0]).toMatch(
      /unknown resource type "AWS::EC2::Volumes"/,
    );
    expect(errorsOf(GOOD, "rules/other.yaml")[0]).toMatch(
      /does not match the file name \(expected my-rule\.yaml\)/,
    );
  });

  it("reports YAML syntax errors with a position", () => {
    expect(errorsOf("id: [unclosed\n")[0]).toMatch(/^rules\/my-rule\.yaml:\d+:\d+: /);
  });

  it("collects the errors of every file in a directory and rejects duplicate ids", () => {
    const dir = useTmp();
    writeFileSync(join(dir, "my-rule.yaml"), GOOD);
    writeFileSync(join(dir, "broken.yaml"), "id: broken\n");
    mkdirSync(join(dir, "sub"));
    try {
      loadRules(dir);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).lines.every((l) => l.includes("broken.yaml"))).toBe(true);
    }
  });
});

const useTmp = useTmpDir();
