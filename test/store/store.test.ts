import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { ResourceRecord } from "../../src/model/resource.js";
import { STATUSES, type Status } from "../../src/model/severity.js";
import { listMigrations } from "../../src/store/migrations.js";
import { Store } from "../../src/store/store.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

function vol(i: number, account = "111122223333"): ResourceRecord {
  return {
    resourceType: "AWS::EC2::Volume",
    resourceId: `vol-${String(i).padStart(17, "0")}`,
    resourceName: null,
    arn: `arn:aws:ec2:us-east-1:${account}:volume/vol-${i}`,
    awsAccountId: account,
    awsRegion: "us-east-1",
    configuration: { encrypted: i % 2 === 0, size: i },
    supplementaryConfiguration: {},
    tags: { Name: `<b>${i}</b>` },
    configurationItemCaptureTime: "2026-11-01T00:00:00.000Z",
  };
}

describe("store", () => {
  it("creates the schema with WAL and foreign keys, and migrating twice is a no-op", () => {
    const path = join(tmp(), "a.db");
    const s1 = new Store(path);
    expect(s1.schemaVersion).toBe(listMigrations().at(-1)?.version);
    expect(s1.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(s1.db.pragma("foreign_keys", { simple: true })).toBe(1);
    s1.close();
    const s2 = new Store(path);
    const rows = s2.db.prepare("SELECT version FROM schema_migrations").all();
    expect(rows).toHaveLength(listMigrations().length);
    s2.close();
  });

  it("refuses a database from a newer dpscan", () => {
    const path = join(tmp(), "b.db");
    new Store(path).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations VALUES (999, 'future', 'x')").run();
    db.close();
    expect(() => new Store(path)).toThrow(
      /b\.db: written by a newer dpscan \(schema version 999; this dpscan knows up to \d+\)/,
    );
    // The SQLite header's user_version says the same to other tools, and is read the same way.
    const other = join(tmp(), "u.db");
    new Store(other).close();
    const db2 = new Database(other);
    db2.pragma("user_version = 998");
    db2.close();
    expect(() => new Store(other)).toThrow(/schema version 998/);
  });

  it("writes every finding's every column, whatever the batch and statement boundaries", () => {
    // insertFindings binds many rows per statement: 1,234 rows end in a partial statement of a
    // partial batch, in the order given (row ids follow it).
    const s = new Store(join(tmp(), "rows.db"));
    const records = Array.from({ length: 1234 }, (_, i) =>
      vol(1233 - i, i % 3 === 0 ? "444455556666" : undefined),
    );
    const input = records.map((r, i) => ({
      ruleId: i % 2 === 0 ? "rule-a" : "rule-b",
      status: (["PASS", "FAIL", "UNKNOWN"] as const)[i % 3] ?? "PASS",
      severity: (["high", "low", "critical"] as const)[i % 3] ?? "high",
      resource: i % 5 === 0 ? { ...r, arn: null } : r,
      message: `m${i}`,
      evidence: { i, why: ["x"] },
    }));
    const row = (f: (typeof input)[number]) => ({
      rule_id: f.ruleId,
      status: f.status,
      severity: f.severity,
      resource_id: f.resource.resourceId,
      arn: f.resource.arn,
      account_id: f.resource.awsAccountId,
      message: f.message,
      evidence_json: JSON.stringify(f.evidence),
    });
    const read = (id: number) =>
      s.db
        .prepare(
          "SELECT rule_id, status, severity, resource_id, arn, account_id, message, evidence_json FROM findings WHERE scan_id = ? ORDER BY id",
        )
        .all(id);
    const direct = s.beginScan("evaluate", "direct", {});
    expect(s.insertFindings(direct, input)).toBe(1234);
    expect(read(direct)).toEqual(input.map(row));
    s.close();
  });

  it("stores resources, findings and coverage, and round-trips them", () => {
    const s = new Store(join(tmp(), "c.db"));
    const id = s.beginScan("evaluate", "test", { inputs: ["x"] });
    const records = Array.from({ length: 1234 }, (_, i) => vol(i));
    const pks = s.insertResources(id, records);
    expect(pks).toHaveLength(1234);
    const back = [...s.iterateResources(id, undefined, 100)];
    expect(back).toHaveLength(1234);
    expect(back[7]?.record).toEqual(records[7]);
    s.insertFindings(
      id,
      records.map((r, i) => ({
        ruleId: "ebs-volume-unencrypted",
        status: i % 2 === 0 ? ("PASS" as const) : ("FAIL" as const),
        severity: "high" as const,
        resource: r,
        resourcePk: pks[i] as number,
        message: "m",
        evidence: { i },
      })),
    );
    s.upsertCoverage(id, [
      {
        accountId: "111122223333",
        region: "us-east-1",
        service: "ec2",
        operation: "DescribeVolumes",
        status: "ok",
        scope: "region",
        resourceTypes: ["AWS::EC2::Volume"],
        resourceCount: 1234,
      },
      {
        accountId: "111122223333",
        region: "us-east-1",
        service: "kms",
        operation: "ListKeys",
        status: "denied",
        scope: "region",
        resourceTypes: ["AWS::KMS::Key"],
        errorCode: "AccessDeniedException",
      },
    ]);
    s.finishScan(id, "complete", { resources: 1234 });
    expect(s.queryFindings(id, { statuses: ["FAIL"] })).toHaveLength(617);
    expect(s.queryFindings(id, { minSeverity: "critical" })).toHaveLength(0);
    expect(s.queryFindings(id, { accountIds: ["999999999999"] })).toHaveLength(0);
    expect(s.queryFindings(id, { limit: 5 })[0]?.status).toBe("FAIL");
    expect(s.coverage(id).map((c) => c.status)).toEqual(["ok", "denied"]);
    expect(s.coverage(id)[1]).toMatchObject({ scope: "region", resourceTypes: ["AWS::KMS::Key"] });
    expect(s.countResources(id)).toEqual([{ resourceType: "AWS::EC2::Volume", count: 1234 }]);
    s.close();
  });

  it("discards a scan with every row of it and nothing of another scan", () => {
    const s = new Store(join(tmp(), "d.db"));
    const write = (): number => {
      const id = s.beginScan("evaluate", "test", { inputs: ["x"] });
      const records = Array.from({ length: 300 }, (_, i) => vol(i));
      const pks = s.insertResources(id, records);
      s.insertFindings(
        id,
        records.map((r, i) => ({
          ruleId: "ebs-volume-unencrypted",
          status: "PASS" as const,
          severity: "high" as const,
          resource: r,
          resourcePk: pks[i] as number,
          message: "m",
          evidence: {},
        })),
      );
      s.upsertCoverage(id, [
        {
          accountId: "111122223333",
          region: "us-east-1",
          service: "ec2",
          operation: "DescribeVolumes",
          status: "ok",
          scope: "region",
          resourceTypes: ["AWS::EC2::Volume"],
          resourceCount: 300,
        },
      ]);
      return id;
    };
    const kept = write();
    const gone = write();
    const rows = (id: number): Record<string, number> =>
      Object.fromEntries(
        ["resources", "findings", "coverage"].map((t) => [
          t,
          (s.db.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE scan_id = ?`).get(id) as { n: number }).n,
        ]),
      );
    s.discardScan(gone);
    expect(s.getScan(gone)).toBeUndefined();
    expect(rows(gone)).toEqual({ resources: 0, findings: 0, coverage: 0 });
    expect(rows(kept)).toEqual({ resources: 300, findings: 300, coverage: 1 });
    // Foreign keys are on again, and nothing is left pointing at a missing scan or resource.
    expect(s.db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(s.db.pragma("foreign_key_check")).toEqual([]);
    s.close();
  });

  it("pages a scan's resources by row-id range: each exactly once across page boundaries, other scans' rows skipped", () => {
    const s = new Store(join(tmp(), "paging.db"));
    const a = s.beginScan("scan", "a");
    const b = s.beginScan("scan", "b");
    const key = (r: ResourceRecord): string => `${r.resourceType} ${r.resourceId}`;
    const wrote = { [a]: [] as string[], [b]: [] as string[] };
    // Interleaved batches of two scans and two types, so each scan's row ids have holes.
    for (let round = 0; round < 9; round++)
      for (const scan of [a, b]) {
        const batch = Array.from({ length: 13 }, (_, i) => {
          const r = vol(round * 100 + i, scan === a ? "111122223333" : "444455556666");
          return i % 3 === 0 ? { ...r, resourceType: "AWS::KMS::Key" } : r;
        });
        s.insertResources(scan, batch);
        wrote[scan]?.push(...batch.map(key));
      }
    for (const scan of [a, b])
      for (const pageSize of [1, 7, 13, 26, 117, 1000]) {
        const all = [...s.iterateResources(scan, undefined, pageSize)];
        expect(all.map((r) => key(r.record))).toEqual(wrote[scan]);
        expect(all.map((r) => r.pk)).toEqual([...all.map((r) => r.pk)].sort((x, y) => x - y));
        const kms = [...s.iterateResources(scan, ["AWS::KMS::Key"], pageSize)].map((r) => key(r.record));
        expect(kms).toEqual(wrote[scan]?.filter((k) => k.startsWith("AWS::KMS::Key")));
        // Volumes are most of the scan: read from the row-id range, the keys skipped, in row order.
        const volumes = [...s.iterateResources(scan, ["AWS::EC2::Volume"], pageSize)];
        expect(volumes.map((r) => key(r.record))).toEqual(
          wrote[scan]?.filter((k) => k.startsWith("AWS::EC2")),
        );
        expect(volumes.map((r) => r.pk)).toEqual([...volumes.map((r) => r.pk)].sort((x, y) => x - y));
        const both = [...s.iterateResources(scan, ["AWS::EC2::Volume", "AWS::KMS::Key"], pageSize)];
        expect(both.map((r) => key(r.record)).sort()).toEqual([...(wrote[scan] ?? [])].sort());
      }
    const empty = s.beginScan("scan", "empty");
    expect([...s.iterateResources(empty)]).toEqual([]);
    expect([...s.iterateResources(empty, ["AWS::KMS::Key"])]).toEqual([]);
    // Findings with their records page the same way.
    for (const scan of [a, b]) {
      const resources = [...s.iterateResources(scan)];
      s.insertFindings(
        scan,
        resources.map(({ record, pk }, i) => ({
          ruleId: "r",
          status: STATUSES[i % 3] as Status,
          severity: "low" as const,
          resource: record,
          resourcePk: pk,
          message: "",
          evidence: {},
        })),
      );
    }
    for (const scan of [a, b])
      for (const pageSize of [1, 5, 117, 1000]) {
        const rows = [...s.iterateFindingsWithRecords(scan, pageSize)].map((r) => r.record());
        expect(rows.map((r) => (r ? key(r) : ""))).toEqual(wrote[scan]);
        // FAIL and UNKNOWN only: two of every three, in the same order.
        const open = [...s.iterateFindingsWithRecords(scan, pageSize, { open: true })];
        expect(open.map((r) => r.finding.status)).not.toContain("PASS");
        expect(open.map((r) => key(r.record() as ResourceRecord))).toEqual(
          wrote[scan]?.filter((_, i) => STATUSES[i % 3] !== "PASS"),
        );
      }
    s.close();
  });

  it("sizes a limited findings table by the rows it shows, an unlimited one by every match", () => {
    const s = new Store(join(tmp(), "widths.db"));
    const id = s.beginScan("scan", "t");
    const records = [1, 2, 3, 4].map((i) => vol(i, "111122223333"));
    const pks = s.insertResources(id, records);
    // Report order puts the FAIL first; the long message is on a PASS that a limit of 1 leaves out.
    s.insertFindings(
      id,
      records.map((r, i) => ({
        ruleId: "r",
        status: i === 0 ? ("FAIL" as const) : ("PASS" as const),
        severity: "low" as const,
        resource: r,
        resourcePk: pks[i] as number,
        message: i === 3 ? "x".repeat(50) : "short",
        evidence: {},
      })),
    );
    const shown = [...s.iterateFindingDocs(id, { limit: 1 })];
    expect(shown.map((f) => f.status)).toEqual(["FAIL"]);
    expect(s.findingColumnWidths(id, { limit: 1 }, ["status", "message"])).toEqual([4, 5]);
    expect(s.findingColumnWidths(id, {}, ["status", "message"])).toEqual([4, 50]);
    expect(s.findingColumnWidths(id, { statuses: ["UNKNOWN"], limit: 5 }, ["message"])).toEqual([0]);
    expect(s.ruleTallies(id)).toEqual([{ ruleId: "r", severity: "low", FAIL: 1, UNKNOWN: 0, PASS: 3 }]);
    expect(s.findingCounts(id)).toEqual([
      { status: "FAIL", severity: "low", count: 1 },
      { status: "PASS", severity: "low", count: 3 },
    ]);
    s.close();
  });

  it("one rule's results of some statuses come in report order, as the whole scan's read has them", () => {
    const s = new Store(join(tmp(), "rule-read.db"));
    const id = s.beginScan("scan", "t");
    const records = Array.from({ length: 60 }, (_, i) =>
      vol(59 - i, i % 3 === 0 ? "111122223333" : "444455556666"),
    );
    const pks = s.insertResources(id, records);
    const severities = ["critical", "high", "medium", "low", "info"] as const;
    const statuses = ["FAIL", "UNKNOWN", "PASS"] as const;
    // Three rules, each result with its own status and severity (a class can raise a FAIL's).
    s.insertFindings(
      id,
      records.flatMap((r, i) =>
        ["a", "b", "c"].map((rule, k) => ({
          ruleId: rule,
          status: statuses[(i + k) % 3] as (typeof statuses)[number],
          severity: severities[(i * 7 + k) % 5] as (typeof severities)[number],
          resource: r,
          resourcePk: pks[i] as number,
          message: `${rule} ${i}`,
          evidence: {},
        })),
      ),
    );
    const all = [...s.iterateFindingDocs(id)];
    for (const rule of ["a", "b", "c"])
      for (const wanted of [["FAIL"], ["PASS"], ["FAIL", "UNKNOWN"]] as const) {
        const expected = all.filter(
          (f) => f.ruleId === rule && (wanted as readonly string[]).includes(f.status),
        );
        expect(expected.length).toBeGreaterThan(5);
        const read = [...s.iterateFindingDocs(id, { statuses: [...wanted], ruleIds: [rule] })];
        expect(read.map((f) => f.id)).toEqual(expected.map((f) => f.id));
        const low = [
          ...s.iterateFindingDocs(id, { statuses: [...wanted], ruleIds: [rule], minSeverity: "medium" }),
        ];
        expect(low.map((f) => f.id)).toEqual(
          expected.filter((f) => ["critical", "high", "medium"].includes(f.severity)).map((f) => f.id),
        );
        if (wanted.length === 1)
          expect([...s.iterateFindingPlaces(id, wanted[0], rule)]).toEqual(
            expected.map((f) => ({
              ruleId: f.ruleId,
              accountId: f.accountId,
              region: f.region,
              resourceType: f.resourceType,
              resourceId: f.resourceId,
            })),
          );
      }
    s.close();
  });

  it("lets findings be written while resources are being streamed", () => {
    const s = new Store(join(tmp(), "d.db"));
    const id = s.beginScan("scan", "t");
    s.insertResources(
      id,
      Array.from({ length: 50 }, (_, i) => vol(i)),
    );
    let n = 0;
    for (const { record, pk } of s.iterateResources(id, ["AWS::EC2::Volume"], 7)) {
      s.insertFindings(id, [
        {
          ruleId: "r",
          status: "PASS",
          severity: "low",
          resource: record,
          resourcePk: pk,
          message: "",
          evidence: {},
        },
      ]);
      n++;
    }
    expect(n).toBe(50);
    s.close();
  });

  it("never presents an incomplete scan as the latest complete one", () => {
    const s = new Store(join(tmp(), "e.db"));
    const good = s.beginScan("evaluate", "good");
    s.finishScan(good, "complete", {});
    const failed = s.beginScan("evaluate", "failed");
    s.finishScan(failed, "failed", null, "boom");
    const interrupted = s.beginScan("scan", "interrupted");
    s.finishScan(interrupted, "interrupted", null, "SIGINT");
    s.beginScan("scan", "still running");
    expect(s.latestCompleteScan()?.id).toBe(good);
    expect(s.listScans().map((r) => r.status)).toEqual(["running", "interrupted", "failed", "complete"]);
    expect(s.getScan(failed)?.error).toBe("boom");
    s.close();
  });

  it("keeps one row for a true duplicate (the newest capture), counts it, and never drops it silently", () => {
    const s = new Store(join(tmp(), "f.db"));
    const id = s.beginScan("evaluate", "dup");
    const [a] = s.insertResources(id, [vol(1)]);
    const [b] = s.insertResources(id, [{ ...vol(1), configuration: { encrypted: true } }]);
    expect(b).toBe(a);
    expect([...s.iterateResources(id)][0]?.record.configuration).toEqual({ encrypted: true });
    // An older capture of the same resource does not replace the newer one, but is counted.
    s.insertResources(id, [
      {
        ...vol(1),
        configuration: { encrypted: false },
        configurationItemCaptureTime: "2026-10-01T00:00:00.000Z",
      },
    ]);
    expect([...s.iterateResources(id)].map((r) => r.record.configuration)).toEqual([{ encrypted: true }]);
    // An empty ARN is no ARN: two such records with different ids are two resources.
    s.insertResources(id, [
      { ...vol(7), arn: "" },
      { ...vol(8), arn: "" },
    ]);
    expect(s.countResources(id)).toEqual([{ resourceType: "AWS::EC2::Volume", count: 3 }]);
    expect(s.duplicateResources(id)).toEqual({
      resources: 1,
      copies: 2,
      examples: [
        {
          resourceType: "AWS::EC2::Volume",
          resourceId: vol(1).resourceId,
          arn: vol(1).arn,
          accountId: "111122223333",
          region: "us-east-1",
          copies: 2,
        },
      ],
    });
    s.close();
  });
});
