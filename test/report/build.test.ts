// The report model from real stored scans: statuses, coverage gaps, scope by account, region and
// tag, changes since the previous complete scan, and determinism.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unreadable } from "../../src/model/resource.js";
import { buildReport, materialize, prepareReport, prepareReports } from "../../src/report/build.js";
import type { ReportModel, RequirementStatus } from "../../src/report/model.js";
import { parseFramework } from "../../src/report/frameworks.js";
import { renderReport, TEXT_FORMATS } from "../../src/report/render.js";
import { WHOLE_SCAN, type ReportScope } from "../../src/report/scope.js";
import { useTmpDir } from "../helpers/tmp.js";
import {
  CDE,
  deniedListing,
  example,
  openStore,
  OTHER,
  RULES,
  SCAN_TIME,
  storeScan,
  TEST_FRAMEWORK,
  testFramework,
  volume,
} from "./fixtures.js";

const tmp = useTmpDir();
const KEY_CDE = "1111abcd-12ab-34cd-56ef-1234567890ab";
const KEY_LOOSE = "2222abcd-12ab-34cd-56ef-1234567890ab";
const KEY_TAGS_UNREADABLE = "3333abcd-12ab-34cd-56ef-1234567890ab";
const PCI = { key: "pci", value: "yes" };
/** An account with no tagged resource at all. */
const THIRD = "333333333333";

/** Two accounts: CDE holds tagged volumes (one encrypted under a key that does not rotate). */
function world() {
  return [
    volume("vol-cde-bad", null, { tags: { pci: "yes" } }),
    volume("vol-cde-good", KEY_CDE, { tags: { pci: "yes" } }),
    volume("vol-untagged", null),
    volume("vol-other", null, { awsAccountId: OTHER, awsRegion: "eu-west-1" }),
    example("kms-key-rotation-disabled", "FAIL", { resourceId: KEY_CDE }),
    example("kms-key-rotation-disabled", "FAIL", { resourceId: KEY_LOOSE }),
    example("kms-key-rotation-disabled", "PASS", {
      resourceId: KEY_TAGS_UNREADABLE,
      awsAccountId: OTHER,
      supplementaryConfiguration: {
        KeyRotationStatus: { keyRotationEnabled: true, rotationPeriodInDays: 365 },
        Tags: unreadable({ errorCode: "AccessDeniedException", message: "no kms:ListResourceTags" }),
      },
    }),
    example("iam-policy-kms-full-access", "FAIL", { resourceId: "ANPA-CDE", awsRegion: "global" }),
    example("iam-policy-kms-full-access", "FAIL", {
      resourceId: "ANPA-OTHER",
      awsAccountId: OTHER,
      awsRegion: "global",
    }),
    example("iam-policy-kms-full-access", "FAIL", {
      resourceId: "ANPA-THIRD",
      awsAccountId: THIRD,
      awsRegion: "global",
    }),
    example("secret-rotation-disabled", "PASS", { resourceId: "s-1" }),
  ];
}

const statuses = (m: ReportModel): Record<string, RequirementStatus | null> =>
  Object.fromEntries(m.requirements.map((r) => [r.id, r.status]));

