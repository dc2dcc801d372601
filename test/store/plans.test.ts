// Every query the store runs against `findings` uses an index: none reads the whole table, and none
// sorts for ORDER BY (a scan's findings are 1M rows; a full scan or sort of them per query, or per
// diff entry, is what migration 008's indexes are there to prevent). The SQL is the store's own,
// captured as the store prepares it while real commands run on a small database.
import { join } from "node:path";
import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { runLifecycle } from "../../src/app/lifecycle.js";
import type { ResourceRecord } from "../../src/model/resource.js";
import { diffScans } from "../../src/store/diff.js";
import { pruneScans } from "../../src/store/prune.js";
import { reportOrderFindings } from "../../src/store/report-queries.js";
import { Store } from "../../src/store/store.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const ACCOUNT = "111122223333";
const RULE = {
  id: "ebs-volume-unencrypted",
  title: "t",
  severity: "high" as const,
  sha256: "x",
  remediation: "r",
  references: {},
};

const vol = (i: number): ResourceRecord => ({
  resourceType: "AWS::EC2::Volume",
  resourceId: `vol-${i}`,
  resourceName: null,
  arn: `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-${i}`,
  awsAccountId: ACCOUNT,
  awsRegion: "us-east-1",
  configuration: { encrypted: false },
  supplementaryConfiguration: {},
  tags: { team: "a" },
  configurationItemCaptureTime: "2027-01-01T00:00:00.000Z",
});

async function scan(store: Store, failing: number[], passing: number[]): Promise<number> {
  const outcome = await runLifecycle(store, { kind: "scan", source: "test", options: {} }, (h) => {
    store.recordRules(h.id, [RULE]);
    const all = [...failing, ...passing];
    const pks = store.insertResources(h.id, all.map(vol));
    store.upsertCoverage(h.id, [
      {
        accountId: ACCOUNT,
        region: "us-east-1",
        service: "ec2",
        operation: "DescribeVolumes",
        status: "ok",
        scope: "region",
        resourceTypes: ["AWS::EC2::Volume"],
      },
    ]);
    store.insertFindings(
      h.id,
      all.map((i, n) => ({
        ruleId: RULE.id,
        status: failing.includes(i) ? ("FAIL" as const) : ("PASS" as const),
        severity: "high" as const,
        resource: vol(i),
        resourcePk: pks[n] as number,
        message: `volume ${i}`,
        evidence: {},
      })),
    );
    return { summary: {}, value: null };
  });
  return outcome.scanId;
}

/** The SQL texts `db` prepares from now on. */
function capture(db: Database.Database): string[] {
  const seen: string[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    seen.push(sql);
    return prepare(sql);
  }) as typeof db.prepare;
  return seen;
}

/** The query plan of `sql`, its parameters bound to NULL (positional or named). */
function plan(db: Database.Database, sql: string): string[] {
  const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const named = Object.fromEntries([...sql.matchAll(/[:@$]([A-Za-z_]\w*)/g)].map((m) => [m[1], null]));
  const positional = (sql.match(/\?/g) ?? []).length;
  const args: unknown[] = Array(positional).fill(null);
  if (Object.keys(named).length > 0) args.push(named);
  return (stmt.all(...args) as { detail: string }[]).map((r) => r.detail);
}

