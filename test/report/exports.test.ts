// Exports to security tools (OCSF Compliance Finding, ASFF for BatchImportFindings) and the CI
// outputs' handling of hostile text, on a synthetic stored scan: many findings across accounts
// and regions, a global resource, a coverage gap, and resource-controlled text.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runLifecycle } from "../../src/app/lifecycle.js";
import type { FindingInput, FindingRow } from "../../src/model/finding.js";
import type { ResourceRecord } from "../../src/model/resource.js";
import { ASFF_BATCH, ASFF_SCHEMA_VERSION, asffBatches } from "../../src/report/asff.js";
import { loadRules } from "../../src/rules/loader.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { HOSTILE } from "../helpers/sim.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const A = "111111111111";
const B = "222222222222";

function record(
  type: string,
  id: string,
  account: string,
  region: string,
  arn: string | null,
): ResourceRecord {
  return {
    resourceType: type,
    resourceId: id,
    resourceName: null,
    arn,
    awsAccountId: account,
    awsRegion: region,
    configuration: {},
    supplementaryConfiguration: {},
    tags: { Name: HOSTILE },
    configurationItemCaptureTime: "2027-01-01T00:00:00.000Z",
  };
}

/** 150 failing volumes in A/us-east-1, 3 in B/eu-west-1, a global IAM policy, a gap behind an aggregator. */
async function syntheticScan(db: string): Promise<void> {
  const store = new Store(db);
  const rules = loadRules();
  const finding = (
    r: ResourceRecord,
    ruleId: string,
    status: FindingInput["status"],
    message: string,
  ): FindingInput => ({
    ruleId,
    status,
    severity: rules.find((x) => x.id === ruleId)?.severity ?? "high",
    resource: r,
    message,
    evidence: {},
  });
  await runLifecycle(
    store,
    { kind: "evaluate", source: "synthetic", options: { region: "eu-west-2" } },
    (h) => {
      store.recordRules(h.id, rules);
      const vols = [
        ...Array.from({ length: 150 }, (_, i) =>
          record(
            "AWS::EC2::Volume",
            `vol-a${i}`,
            A,
            "us-east-1",
            `arn:aws:ec2:us-east-1:${A}:volume/vol-a${i}`,
          ),
        ),
        ...Array.from({ length: 3 }, (_, i) =>
          record(
            "AWS::EC2::Volume",
            `vol-b${i}`,
            B,
            "eu-west-1",
            `arn:aws:ec2:eu-west-1:${B}:volume/vol-b${i}`,
          ),
        ),
      ];
      const policy = record("AWS::IAM::Policy", "ANPA1", A, "global", `arn:aws:iam::${A}:policy/p`);
      const gap = record("AWS::KMS::Key", "*", "*", "*", null);
      store.insertResources(h.id, [...vols, policy]);
      store.insertFindings(h.id, [
        ...vols.map((v, i) =>
          finding(
            v,
            "ebs-volume-unencrypted",
            "FAIL",
            i === 0 ? `volume ${HOSTILE} | ::set-output name=x:: 100% @everyone` : `volume ${v.resourceId}`,
          ),
        ),
        finding(policy, "iam-policy-kms-full-access", "FAIL", "policy allows kms:*"),
        finding(
          gap,
          "kms-key-policy-public",
          "UNKNOWN",
          "Cannot evaluate: config:SelectAggregateResourceConfig failed",
        ),
      ]);
      return { summary: {}, value: null };
    },
  );
  store.close();
}