describe("buildReport: requirement statuses from a stored scan", () => {
  it("fails on a FAIL, is not verified on UNKNOWN or a gap, not applicable without resources", () => {
    const dir = tmp();
    const store = openStore(dir);
    const fw = testFramework(dir);
    const records = [
      ...world(),
      example("kms-key-rotation-disabled", "UNKNOWN", { resourceId: "k-unknown", awsAccountId: OTHER }),
    ];
    const gap = deniedListing(OTHER, "us-east-1", "secretsmanager", "ListSecrets", [
      "AWS::SecretsManager::Secret",
    ]);
    const id = storeScan(store, records, [gap]);
    const m = buildReport(store, id, fw);
    expect(statuses(m)).toEqual({
      "1": null,
      "1.1": "failed",
      "1.2": "failed",
      "1.3": "not-applicable",
      "1.4": "not-verified",
      "1.5": "failed",
      "2": "manual",
    });
    const secrets = m.requirements.find((r) => r.id === "1.4");
    expect(secrets?.reasons).toContain("1 coverage gap hides AWS::SecretsManager::Secret in scope");
    expect(secrets?.gaps.map((i) => m.gaps[i]?.operation)).toEqual(["ListSecrets"]);
    expect(m.requirements.find((r) => r.id === "1")?.rollup).toEqual({
      failed: 3,
      "not-verified": 1,
      passed: 0,
      "not-applicable": 1,
      manual: 0,
    });
    // Only what the rules of the framework judged, FAIL before UNKNOWN before PASS.
    const order = m.findings.map((f) => f.status);
    expect(order).toEqual(
      [...order].sort(
        (a, b) => ["FAIL", "UNKNOWN", "PASS"].indexOf(a) - ["FAIL", "UNKNOWN", "PASS"].indexOf(b),
      ),
    );
    // (no RDS instance: 1.3 has no finding)
    expect(new Set(m.findings.map((f) => f.ruleId))).toEqual(
      new Set([...fw.rules.keys()].filter((id) => id !== "rds-instance-unencrypted")),
    );
    store.close();
  });

  it("a gap over a needed type leaves a requirement not verified even with no FAIL and no UNKNOWN", () => {
    const dir = tmp();
    const store = openStore(dir);
    const fw = testFramework(dir);
    const id = storeScan(store, [volume("vol-ok", KEY_CDE)]);
    expect(statuses(buildReport(store, id, fw))["1.1"]).toBe("passed");
    // A gap recorded without gap findings (as a scan judged before the rule existed would have).
    store.upsertCoverage(id, [
      deniedListing(CDE, "eu-west-1", "ec2", "DescribeVolumes", ["AWS::EC2::Volume"]),
    ]);
    const m = buildReport(store, id, fw);
    expect(statuses(m)["1.1"]).toBe("not-verified");
    // The same gap outside the report's regions does not weaken it.
    expect(statuses(buildReport(store, id, fw, { ...WHOLE_SCAN, regions: ["us-east-1"] }))["1.1"]).toBe(
      "passed",
    );
    // A gap over a type no rule of the framework needs is not listed.
    store.upsertCoverage(id, [
      deniedListing(CDE, "us-east-1", "cloudtrail", "DescribeTrails", ["AWS::CloudTrail::Trail"]),
    ]);
    expect(buildReport(store, id, fw).gaps.map((g) => g.operation)).toEqual(["DescribeVolumes"]);
    store.close();
  });

  it("a rule the scan was not judged by leaves its requirement not verified", () => {
    const dir = tmp();
    const store = openStore(dir);
    const fw = testFramework(dir);
    const id = storeScan(store, [volume("vol-ok", KEY_CDE)], [], {
      rules: RULES.filter((r) => r.id !== "ebs-volume-unencrypted"),
    });
    const m = buildReport(store, id, fw);
    expect(m.requirements.find((r) => r.id === "1.1")).toMatchObject({
      status: "not-verified",
      reasons: ["rule ebs-volume-unencrypted was not run in this scan"],
    });
    expect(m.rules.find((r) => r.id === "ebs-volume-unencrypted")?.sha256).toBeNull();
    store.close();
  });
});

describe("buildReport: scope", () => {
  function scoped(scope: ReportScope): ReportModel {
    const dir = tmp();
    const store = openStore(dir);
    const fw = testFramework(dir);
    const gap = deniedListing(OTHER, "us-east-1", "secretsmanager", "ListSecrets", [
      "AWS::SecretsManager::Secret",
    ]);
    const id = storeScan(store, world(), [gap]);
    const m = buildReport(store, id, fw, scope);
    store.close();
    return m;
  }
  const resources = (m: ReportModel, rule: string): string[] =>
    m.findings
      .filter((f) => f.ruleId === rule)
      .map((f) => `${f.resourceId}${f.scopeNote ? ` (${f.scopeNote})` : ""}`)
      .sort();

  it("by tag: tagged resources, the keys that protect them, account-wide records of their accounts, what gaps and unreadable tags hide", () => {
    const m = scoped({ ...WHOLE_SCAN, tags: [PCI] });
    expect(resources(m, "ebs-volume-unencrypted")).toEqual(["vol-cde-bad", "vol-cde-good"]);
    expect(resources(m, "kms-key-rotation-disabled")).toEqual([
      `${KEY_CDE} (protects-scoped)`,
      `${KEY_TAGS_UNREADABLE} (tags-unreadable)`,
    ]);
    // OTHER holds a key whose tags could not be read: it may hold scoped resources, so it counts.
    expect(resources(m, "iam-policy-kms-full-access")).toEqual([
      "ANPA-CDE (account-wide)",
      "ANPA-OTHER (account-wide)",
    ]);
    // The untagged secret is out; what the denied listing hid is in, tags unseen.
    expect(resources(m, "secret-rotation-disabled")).toEqual(["* (coverage-gap)"]);
    expect(m.scope.tags).toEqual([PCI]);
  });

  it("by account and region: gaps of the scope only, global (account-wide) records kept", () => {
    const m = scoped({ accounts: [CDE], regions: ["us-east-1"], tags: [] });
    expect(new Set(m.findings.map((f) => f.accountId))).toEqual(new Set([CDE]));
    expect(resources(m, "iam-policy-kms-full-access")).toEqual(["ANPA-CDE"]);
    expect(m.gaps).toEqual([]);
    expect(m.scope.accountsSeen).toEqual([CDE]);
    const eu = scoped({ accounts: null, regions: ["eu-west-1"], tags: [] });
    expect(resources(eu, "ebs-volume-unencrypted")).toEqual(["vol-other"]);
    // IAM records are recorded in region "global": a regional scope keeps them.
    expect(resources(eu, "iam-policy-kms-full-access").length).toBeGreaterThan(0);
  });
});