describe("query plans on findings", () => {
  it("every query of findings searches an index, with no full scan and no sort for ORDER BY", async () => {
    const store = new Store(join(tmp(), "plans.db"));
    const seen = capture(store.db);
    const first = await scan(store, [1, 2, 3], [4, 5]);
    const second = await scan(store, [2, 3, 4], [5]);
    const third = await scan(store, [3], [4]);
    const [a, b] = [store.getScan(second), store.getScan(third)];
    if (!a || !b) throw new Error("scans not stored");
    expect(diffScans(store, a, b).entries.length).toBeGreaterThan(0);
    store.queryFindings(third, { statuses: ["FAIL"], minSeverity: "low", ruleIds: [RULE.id] });
    store.queryFindings(third, { accountIds: [ACCOUNT], regions: ["us-east-1"], limit: 2 });
    const docs = [...store.iterateFindingDocs(third, { statuses: ["FAIL", "PASS"] })];
    Array.from(store.iterateFindingDocs(third, { statuses: ["PASS"], ruleIds: [RULE.id] }));
    Array.from(store.iterateFindingPlaces(third, "PASS", RULE.id));
    Array.from(store.iterateFindingDocs(third, {}, docs[0]?.id));
    Array.from(store.iterateFindingsWithRecords(third));
    Array.from(store.iterateFindingsWithRecords(third, undefined, { open: true }));
    Array.from(store.iterateFindingsWithTags(third, [RULE.id]));
    Array.from(store.iterateFindingsWithTags(third, [RULE.id], false));
    Array.from(reportOrderFindings(store, third, [RULE.id], true));
    Array.from(reportOrderFindings(store, third, [RULE.id], false));
    Array.from(reportOrderFindings(store, third, [RULE.id], false, "open"));
    Array.from(reportOrderFindings(store, third, [RULE.id], false, "pass"));
    store.countFindings(third, { statuses: ["FAIL"] });
    store.findingColumnWidths(third, {}, ["ruleId", "message"]);
    store.findingColumnWidths(third, { statuses: ["FAIL", "UNKNOWN"], limit: 60 }, ["ruleId", "message"]);
    store.ruleTallies(third);
    store.scanCounts(third);
    store.findingKeys(third, ["FAIL"]);
    store.accountStats(third);
    store.findingCounts(third);
    pruneScans(store, [first]);

    const queries = [...new Set(seen)].filter(
      (sql) =>
        /\b(findings|finding_rows)\b/.test(sql) &&
        !/^\s*(INSERT INTO finding_rows|CREATE|DELETE FROM temp)/.test(sql),
    );
    expect(queries.length).toBeGreaterThan(15);
    expect(queries.filter((q) => /GROUP BY 1, 2, 3|\) w$|INSERT INTO temp\.lc_now/.test(q))).toHaveLength(5);
    expect(queries.filter((q) => /LIMIT 1\s*$/.test(q) && /resource_type = \?/.test(q))).toHaveLength(1);
    expect(queries.filter((q) => /f\.severity_rank IN \(/.test(q))).toHaveLength(3);
    // Reports' read (src/store/report-queries.ts), with and without the tag join, whole and in parts.
    expect(queries.filter((q) => /IN \(SELECT value FROM json_each/.test(q))).toHaveLength(4);
    for (const sql of queries) {
      // The findings view reads finding_rows as `f` and the resource row as `r`.
      const aliases = [
        "findings",
        "finding_rows",
        "f",
        "r",
        ...[...sql.matchAll(/\b(?:findings|finding_rows)\s+(?!WHERE\b)([a-z]\w*)/g)].map((m) => m[1]),
      ];
      const steps = plan(store.db, sql);
      if (process.env.SHOW_PLANS) console.log(`${sql}\n  ${steps.join("\n  ")}`);
      const fullScan = steps.filter((d) =>
        aliases.some((x) => d === `SCAN ${x}` || d.startsWith(`SCAN ${x} `)),
      );
      expect(fullScan, `${sql}\n${steps.join("\n")}`).toEqual([]);
      // Streams in report order read finding_rows_order in its order (status, severity, rule) and
      // sort only within each rule's run (the resource's account, region, type and id come from
      // its row): never the whole scan. Row-id pages sort nothing.
      const wholeSort = (d: string): boolean => d.includes("TEMP B-TREE") && !/FOR LAST \d+ TERMS OF/.test(d);
      if (/l\.first_seen_scan|IN \(SELECT value FROM json_each/.test(sql))
        expect(steps.filter(wholeSort), sql).toEqual([]);
      if (/ORDER BY f\.id/.test(sql))
        expect(
          steps.filter((d) => d.includes("TEMP B-TREE")),
          sql,
        ).toEqual([]);
      // Counts by status, severity and rule walk finding_rows_order alone in its own order, and the
      // widths of a limited table are those of its first rows in report order, not of a sort of
      // every match.
      if (/GROUP BY 1, 2, 3/.test(sql)) {
        expect(steps.join("\n"), sql).toMatch(/USING COVERING INDEX finding_rows_order/);
        expect(
          steps.filter((d) => d.includes("TEMP B-TREE")),
          sql,
        ).toEqual([]);
      }
      if (/LIMIT \d+\) w$/.test(sql)) {
        expect(steps.join("\n"), sql).toMatch(/USING INDEX finding_rows_order/);
        expect(steps.filter(wholeSort), sql).toEqual([]);
      }
      // One rule's results of some statuses: finding_rows_order is searched down to the rule (each
      // severity an equality), not walked over every rule's rows of the status.
      if (/f\.severity_rank IN \(/.test(sql))
        expect(steps.join("\n"), sql).toMatch(
          /USING INDEX finding_rows_order \(scan_id=\? AND status_key=\? AND severity_rank=\? AND rule_id=\?\)/,
        );
      // The lifecycle reads the scan's results once, in row order (through the status index, every
      // row was a random read of the table), and sorts nothing.
      if (/INSERT INTO temp\.lc_now/.test(sql)) {
        expect(steps[0], sql).toBe("SEARCH f USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)");
        expect(
          steps.filter((d) => d.includes("TEMP B-TREE")),
          sql,
        ).toEqual([]);
      }
      // diff looks up one identity's finding per entry: its resource by the store's key, then the
      // rule's finding of that row, not a rule's every finding.
      if (/LIMIT 1\s*$/.test(sql) && /resource_type = \?/.test(sql))
        expect(steps.filter((d) => d.startsWith("SEARCH"))).toEqual([
          "SEARCH f USING INDEX finding_rows_rule (scan_id=? AND rule_id=? AND resource_pk=?)",
          "SEARCH r USING INDEX resources_key_arn (scan_id=? AND resource_type=? AND arn=?)",
        ]);
    }
    const indexes = store.db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'finding_rows' AND sql IS NOT NULL",
      )
      .all()
      .map((r) => (r as { name: string }).name)
      .sort();
    // Two narrow indexes, each maintained for every finding written (migration 013).
    expect(indexes).toEqual(["finding_rows_order", "finding_rows_rule"]);
    store.close();
  });

  it("the resources a scan received twice are found in the partial index, not by reading every row", () => {
    const store = new Store(join(tmp(), "dups.db"));
    const seen = capture(store.db);
    const id = store.beginScan("scan", "test");
    store.insertResources(id, [vol(1), vol(2), vol(1), vol(3)]);
    expect(store.duplicateResources(id)).toMatchObject({ resources: 1, copies: 1 });
    const queries = seen.filter((sql) => /duplicates > 0/.test(sql));
    expect(queries).toHaveLength(2);
    for (const sql of queries) {
      const steps = plan(store.db, sql);
      expect(steps.join("\n"), sql).toMatch(/USING (COVERING )?INDEX resources_duplicates/);
      expect(
        steps.filter((d) => d.includes("TEMP B-TREE")),
        sql,
      ).toEqual([]);
    }
    store.close();
  });
  it("removing a resource searches indexes, never every finding of every scan (the cascade would)", async () => {
    const store = new Store(join(tmp(), "remove.db"));
    const earlier = await scan(store, [1, 2], [3]);
    const id = store.beginScan("evaluate", "test");
    store.insertResources(id, [vol(1), vol(2), vol(4)]);
    const seen = capture(store.db);
    store.deleteResource(id, vol(2));
    store.deleteResource(id, { ...vol(4), arn: null });
    store.deleteResource(id, vol(9)); // not stored: nothing to do
    expect(store.db.pragma("foreign_keys", { simple: true })).toBe(1); // restored
    const queries = seen.filter((sql) => /resources|findings/.test(sql));
    expect(queries.length).toBeGreaterThan(0);
    // The row is deleted with the foreign-key checks off (as deleteResource runs it); with them on,
    // its plan is the cascade's search of every finding.
    const deleteRow = "DELETE FROM resources WHERE id = ?";
    expect(plan(store.db, deleteRow).some((d) => d.startsWith("SCAN finding_rows"))).toBe(true);
    store.db.pragma("foreign_keys = OFF");
    for (const sql of queries) {
      const steps = plan(store.db, sql);
      expect(steps.join("\n"), sql).toMatch(/USING (COVERING |INTEGER PRIMARY KEY|INDEX)/);
      expect(
        steps.filter((d) => /^SCAN /.test(d) && !/USING/.test(d)),
        sql,
      ).toEqual([]);
    }
    store.db.pragma("foreign_keys = ON");
    expect(queries).toContain(deleteRow);
    expect(store.db.pragma("foreign_key_check")).toEqual([]);
    const ids = (scanId: number): string[] =>
      (
        store.db
          .prepare("SELECT resource_id AS r FROM resources WHERE scan_id = ? ORDER BY r")
          .all(scanId) as {
          r: string;
        }[]
      ).map((x) => x.r);
    const statuses = (scanId: number): Record<string, number> =>
      Object.fromEntries(
        (
          store.db
            .prepare("SELECT status, COUNT(*) AS n FROM findings WHERE scan_id = ? GROUP BY status")
            .all(scanId) as { status: string; n: number }[]
        ).map((x) => [x.status, x.n]),
      );
    expect(ids(id)).toEqual(["vol-1", "vol-4"]); // vol-4 is stored by ARN: the id key does not match it
    expect(ids(earlier)).toEqual(["vol-1", "vol-2", "vol-3"]);
    expect(statuses(earlier)).toEqual({ FAIL: 2, PASS: 1 });
    // Inside a caller's transaction the pragma cannot change: the cascade removes the row's findings.
    store.db.transaction(() => store.deleteResource(earlier, vol(1)))();
    expect(ids(earlier)).toEqual(["vol-2", "vol-3"]);
    expect(statuses(earlier)).toEqual({ FAIL: 1, PASS: 1 });
    store.deleteResource(earlier, vol(2));
    expect(statuses(earlier)).toEqual({ PASS: 1 });
    expect(store.db.pragma("foreign_key_check")).toEqual([]);
    store.close();
  });
  it("the lifecycle reads an evaluated scan's resources once, never once per open finding", async () => {
    const store = new Store(join(tmp(), "reach.db"));
    await scan(store, [1, 2], [3]);
    const seen = capture(store.db);
    await runLifecycle(store, { kind: "evaluate", source: "test", options: {} }, (h) => {
      store.recordRules(h.id, [RULE]);
      store.insertResources(h.id, [vol(4)]);
      return { summary: {}, value: null };
    });
    const lifecycle = seen.filter((sql) => /finding_lifecycle/.test(sql));
    expect(lifecycle.length).toBeGreaterThan(0);
    for (const sql of lifecycle) expect(plan(store.db, sql).join("\n"), sql).not.toMatch(/resources/);
    expect(seen.filter((sql) => /INSERT OR IGNORE INTO temp.lc_reach/.test(sql))).toHaveLength(1);
    store.close();
  });
});