describe("findings --format ocsf", () => {
  it("one OCSF 1.8.0 Compliance Finding (class 2003) per line with the required attributes", async () => {
    const db = join(tmp(), "ocsf.db");
    await syntheticScan(db);
    const r = await runCli(["--db", db, "findings", "--format", "ocsf"]);
    expect(r.code).toBe(EXIT.ok);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any -- OCSF documents are checked field by field
    expect(lines).toHaveLength(155);
    for (const e of lines) {
      // Required by the class and its base event (OCSF 1.8.0): activity_id, category_uid, class_uid,
      // type_uid, severity_id, time, metadata (product, version), finding_info (uid), compliance.
      expect(e).toMatchObject({
        category_uid: 2,
        class_uid: 2003,
        metadata: { version: "1.8.0", product: { name: "dpscan" } },
      });
      expect(e.type_uid).toBe(2003 * 100 + e.activity_id);
      expect([1, 2]).toContain(e.activity_id);
      expect(typeof e.time).toBe("number");
      expect(e.finding_info.uid).toMatch(/^[0-9a-f]{64}$/);
      expect(e.compliance.status_id).toBeGreaterThanOrEqual(1);
    }
    const vol = lines.find((e) => e.resources[0].name === "vol-a1");
    expect(vol).toMatchObject({
      activity_id: 1, // first seen in this scan
      severity_id: 4,
      severity: "High",
      status: "New",
      compliance: { status_id: 3, status: "Fail", control: "ebs-volume-unencrypted" },
      cloud: { provider: "AWS", region: "us-east-1", account: { uid: A, type_id: 10 } },
      resources: [
        { uid: `arn:aws:ec2:us-east-1:${A}:volume/vol-a1`, type: "AWS::EC2::Volume", cloud_partition: "aws" },
      ],
      finding_info: {
        title: "EBS volume is not encrypted",
        analytic: { uid: "ebs-volume-unencrypted", type_id: 1 },
      },
      remediation: { desc: expect.stringContaining("encrypted snapshot copy") },
    });
    const unknown = lines.find((e) => e.compliance.control === "kms-key-policy-public");
    expect(unknown?.compliance).toMatchObject({ status_id: 2, status: "Warning" });
  });
});

describe("findings --format asff", () => {
  it("BatchImportFindings bodies of at most 100, one account and region each, with every required field", async () => {
    const db = join(tmp(), "asff.db");
    await syntheticScan(db);
    const r = await runCli(["--db", db, "findings", "--format", "asff"]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toContain(
      "1 finding(s) concern every account behind an aggregator and have no account for ASFF; left out",
    );
    const bodies = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { Findings: Record<string, any>[] }); // eslint-disable-line @typescript-eslint/no-explicit-any -- ASFF documents are checked field by field
    const sizes = bodies.map((b) => b.Findings.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(ASFF_BATCH);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(154);
    for (const b of bodies) {
      const keys = new Set(b.Findings.map((f) => `${f.AwsAccountId} ${f.ProductArn}`));
      expect(keys.size).toBe(1);
      for (const f of b.Findings) {
        for (const field of [
          "SchemaVersion",
          "Id",
          "ProductArn",
          "GeneratorId",
          "AwsAccountId",
          "Types",
          "CreatedAt",
          "UpdatedAt",
          "Severity",
          "Title",
          "Description",
          "Resources",
        ])
          expect(f[field], field).toBeDefined();
        expect(f.SchemaVersion).toBe(ASFF_SCHEMA_VERSION);
        expect(f.ProductArn).toBe(
          `arn:aws:securityhub:${f.Resources[0].Region}:${f.AwsAccountId}:product/${f.AwsAccountId}/default`,
        );
        expect(f.AwsAccountId).toMatch(/^\d{12}$/);
        expect(f.Id.length).toBeLessThanOrEqual(512);
        expect(f.Title.length).toBeLessThanOrEqual(256);
        expect(f.Description.length).toBeLessThanOrEqual(1024);
        expect(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]).toContain(f.Severity.Label);
        expect(["PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"]).toContain(f.Compliance.Status);
        expect(f.CreatedAt).toBe(f.UpdatedAt); // every finding is new in this scan
      }
    }
    const all = bodies.flatMap((b) => b.Findings);
    const policy = all.find((f) => f.GeneratorId === "dpscan/iam-policy-kms-full-access");
    // A global resource is imported into the scan's home region.
    expect(policy?.Resources[0]).toEqual({
      Type: "AwsIamPolicy",
      Id: `arn:aws:iam::${A}:policy/p`,
      Partition: "aws",
      Region: "eu-west-2",
    });
    expect(new Set(all.map((f) => f.Id)).size).toBe(all.length);
    const again = (await runCli(["--db", db, "findings", "--format", "asff"])).stdout;
    expect(again.split("\n")[0]).toContain(all[0]?.Id);
  });
});