describe("buildReport: changes since the previous complete scan", () => {
  it("lists every resolved result of an identity the previous scan had twice", () => {
    const dir = tmp();
    const store = openStore(dir);
    // Written as findings directly: a judged scan has one result per rule and resource.
    const first = store.beginScan("evaluate", "twice", {}, SCAN_TIME);
    store.recordRules(first, RULES);
    const twice = (message: string) => ({
      ruleId: "ebs-volume-unencrypted",
      status: "FAIL" as const,
      severity: "high" as const,
      resource: volume("vol-twice", null),
      message,
      evidence: {},
    });
    store.insertFindings(first, [twice("first copy"), twice("second copy")]);
    store.finishScan(first, "complete", {});
    const second = storeScan(store, [volume("vol-other", null)]);
    const m = buildReport(store, second, testFramework(dir));
    expect(m.resolved.map((f) => `${f.resourceId} ${f.previousMessage}`)).toEqual([
      "vol-twice first copy",
      "vol-twice second copy",
    ]);
    store.close();
  });

  it("marks new findings and lists resolved ones by finding identity", () => {
    const dir = tmp();
    const store = openStore(dir);
    const fw = testFramework(dir);
    const first = storeScan(store, [
      volume("vol-fixed", null),
      volume("vol-gone", null),
      volume("vol-still", null),
      example("kms-key-rotation-disabled", "UNKNOWN", { resourceId: "k-1" }),
    ]);
    storeScan(store, [volume("vol-ignored", null)], [], { status: "failed" });
    const second = storeScan(store, [
      volume("vol-fixed", KEY_CDE),
      volume("vol-still", null),
      volume("vol-new", null),
      example("kms-key-rotation-disabled", "FAIL", { resourceId: "k-1" }),
    ]);
    const m = buildReport(store, second, fw);
    expect(m.previousScan?.id).toBe(first);
    const byId = Object.fromEntries(
      m.findings.map((f) => [`${f.ruleId} ${f.resourceId}`, [f.isNew, f.previousStatus]]),
    );
    expect(byId["ebs-volume-unencrypted vol-new"]).toEqual([true, null]);
    expect(byId["ebs-volume-unencrypted vol-still"]).toEqual([false, "FAIL"]);
    expect(byId["ebs-volume-unencrypted vol-fixed"]).toEqual([false, "FAIL"]);
    expect(byId["kms-key-rotation-disabled k-1"]).toEqual([false, "UNKNOWN"]);
    expect(m.resolved.map((f) => `${f.resourceId} ${f.previousStatus}→${f.status ?? "gone"}`).sort()).toEqual(
      ["vol-fixed FAIL→PASS", "vol-gone FAIL→gone"],
    );
    expect(m.summary).toMatchObject({ newFindings: 1, resolvedFindings: 2 });
    const volumes = m.requirements.find((r) => r.id === "1.1");
    expect([volumes?.newFindings, volumes?.resolved.length]).toEqual([1, 2]);
    // Two frameworks read together: each lists the resolved results of its own rules only.
    const named = (id: string, text: string) => {
      const file = join(tmp(), `${id}.yaml`);
      return parseFramework(file, text, RULES);
    };
    const keysOnly = named(
      "keys-only",
      TEST_FRAMEWORK.replace("id: test-fw", "id: keys-only").replace(
        /requirements:\n[\s\S]*/,
        "requirements:\n  - { id: k, title: Keys rotate, rules: [kms-key-rotation-disabled, ebs-volume-unencrypted], sources: [s], rationale: r }\n",
      ),
    );
    const volumesOnly = named(
      "volumes-only",
      TEST_FRAMEWORK.replace("id: test-fw", "id: volumes-only").replace(
        /requirements:\n[\s\S]*/,
        "requirements:\n  - { id: v, title: Volumes, rules: [rds-instance-unencrypted], sources: [s], rationale: r }\n",
      ),
    );
    const [both] = prepareReports(store, second, [keysOnly, volumesOnly], () => WHOLE_SCAN);
    const [k, v] = both?.digests.map(materialize) ?? [];
    expect(k?.resolved.map((f) => f.resourceId).sort()).toEqual(["vol-fixed", "vol-gone"]);
    expect(v?.resolved).toEqual([]);
    store.close();
  });
});

describe("buildReport: determinism", () => {
  it("the same scan, inputs and version give identical bytes in every text format", () => {
    const dir = tmp();
    const store = openStore(dir);
    const id = storeScan(store, world(), [
      deniedListing(OTHER, "us-east-1", "secretsmanager", "ListSecrets", ["AWS::SecretsManager::Secret"]),
    ]);
    store.close();
    const render = () => {
      const s = openStore(dir);
      const m = prepareReport(s, id, testFramework(dir), { ...WHOLE_SCAN, tags: [PCI] });
      const texts = TEXT_FORMATS.map((f) => renderReport(m, f));
      s.close();
      return texts;
    };
    const [a, b] = [render(), render()];
    expect(a).toEqual(b);
    for (const text of a) expect(text).not.toMatch(/generated (at|on)/i);
  });
});
