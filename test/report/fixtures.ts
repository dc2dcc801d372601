// Stored scans for report tests: records taken from the rules' own examples (so they are shaped
// as the rules expect), judged by the real pipeline (judgeScan) into a real SQLite file.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { judgeScan } from "../../src/app/judge.js";
import type { CoverageInput } from "../../src/model/coverage.js";
import type { ResourceRecord } from "../../src/model/resource.js";
import { parseFramework, type Framework } from "../../src/report/frameworks.js";
import { loadRules } from "../../src/rules/loader.js";
import type { Rule } from "../../src/rules/rule.js";
import { Store } from "../../src/store/store.js";

export const RULES: Rule[] = loadRules();
export const CDE = "111111111111";
export const OTHER = "222222222222";
export const SCAN_TIME = new Date("2026-03-01T10:00:00.000Z");

/** A copy of a rule example's resource (the `n`th with that expectation), with overrides. */
export function example(
  ruleId: string,
  expect: "PASS" | "FAIL" | "UNKNOWN" | "NOT_APPLICABLE",
  over: Partial<ResourceRecord> = {},
  n = 0,
): ResourceRecord {
  const rule = RULES.find((r) => r.id === ruleId);
  const ex = rule?.examples.filter((e) => e.expect === expect)[n];
  if (!ex) throw new Error(`no ${expect} example ${n} in ${ruleId}`);
  const r = structuredClone(ex.resource);
  const merged = { ...r, awsAccountId: CDE, ...over };
  return { ...merged, arn: over.arn ?? arnOf(merged) };
}

function arnOf(r: ResourceRecord): string | null {
  switch (r.resourceType) {
    case "AWS::KMS::Key":
      return `arn:aws:kms:${r.awsRegion}:${r.awsAccountId}:key/${r.resourceId}`;
    case "AWS::EC2::Volume":
      return `arn:aws:ec2:${r.awsRegion}:${r.awsAccountId}:volume/${r.resourceId}`;
    default:
      return null;
  }
}

/** An encrypted volume under a key of the same account and region. */
export function volume(id: string, key: string | null, over: Partial<ResourceRecord> = {}): ResourceRecord {
  const base = example("ebs-volume-unencrypted", key ? "PASS" : "FAIL", { resourceId: id, ...over });
  const region = over.awsRegion ?? base.awsRegion;
  const account = over.awsAccountId ?? CDE;
  base.configuration = {
    ...base.configuration,
    volumeId: id,
    encrypted: key !== null,
    ...(key ? { kmsKeyId: `arn:aws:kms:${region}:${account}:key/${key}` } : {}),
  };
  if (!key) delete base.configuration.kmsKeyId;
  return base;
}

/** Store a complete scan of these records and coverage rows, judged by every rule. */
export function storeScan(
  store: Store,
  records: ResourceRecord[],
  coverage: CoverageInput[] = [],
  opts: { rules?: Rule[]; status?: "complete" | "failed" } = {},
): number {
  const rules = opts.rules ?? RULES;
  const id = store.beginScan("evaluate", "test fixture", {}, SCAN_TIME);
  store.insertResources(id, records);
  store.upsertCoverage(id, coverage);
  store.recordRules(id, rules);
  const { summary } = judgeScan(store, { id, now: SCAN_TIME }, rules);
  store.finishScan(id, opts.status ?? "complete", summary);
  return id;
}

export function deniedListing(
  accountId: string,
  region: string,
  service: string,
  operation: string,
  resourceTypes: string[],
): CoverageInput {
  return {
    accountId,
    region,
    service,
    operation,
    status: "denied",
    scope: "region",
    resourceTypes,
    errorCode: "AccessDeniedException",
    errorMessage: "denied by an SCP",
    resourceCount: 0,
    apiCalls: 1,
  };
}

/** A small framework whose requirements each map one rule, for status tests. */
export const TEST_FRAMEWORK = `id: test-fw
title: Test framework
standard: A standard for tests
version: "1"
publisher: dpscan tests
url: https://example.com/standard
description: One rule per requirement.
sources:
  - { id: s, title: A source, url: https://example.com/source }
requirements:
  - id: "1"
    title: Technical requirements
    requirements:
      - { id: "1.1", title: Volumes are encrypted, rules: [ebs-volume-unencrypted], sources: [s], rationale: r }
      - { id: "1.2", title: Keys rotate, rules: [kms-key-rotation-disabled], sources: [s], rationale: r }
      - { id: "1.3", title: Databases are encrypted, rules: [rds-instance-unencrypted], sources: [s], rationale: r }
      - { id: "1.4", title: Secrets rotate, rules: [secret-rotation-disabled], sources: [s], rationale: r }
      - { id: "1.5", title: Least privilege for keys, rules: [iam-policy-kms-full-access], sources: [s], rationale: r }
  - { id: "2", title: Procedures are documented, manual: Examine the procedures. }
`;

export function testFramework(dir: string, text = TEST_FRAMEWORK, rules: Rule[] = RULES): Framework {
  const file = join(dir, "test-fw.yaml");
  writeFileSync(file, text);
  return parseFramework(file, text, rules);
}

export function openStore(dir: string, name = "report.db"): Store {
  return new Store(join(dir, name));
}