describe("asffBatches", () => {
  it("holds a bounded number of findings however many account/region pairs are open", () => {
    // 1,000 pairs in turn, 20 findings each: every body stays open until the last round.
    const rows = function* (): Generator<FindingRow> {
      for (let round = 0; round < 20; round++)
        for (let pair = 0; pair < 1000; pair++)
          yield {
            accountId: String(100000000000 + pair),
            region: "us-east-1",
            ruleId: `r${round}`,
          } as FindingRow;
    };
    let read = 0;
    let written = 0;
    let most = 0;
    const counted = (function* () {
      for (const r of rows()) {
        read++;
        yield r;
      }
    })();
    const bodies = [];
    for (const b of asffBatches(
      counted,
      (f) => ({ AwsAccountId: f.accountId, rule: f.ruleId }),
      "us-east-1",
      500,
    )) {
      written += b.Findings.length;
      most = Math.max(most, read - written);
      bodies.push(b);
    }
    expect(written).toBe(20_000);
    expect(most).toBeLessThanOrEqual(500);
    for (const b of bodies) {
      expect(b.Findings.length).toBeLessThanOrEqual(ASFF_BATCH);
      expect(new Set(b.Findings.map((f) => f.AwsAccountId)).size).toBe(1);
    }
    // Few pairs: full bodies of 100, the bound never reached.
    const few = [
      ...asffBatches(
        Array.from(
          { length: 1000 },
          (_, i) => ({ accountId: String(100000000000 + (i % 2)), region: "eu-west-1" }) as FindingRow,
        ),
        (f) => ({ AwsAccountId: f.accountId }),
        "us-east-1",
        500,
      ),
    ];
    expect(few.map((b) => b.Findings.length)).toEqual(Array(10).fill(100));
  });
});

describe("CI outputs keep resource-controlled text inert", () => {
  it("Markdown, JUnit XML and GitHub annotations escape what a resource owner wrote", async () => {
    const dir = tmp();
    const db = join(dir, "hostile.db");
    await syntheticScan(db);
    const saved = process.env.GITHUB_ACTIONS;
    process.env.GITHUB_ACTIONS = "true";
    const md = join(dir, "s.md");
    const xml = join(dir, "j.xml");
    let r;
    try {
      r = await runCli(["--db", db, "gate", "--no-config", "--summary", md, "--junit", xml]);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_ACTIONS;
      else process.env.GITHUB_ACTIONS = saved;
    }
    expect(r.code).toBe(EXIT.gateFailed);
    // Annotations: one line per command; the message's newline, CR and % are escaped.
    const hostile = r.stdout.split("\n").find((l) => l.includes("vol-a0")) ?? "";
    expect(hostile.startsWith("::error title=dpscan FAIL high%3A ebs-volume-unencrypted::")).toBe(true);
    expect(hostile).toContain("100%25");
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(hostile).not.toMatch(/[\r\u0000-\u0008]/);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("::set-output"))).toEqual([]);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("::")).length).toBeLessThanOrEqual(50);

    const summary = readFileSync(md, "utf8");
    expect(summary).not.toContain("<script>");
    expect(summary).toContain("&lt;script&gt;");
    expect(summary).not.toContain("@everyone");
    expect(summary).toContain("\\| ::set-output");
    expect(summary).toContain("… and 104 more.");

    const junit = readFileSync(xml, "utf8");
    expect(junit).not.toContain("<script>");
    expect(junit).toContain("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;");
    // Text outside tags never holds a raw < or >, and no character XML forbids is left.
    expect(junit.replace(/<[^<>]*>/g, "")).not.toMatch(/[<>]/);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(junit).not.toMatch(/[\u0001-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(junit.match(/<testcase /g)?.length).toBe(155);
  });
});
