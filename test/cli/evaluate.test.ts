import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const SNAPSHOT = "examples/config-snapshot.json";

interface JsonFinding {
  ruleId: string;
  status: string;
  severity: string;
  resourceId: string;
  accountId: string;
  region: string;
  message: string;
  evidence: Record<string, unknown>;
}

async function evaluateJson(
  db: string,
  input = SNAPSHOT,
): Promise<{ scanId: number; findings: JsonFinding[] }> {
  const r = await runCli(["--db", db, "evaluate", "--input", input, "--format", "json"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as { scan: { id: number }; findings: JsonFinding[] };
  return { scanId: doc.scan.id, findings: doc.findings };
}

describe("dpscan evaluate (end to end)", () => {
  it("evaluates the example snapshot and reports the expected findings", async () => {
    const db = join(tmp(), "e.db");
    const { scanId, findings } = await evaluateJson(db);
    expect(scanId).toBe(1);
    const fails = findings
      .filter((f) => f.status === "FAIL")
      .map((f) => `${f.ruleId} ${f.resourceId}`)
      .sort();
    expect(fails).toEqual([
      "ebs-volume-unencrypted vol-0a1f2e3d4c5b60002",
      "ebs-volume-unencrypted vol-0a1f2e3d4c5b60003",
      "kms-key-policy-cross-account 1e4d2c8f-6b5a-4c8f-8d2e-3a4f5b6c7d82",
      "kms-key-policy-no-separation-of-duties 1e4d2c8f-6b5a-4c8f-8d2e-3a4f5b6c7d82",
      "kms-key-policy-no-separation-of-duties 3a6f4e0b-8d7c-4e0b-8f4a-5c6b7d8e9fa4",
      "kms-key-policy-no-separation-of-duties 4b7a5f1c-9e8d-4f1c-9a5b-6d7c8e9fa0b5",
      "kms-key-policy-public 3a6f4e0b-8d7c-4e0b-8f4a-5c6b7d8e9fa4",
      "kms-key-policy-wildcard-grant 1e4d2c8f-6b5a-4c8f-8d2e-3a4f5b6c7d82",
      "kms-key-policy-wildcard-grant 3a6f4e0b-8d7c-4e0b-8f4a-5c6b7d8e9fa4",
      "kms-key-policy-wildcard-grant 4b7a5f1c-9e8d-4f1c-9a5b-6d7c8e9fa0b5",
      "kms-key-rotation-disabled 1e4d2c8f-6b5a-4c8f-8d2e-3a4f5b6c7d82",
      "s3-bucket-default-encryption-not-kms acme-analytics-lake",
      "s3-bucket-default-encryption-not-kms acme-cloudtrail-logs",
      "s3-bucket-default-encryption-not-kms acme-eu-reports",
      "s3-bucket-default-encryption-not-kms acme-public-assets",
      "s3-bucket-secure-transport-missing acme-analytics-lake",
      "s3-bucket-secure-transport-missing acme-eu-reports",
      "s3-bucket-secure-transport-missing acme-public-assets",
      "s3-bucket-tls-below-1-2 acme-analytics-lake",
      "s3-bucket-tls-below-1-2 acme-cloudtrail-logs",
      "s3-bucket-tls-below-1-2 acme-eu-reports",
      "s3-bucket-tls-below-1-2 acme-payments-archive",
      "s3-bucket-tls-below-1-2 acme-public-assets",
    ]);
    const publicKey = findings.find((f) => f.resourceId === "3a6f4e0b-8d7c-4e0b-8f4a-5c6b7d8e9fa4");
    expect(publicKey?.severity).toBe("critical");
    expect(publicKey?.message).toMatch(/everyone .* no restricting condition/);
    const denied = findings.find(
      (f) =>
        f.resourceId === "6d9c7b3e-b0af-4b3e-9c7d-8f9e0a1b2c3d" &&
        f.ruleId === "kms-key-policy-wildcard-grant",
    );
    expect(denied?.status).toBe("UNKNOWN");
    expect(denied?.message).toContain("AccessDeniedException (GetKeyPolicy)");
    // The asymmetric key is not applicable to rotation: no row at all.
    expect(
      findings.filter(
        (f) =>
          f.resourceId === "2f5e3d9a-7c6b-4d9a-9e3f-4b5a6c7d8e93" && f.ruleId === "kms-key-rotation-disabled",
      ),
    ).toEqual([]);
    for (const f of findings) {
      expect(Object.keys(f)).toEqual([
        "ruleId",
        "title",
        "status",
        "severity",
        "resourceType",
        "resourceId",
        "arn",
        "accountId",
        "region",
        "message",
        "remediation",
        "references",
        "evidence",
        "lifecycle",
        "firstSeen",
        "firstSeenScanId",
        "waived",
        "waiver",
      ]);
    }
  });

  it("prints a readable summary in table format", async () => {
    const r = await runCli(["--db", join(tmp(), "t.db"), "evaluate", "--input", SNAPSHOT]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("23 FAIL, 4 UNKNOWN, 31 PASS.");
    expect(r.stdout).toMatch(/s3-bucket-secure-transport-missing\s+3\s+0\s+2/);
    expect(r.stdout).toContain("Ignored 1 item(s) of 1 type(s) no rule covers: AWS::EC2::Instance (1).");
  });

  it("lists findings of the latest complete scan with filters and formats", async () => {
    const db = join(tmp(), "f.db");
    await evaluateJson(db);
    const crit = await runCli(["--db", db, "findings", "--severity", "critical", "--format", "json"]);
    expect(JSON.parse(crit.stdout).findings.map((f: JsonFinding) => f.severity)).toEqual([
      "critical",
      "critical",
      "critical",
    ]);
    const eu = await runCli([
      "--db",
      db,
      "findings",
      "--region",
      "eu-west-1",
      "--status",
      "fail,unknown,pass",
      "--format",
      "json",
    ]);
    const euRows = JSON.parse(eu.stdout).findings as JsonFinding[];
    expect(euRows.length).toBeGreaterThan(0);
    expect(euRows.every((f) => f.region === "eu-west-1")).toBe(true);
    const byRule = await runCli([
      "--db",
      db,
      "findings",
      "--rule",
      "ebs-volume-unencrypted",
      "--account",
      "111122223333",
      "--format",
      "json",
    ]);
    expect(JSON.parse(byRule.stdout).findings).toHaveLength(2);
    const byType = await runCli(["--db", db, "findings", "--type", "AWS::S3::Bucket", "--format", "json"]);
    expect(JSON.parse(byType.stdout).findings).toHaveLength(12);
    const csv = await runCli(["--db", db, "findings", "--format", "csv"]);
    const lines = csv.stdout.trim().split("\r\n");
    expect(lines[0]).toBe(
      "scanId,scanStatus,ruleId,title,status,severity,resourceType,resourceId,arn,accountId,region,message,remediation,references,evidence,lifecycle,firstSeen,firstSeenScanId,waived,waiver",
    );
    expect(lines).toHaveLength(28); // the header and every FAIL and UNKNOWN
    const table = await runCli(["--db", db, "findings"]);
    expect(table.stdout).toContain("Scan 1 (evaluate, complete");
  });

  it("an item AWS Config does not record is a coverage gap with UNKNOWN results, not silence", async () => {
    const dir = tmp();
    const doc = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as { configurationItems: unknown[] };
    const input = join(dir, "nr.json");
    writeFileSync(
      input,
      JSON.stringify({
        configurationItems: [
          ...doc.configurationItems,
          {
            configurationItemStatus: "ResourceNotRecorded",
            resourceType: "AWS::KMS::Key",
            resourceId: "9f9f9f9f-0000-4000-8000-000000000001",
            awsAccountId: "111122223333",
            awsRegion: "eu-west-1",
            configuration: null,
          },
          {
            configurationItemStatus: "ResourceDeleted",
            resourceType: "AWS::EC2::Volume",
            resourceId: "vol-0deleted",
            awsAccountId: "111122223333",
            awsRegion: "us-east-1",
          },
        ],
      }),
    );
    const db = join(dir, "nr.db");
    const { scanId, findings } = await evaluateJson(db, input);
    const gapRows = findings.filter((f) => f.resourceId === "*");
    expect(gapRows.map((f) => `${f.ruleId} ${f.status} ${f.accountId}/${f.region}`).sort()).toEqual([
      "kms-key-deletion-in-use UNKNOWN 111122223333/eu-west-1",
      "kms-key-pending-deletion UNKNOWN 111122223333/eu-west-1",
      "kms-key-policy-cross-account UNKNOWN 111122223333/eu-west-1",
      "kms-key-policy-no-separation-of-duties UNKNOWN 111122223333/eu-west-1",
      "kms-key-policy-public UNKNOWN 111122223333/eu-west-1",
      "kms-key-policy-wildcard-grant UNKNOWN 111122223333/eu-west-1",
      "kms-key-rotation-disabled UNKNOWN 111122223333/eu-west-1",
    ]);
    for (const f of gapRows) {
      expect(f.message).toMatch(
        /1 of \d+ AWS::KMS::Key item\(s\) in .*nr\.json are ResourceNotRecorded: .*9f9f9f9f-0000-4000-8000-000000000001/,
      );
    }
    const store = new Store(db);
    try {
      expect(store.coverage(scanId)).toMatchObject([
        {
          accountId: "111122223333",
          region: "eu-west-1",
          service: "config",
          operation: "ReadItem:AWS::KMS::Key",
          status: "failed",
          scope: "region",
          resourceTypes: ["AWS::KMS::Key"],
          errorCode: "ResourceNotRecorded",
        },
      ]);
      const deletedBefore = doc.configurationItems.filter((i) =>
        /^ResourceDeleted/.test(String((i as { configurationItemStatus?: unknown }).configurationItemStatus)),
      ).length;
      expect(store.getScan(scanId)?.summary).toMatchObject({ deleted: deletedBefore + 1, notRecorded: 1 });
    } finally {
      store.close();
    }
    const table = await runCli(["--db", join(dir, "nr-table.db"), "evaluate", "--input", input]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("Not examined: 1 item(s) AWS Config marks ResourceNotRecorded");
    // The example's 1 UNKNOWN plus one per rule on AWS::KMS::Key.
    expect(table.stdout).toContain("23 FAIL, 11 UNKNOWN, 31 PASS.");
  });

  it("rejects bad usage with exit code 2 and one clear line", async () => {
    const db = join(tmp(), "u.db");
    const noScan = await runCli(["--db", db, "findings"]);
    expect(noScan.code).toBe(2);
    expect(noScan.stderr).toMatch(/no complete scan in .*u\.db/);
    const badSev = await runCli(["--db", db, "findings", "--severity", "urgent"]);
    expect(badSev.code).toBe(2);
    expect(badSev.stderr).toContain("--severity must be one of critical, high, medium, low, info");
    const badFormat = await runCli(["--db", db, "evaluate", "--input", SNAPSHOT, "--format", "xml"]);
    expect(badFormat.code).toBe(2);
    const badWorkers = await runCli(["--db", db, "evaluate", "--input", SNAPSHOT, "--judge-workers", "2x"]);
    expect(badWorkers.code).toBe(2);
    expect(badWorkers.stderr).toContain("--judge-workers");
    for (const n of ["0", "9", "2x"]) {
      const badParse = await runCli(["--db", db, "evaluate", "--input", SNAPSHOT, "--parse-workers", n]);
      expect(badParse.code).toBe(2);
      expect(badParse.stderr).toContain(`--parse-workers: expected a whole number from 1 to 8, got "${n}"`);
    }
    const unknownCmd = await runCli(["frobnicate"]);
    expect(unknownCmd.code).toBe(2);
  });

  describe("bad input never costs stored data", () => {
    async function expectRejected(content: string, pattern: RegExp): Promise<void> {
      const dir = tmp();
      const db = join(dir, "keep.db");
      await evaluateJson(db);
      const bad = join(dir, "bad.json");
      writeFileSync(bad, content);
      const r = await runCli(["--db", db, "evaluate", "--input", bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
      const store = new Store(db);
      expect(store.latestCompleteScan()?.id).toBe(1);
      expect(store.queryFindings(1).length).toBe(58);
      store.close();
    }

    it("truncated JSON names the file and position", async () => {
      const text = readFileSync(SNAPSHOT, "utf8");
      await expectRejected(text.slice(0, 5000), /bad\.json:\d+:\d+: invalid JSON: unexpected end of input/);
    });

    it("an item of the wrong shape names the file and item", async () => {
      await expectRejected(
        JSON.stringify({
          configurationItems: [
            {
              resourceType: "AWS::EC2::Volume",
              resourceId: "vol-1",
              awsAccountId: 42,
              awsRegion: "us-east-1",
            },
          ],
        }),
        /bad\.json:1:24: configurationItems\[0\]: awsAccountId "42" is not a 12-digit account ID/,
      );
      await expectRejected(JSON.stringify({ items: [] }), /bad\.json: not an AWS Config snapshot/);
      await expectRejected('{"resourceType": "AWS::EC2::Volume"}\nnot json\n', /bad\.json:2:1: invalid JSON/);
    });

    it("a missing file is a clear error, found before any database is created", async () => {
      const db = join(tmp(), "m.db");
      const r = await runCli(["--db", db, "evaluate", "--input", "/nonexistent/file.json"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe("dpscan: /nonexistent/file.json: cannot read: ENOENT\n");
      expect(existsSync(db)).toBe(false);
    });
  });

  it("reads JSON arrays and JSON Lines, ignores unknown types, and turns a 50 MB policy into UNKNOWN", async () => {
    const dir = tmp();
    const bucket = (name: string, policyText: string | null) => ({
      resourceType: "AWS::S3::Bucket",
      resourceId: name,
      resourceName: name,
      awsAccountId: "111122223333",
      awsRegion: "us-east-1",
      supplementaryConfiguration: { BucketPolicy: { policyText } },
    });
    const huge = `{"Statement":[{"Sid":"${"x".repeat(50 * 1024 * 1024)}"}]}`;
    writeFileSync(
      join(dir, "a.json"),
      JSON.stringify([bucket("huge", huge), { resourceType: "AWS::Lambda::Function", resourceId: "f" }]),
    );
    writeFileSync(
      join(dir, "b.jsonl"),
      `${JSON.stringify(bucket("nopolicy", null))}\n${JSON.stringify(bucket("other", null))}\n`,
    );
    const r = await runCli([
      "--db",
      join(dir, "x.db"),
      "evaluate",
      "--input",
      join(dir, "a.json"),
      join(dir, "b.jsonl"),
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const findings = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
    const transport = findings.filter((f) => f.ruleId === "s3-bucket-secure-transport-missing");
    expect(transport.map((f) => `${f.resourceId}:${f.status}`).sort()).toEqual([
      "huge:UNKNOWN",
      "nopolicy:FAIL",
      "other:FAIL",
    ]);
    expect(transport.find((f) => f.resourceId === "huge")?.message).toContain("DocumentTooLarge");
  });
});

describe("dpscan rules", () => {
  it("lists, shows, tests and validates", async () => {
    const list = await runCli(["rules", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("kms-key-rotation-disabled");
    const show = await runCli(["rules", "show", "ebs-volume-unencrypted"]);
    expect(show.stdout).toContain("encrypted-volumes");
    const missing = await runCli(["rules", "show", "nope"]);
    expect(missing.code).toBe(2);
    const test = await runCli(["rules", "test"]);
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/^\d+ passed, 0 failed$/m);
    const valid = await runCli(["rules", "validate", "rules/ebs-volume-unencrypted.yaml"]);
    expect(valid.code).toBe(0);
  });

  it("validate reports a broken rule file and an example that does not hold", async () => {
    const dir = tmp();
    const text = readFileSync("rules/ebs-volume-unencrypted.yaml", "utf8");
    writeFileSync(join(dir, "ebs-volume-unencrypted.yaml"), text.replace("eq: false", "eq: true"));
    const r = await runCli(["rules", "validate", join(dir, "ebs-volume-unencrypted.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /ebs-volume-unencrypted\.yaml:\d+:\d+: example "encrypted volume" expected PASS, got FAIL/,
    );
    writeFileSync(join(dir, "ebs-volume-unencrypted.yaml"), text.replace("severity: high", "severty: high"));
    const r2 = await runCli(["rules", "validate", join(dir, "ebs-volume-unencrypted.yaml")]);
    expect(r2.stderr).toMatch(/:4:1: severty: unknown field "severty"/);
  });
});

describe("dpscan evaluate's table", () => {
  /** `n` unencrypted volumes: one FAIL each (and passes for the other volume rules). */
  function volumes(n: number): string {
    const snapshot = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as {
      configurationItems: { resourceType: string; resourceId: string; ARN: string; configuration: object }[];
    };
    const base = snapshot.configurationItems.find((i) => i.resourceId === "vol-0a1f2e3d4c5b60002");
    if (!base) throw new Error("the example snapshot lost its unencrypted volume");
    const items = Array.from({ length: n }, (_, i) => {
      const id = `vol-${String(i).padStart(17, "0")}`;
      return {
        ...base,
        resourceId: id,
        ARN: base.ARN.replace(base.resourceId, id),
        configuration: { ...base.configuration, volumeId: id },
      };
    });
    const file = join(tmp(), "volumes.json");
    writeFileSync(file, JSON.stringify({ configurationItems: items }));
    return file;
  }

  it("lists the first 60 FAIL/UNKNOWN and points to `findings` for the rest; --all lists every result", async () => {
    const input = volumes(75);
    const db = join(tmp(), "t.db");
    const r = await runCli(["--db", db, "evaluate", "--input", input, "--rule", "ebs-volume-unencrypted"]);
    expect(r.code).toBe(0);
    const listed = r.stdout
      .split("\n")
      .filter((l) => l.includes("ebs-volume-unencrypted") && l.includes("vol-"));
    expect(listed).toHaveLength(60);
    expect(r.stdout).toMatch(/… 15 more: .*findings --scan 1/);

    const all = await runCli([
      "--db",
      db,
      "evaluate",
      "--input",
      input,
      "--rule",
      "ebs-volume-unencrypted",
      "--all",
    ]);
    const rows = all.stdout
      .split("\n")
      .filter((l) => l.includes("ebs-volume-unencrypted") && l.includes("vol-"));
    expect(rows).toHaveLength(75);
    expect(all.stdout).not.toContain("more:");
  });
});
