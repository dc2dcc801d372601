// Upgrading a database in place: a file written by dpscan at schema v3 (with scans, resources,
// findings pointing at them, rules and coverage) opens with this dpscan, keeps every row and
// reference, and gets the v4 behaviours (ARN keys, duplicate counts, scan owners) and the v7 ones
// (the lifecycle backfilled: first seen).
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ensureLifecycle } from "../../src/store/lifecycle.js";
import { listMigrations } from "../../src/store/migrations.js";
import { Store } from "../../src/store/store.js";
import { volumeRecord } from "../helpers/records.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

/** Every column the findings table had before migration 013 (the findings view has them all). */
const OLD_COLUMNS = `id, scan_id, resource_pk, rule_id, status, severity, severity_rank, resource_type,
  resource_id, arn, account_id, region, message, evidence_json`;

/** A v3 database as dpscan before migration 004 wrote it, with one complete scan. */
function v3Database(path: string): void {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  db.exec(
    `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
  );
  for (const m of listMigrations().filter((x) => x.version <= 3)) {
    db.exec(m.sql);
    db.prepare("INSERT INTO schema_migrations VALUES (?, ?, ?)").run(
      m.version,
      m.name,
      "2026-01-01T00:00:00Z",
    );
  }
  db.prepare(
    `INSERT INTO scans (id, kind, status, source, options_json, started_at, finished_at, duration_ms, summary_json, dpscan_version)
     VALUES (1, 'scan', 'complete', 'api', '{}', '2026-11-01T00:00:00.000Z', '2026-11-01T00:01:00.000Z', 60000, '{}', '0.0.9')`,
  ).run();
  db.prepare(
    "INSERT INTO scan_rules VALUES (1, 'ebs-volume-unencrypted', 'EBS volume is not encrypted', 'high', 'abc', '{}')",
  ).run();
  const res = db.prepare(
    `INSERT INTO resources (id, scan_id, resource_type, resource_id, resource_name, arn, account_id, region,
       configuration_json, supplementary_json, tags_json, capture_time)
     VALUES (?, 1, 'AWS::EC2::Volume', ?, NULL, ?, '111122223333', 'us-east-1', '{"encrypted":false}', '{}', '{}', '2026-11-01T00:00:00.000Z')`,
  );
  const fnd = db.prepare(
    `INSERT INTO findings (scan_id, resource_pk, rule_id, status, severity, severity_rank, resource_type,
       resource_id, arn, account_id, region, message, evidence_json)
     VALUES (1, ?, 'ebs-volume-unencrypted', 'FAIL', 'high', 4, 'AWS::EC2::Volume', ?, ?, '111122223333', 'us-east-1', 'm', '{}')`,
  );
  for (let i = 1; i <= 3; i++) {
    const arn = `arn:aws:ec2:us-east-1:111122223333:volume/vol-${i}`;
    res.run(i * 10, `vol-${i}`, arn);
    fnd.run(i * 10, `vol-${i}`, arn);
  }
  db.prepare(
    `INSERT INTO coverage (scan_id, account_id, region, service, operation, status, resource_types_json)
     VALUES (1, '111122223333', 'us-east-1', 'ec2', 'DescribeVolumes', 'ok', '["AWS::EC2::Volume"]')`,
  ).run();
  db.close();
}

describe("migration 004 on a v3 database with data", () => {
  it("keeps every row and reference, and keys resources by ARN from then on", () => {
    const path = join(tmp(), "v3.db");
    v3Database(path);
    const s = new Store(path);
    try {
      expect(s.schemaVersion).toBe(listMigrations().at(-1)?.version); // 004 and every later one
      expect(s.db.pragma("foreign_key_check")).toEqual([]);
      expect(s.db.pragma("foreign_keys", { simple: true })).toBe(1);
      expect(s.countResources(1)).toEqual([{ resourceType: "AWS::EC2::Volume", count: 3 }]);
      // Findings still point at their resources (ids unchanged), and cascade with them.
      const joined = s.db
        .prepare("SELECT COUNT(*) AS n FROM findings f JOIN resources r ON r.id = f.resource_pk")
        .get() as { n: number };
      expect(joined.n).toBe(3);
      expect(s.getScan(1)).toMatchObject({
        status: "complete",
        durationMs: 60000,
        stale: false,
        ownerPid: null,
      });
      // Taken into the lifecycle (lazily, as commands do), the old scan reads as a finding
      // document: its rule's title, new and first seen in scan 1.
      expect(ensureLifecycle(s)).toBe(1);
      const docs = [...s.iterateFindingDocs(1)];
      expect(docs).toHaveLength(3);
      expect(docs[0]).toMatchObject({
        title: "EBS volume is not encrypted",
        remediation: null,
        lifecycle: "new",
        firstSeen: "2026-11-01T00:00:00.000Z",
        firstSeenScanId: 1,
      });
      // A new scan: one resourceId, two ARNs → two resources.
      const id = s.beginScan("evaluate", "after upgrade");
      s.insertResources(id, [
        volumeRecord("vol-same", { arn: "arn:aws:ec2:us-east-1:111122223333:volume/vol-a" }),
        volumeRecord("vol-same", { arn: "arn:aws:ec2:us-east-1:111122223333:volume/vol-b" }),
      ]);
      expect(s.countResources(id)).toEqual([{ resourceType: "AWS::EC2::Volume", count: 2 }]);
      // Deleting the old scan still cascades through the rebuilt table.
      s.db.prepare("DELETE FROM scans WHERE id = 1").run();
      expect((s.db.prepare("SELECT COUNT(*) AS n FROM findings").get() as { n: number }).n).toBe(0);
    } finally {
      s.close();
    }
  });
});

/** The v3 database taken on to schema `version` as that dpscan's migrations left it. */
function databaseAt(path: string, version: number): Database.Database {
  v3Database(path);
  const db = new Database(path);
  for (const m of listMigrations().filter((x) => x.version > 3 && x.version <= version)) {
    db.pragma("foreign_keys = OFF");
    db.exec(m.sql);
    db.prepare("INSERT INTO schema_migrations VALUES (?, ?, ?)").run(
      m.version,
      m.name,
      "2026-12-01T00:00:00Z",
    );
  }
  return db;
}

describe("migration 009 on a v8 database", () => {
  it("drops findings_scan and findings_rule, keeps the findings, and status filters still read them", () => {
    const path = join(tmp(), "v8.db");
    const db = databaseAt(path, 8);
    const before = (d: Database.Database): string[] =>
      (
        d
          .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'findings' AND sql IS NOT NULL",
          )
          .all() as { name: string }[]
      )
        .map((r) => r.name)
        .sort();
    expect(before(db)).toEqual([
      "findings_lookup",
      "findings_report_order",
      "findings_rule",
      "findings_scan",
    ]);
    db.close();
    const s = new Store(path);
    try {
      expect(before(s.db)).toEqual([]); // findings is a view since migration 013
      expect(
        s.db
          .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'finding_rows' ORDER BY name",
          )
          .pluck()
          .all(),
      ).toEqual(["finding_rows_order", "finding_rows_rule"]);
      expect(s.countFindings(1, { statuses: ["FAIL"] })).toBe(3);
      expect(s.countFindings(1, { statuses: ["PASS", "UNKNOWN"] })).toBe(0);
      expect(s.findingKeys(1, ["FAIL"]).map((k) => k.resourceId)).toEqual(["vol-1", "vol-2", "vol-3"]);
      expect([...s.iterateFindingsWithTags(1, ["ebs-volume-unencrypted"])].map((r) => r.finding.id)).toEqual([
        1, 2, 3,
      ]);
    } finally {
      s.close();
    }
  });
});

describe("migration 010 on a v9 database", () => {
  it("rebuilds findings_report_order with resource_type before resource_id and keeps the findings", () => {
    const path = join(tmp(), "v9.db");
    const db = databaseAt(path, 9);
    const columns = (d: Database.Database): string[] =>
      (
        d.prepare("SELECT name FROM pragma_index_info('findings_report_order')").all() as {
          name: string | null;
        }[]
      ).map((r) => r.name ?? "<expr>");
    const lead = ["scan_id", "<expr>", "severity_rank", "rule_id", "account_id", "region"];
    expect(columns(db)).toEqual([...lead, "resource_id"]);
    const rows = db.prepare(`SELECT ${OLD_COLUMNS} FROM findings ORDER BY id`).all();
    expect(rows).toHaveLength(3);
    const m10 = listMigrations().find((m) => m.version === 10);
    db.exec(m10?.sql ?? "");
    expect(columns(db)).toEqual([...lead, "resource_type", "resource_id"]);
    db.close();
    const s = new Store(path);
    try {
      expect(s.db.pragma("user_version", { simple: true })).toBeGreaterThanOrEqual(10);
      expect(s.db.prepare(`SELECT ${OLD_COLUMNS} FROM findings ORDER BY id`).all()).toEqual(rows);
      expect(s.queryFindings(1).map((f) => f.resourceId)).toEqual(["vol-1", "vol-2", "vol-3"]);
    } finally {
      s.close();
    }
  });
});

describe("migration 013 on a v12 database", () => {
  it("narrows the finding row: the findings view gives every old column as it was, gap findings keep their own", () => {
    const path = join(tmp(), "v12.db");
    const db = databaseAt(path, 12);
    // A coverage gap's UNKNOWN (no resource row) and a PASS beside the three FAILs.
    db.prepare(
      `INSERT INTO findings (scan_id, resource_pk, rule_id, status, severity, severity_rank, resource_type,
         resource_id, arn, account_id, region, message, evidence_json)
       VALUES (1, NULL, 'ebs-volume-unencrypted', 'UNKNOWN', 'high', 4, 'AWS::EC2::Volume', '*', NULL,
         '111122223333', 'eu-west-1', 'not read: AccessDenied', '{"gap":true}'),
         (1, 10, 'kms-key-rotation', 'PASS', 'low', 2, 'AWS::EC2::Volume', 'vol-1',
         'arn:aws:ec2:us-east-1:111122223333:volume/vol-1', '111122223333', 'us-east-1', 'ok', '{}')`,
    ).run();
    const rows = db.prepare(`SELECT ${OLD_COLUMNS} FROM findings ORDER BY id`).all();
    expect(rows).toHaveLength(5);
    db.close();
    const s = new Store(path);
    try {
      expect(s.db.prepare("SELECT type FROM sqlite_master WHERE name = 'findings'").pluck().get()).toBe(
        "view",
      );
      expect(s.db.prepare(`SELECT ${OLD_COLUMNS} FROM findings ORDER BY id`).all()).toEqual(rows);
      // Only the gap's finding keeps an identity of its own; the others read their resource row's.
      expect(
        s.db
          .prepare("SELECT id, status_key, resource_id, account_id, region FROM finding_rows ORDER BY id")
          .raw()
          .all(),
      ).toEqual([
        [1, 0, null, null, null],
        [2, 0, null, null, null],
        [3, 0, null, null, null],
        [4, 1, "*", "111122223333", "eu-west-1"],
        [5, 2, null, null, null],
      ]);
      expect(s.scanCounts(1)).toMatchObject({ FAIL: 3, UNKNOWN: 1, PASS: 1 });
      expect(s.queryFindings(1, { statuses: ["UNKNOWN"] }).map((f) => [f.resourceId, f.region])).toEqual([
        ["*", "eu-west-1"],
      ]);
      expect(s.queryFindings(1, { regions: ["us-east-1"] }).map((f) => f.id)).toEqual([1, 2, 3, 5]);
      // A row that names no resource and says nothing of what it is about is refused.
      expect(() =>
        s.db
          .prepare(
            "INSERT INTO finding_rows (scan_id, resource_pk, rule_id, status_key, severity_rank, message) VALUES (1, NULL, 'r', 0, 4, 'm')",
          )
          .run(),
      ).toThrow(/CHECK constraint failed/);
      expect(s.db.pragma("foreign_key_check")).toEqual([]);
    } finally {
      s.close();
    }
  });
});
