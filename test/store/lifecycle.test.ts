// The lifecycle in the store: its identity is findingIdentity's, a reader on another connection
// never sees a half-completed scan (WAL), older databases are backfilled, prune keeps the history
// of open findings and gives space back, and migrations upgrade in place or refuse a newer file.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { runLifecycle } from "../../src/app/lifecycle.js";
import { findingIdentity, findingIdentitySql } from "../../src/model/finding.js";
import type { ResourceRecord } from "../../src/model/resource.js";
import { ensureLifecycle, histories, scanStates } from "../../src/store/lifecycle.js";
import { listMigrations } from "../../src/store/migrations.js";
import { pruneCandidates, prunedAt, pruneScans } from "../../src/store/prune.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
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

function vol(i: number, pad = 0): ResourceRecord {
  return {
    resourceType: "AWS::EC2::Volume",
    resourceId: `vol-${i}`,
    resourceName: null,
    arn: `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-${i}`,
    awsAccountId: ACCOUNT,
    awsRegion: "us-east-1",
    configuration: { encrypted: false, padding: "x".repeat(pad) },
    supplementaryConfiguration: {},
    tags: {},
    configurationItemCaptureTime: "2027-01-01T00:00:00.000Z",
  };
}

/** The DescribeVolumes coverage row of ACCOUNT's us-east-1. */
const volumesListed = (status: "ok" | "denied") => ({
  accountId: ACCOUNT,
  region: "us-east-1",
  service: "ec2",
  operation: "DescribeVolumes",
  status,
  scope: "region" as const,
  resourceTypes: ["AWS::EC2::Volume"],
});

/** One complete scan: volumes `failing` FAIL, `passing` PASS, DescribeVolumes ok (unless `denied`). */
async function scan(
  store: Store,
  spec: { failing: number[]; passing?: number[]; denied?: boolean; pad?: number },
  during?: () => void,
): Promise<number> {
  const outcome = await runLifecycle(store, { kind: "scan", source: "test", options: {} }, (h) => {
    store.recordRules(h.id, [RULE]);
    const all = [...spec.failing, ...(spec.passing ?? [])];
    const pks = store.insertResources(
      h.id,
      all.map((i) => vol(i, spec.pad)),
    );
    store.upsertCoverage(h.id, [volumesListed(spec.denied ? "denied" : "ok")]);
    store.insertFindings(
      h.id,
      all.map((i, n) => ({
        ruleId: RULE.id,
        status: spec.failing.includes(i) ? ("FAIL" as const) : ("PASS" as const),
        severity: "high" as const,
        resource: vol(i),
        resourcePk: pks[n] as number,
        message: `volume ${i}`,
        evidence: {},
      })),
    );
    during?.();
    return { summary: {}, value: null };
  });
  return outcome.scanId;
}

/** Rows of `table` that belong to scan `scanId`. */
const scanRows = (store: Store, table: string, scanId: number): number =>
  (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE scan_id = ?`).get(scanId) as { n: number }).n;

const stateOf = (store: Store, scanId: number, i: number): string | undefined =>
  scanStates(store, scanId).get(`${RULE.id}|${ACCOUNT}|us-east-1|${vol(i).arn}`);

describe("the lifecycle in the store", () => {
  it("computes identities in SQL exactly as findingIdentity does", async () => {
    const store = new Store(join(tmp(), "id.db"));
    const id = await scan(store, { failing: [1, 2] });
    store.insertFindings(id, [
      {
        ruleId: "r",
        status: "UNKNOWN",
        severity: "low",
        resource: { ...vol(9), arn: null, resourceId: "*" },
        message: "",
        evidence: {},
      },
    ]);
    const sql = store.db
      .prepare(
        `SELECT ${findingIdentitySql("f")} AS identity FROM findings f WHERE f.scan_id = ? ORDER BY f.id`,
      )
      .all(id) as { identity: string }[];
    expect(sql.map((r) => r.identity)).toEqual(
      store
        .queryFindings(id, {})
        .sort((a, b) => a.id - b.id)
        .map((f) => findingIdentity(f)),
    );
    store.close();
  });

  it("a reader on another connection sees a scan complete with its lifecycle, or not at all", async () => {
    const path = join(tmp(), "wal.db");
    const writer = new Store(path);
    await scan(writer, { failing: [1] });
    const reader = new Store(path);
    expect(reader.db.pragma("journal_mode", { simple: true })).toBe("wal");
    const seen: { latest: number | undefined; taken: number }[] = [];
    const look = (): void => {
      seen.push({
        latest: reader.latestCompleteScan()?.id,
        taken: (reader.db.prepare("SELECT COUNT(*) AS n FROM lifecycle_scans").get() as { n: number }).n,
      });
    };
    // Inside the completing transaction, after the lifecycle rows are written: the reader sees none of it.
    const finish = writer.finishScan.bind(writer);
    const spy = vi.spyOn(writer, "finishScan").mockImplementation((...args) => {
      look();
      return finish(...args);
    });
    const second = await scan(writer, { failing: [1, 2] }, look);
    spy.mockRestore();
    look();
    expect(seen).toEqual([
      { latest: 1, taken: 1 }, // while the body writes findings
      { latest: 1, taken: 1 }, // inside the completing transaction
      { latest: second, taken: 2 }, // committed
    ]);
    expect(stateOf(reader, second, 2)).toBe("new");
    reader.close();
    writer.close();
  });

  it("backfills scans completed before the lifecycle existed, oldest first", async () => {
    const path = join(tmp(), "old.db");
    const store = new Store(path);
    const a = await scan(store, { failing: [1, 2] });
    const b = await scan(store, { failing: [2], passing: [1] });
    const c = await scan(store, { failing: [1, 2] });
    const before = [a, b, c].map((id) => [...scanStates(store, id).entries()].sort());
    // An older dpscan wrote these scans: no lifecycle rows at all.
    store.db.exec("DELETE FROM finding_states; DELETE FROM finding_lifecycle; DELETE FROM lifecycle_scans");
    expect(ensureLifecycle(store)).toBe(3);
    expect([a, b, c].map((id) => [...scanStates(store, id).entries()].sort())).toEqual(before);
    expect(stateOf(store, c, 1)).toBe("reopened");
    expect(ensureLifecycle(store)).toBe(0);
    store.close();
  });

  it("a PASS resolves what was open and reopens nothing; one that never failed leaves no trace; FAIL beside PASS is FAIL", async () => {
    const store = new Store(join(tmp(), "pass.db"));
    const s1 = await scan(store, { failing: [1, 2], passing: [3] });
    expect([1, 2, 3].map((i) => stateOf(store, s1, i))).toEqual(["new", "new", undefined]);
    const s2 = await scan(store, { failing: [2], passing: [1, 3] });
    expect([1, 2, 3].map((i) => stateOf(store, s2, i))).toEqual(["resolved", "open", undefined]);
    // Resolved by its PASS (seen), not as unseen within reach (which records no status).
    const seen = store.db.prepare("SELECT status FROM finding_states WHERE scan_id = ? AND identity = ?");
    expect(seen.pluck().get(s2, `${RULE.id}|${ACCOUNT}|us-east-1|${vol(1).arn}`)).toBe("PASS");
    const s3 = await scan(store, { failing: [1], passing: [2, 3] });
    expect([1, 2, 3].map((i) => stateOf(store, s3, i))).toEqual(["reopened", "resolved", undefined]);
    // Volume 3 judged twice in one scan, FAIL and PASS: the FAIL counts.
    const s4 = await scan(store, { failing: [3], passing: [1, 3] });
    expect([1, 2, 3].map((i) => stateOf(store, s4, i))).toEqual(["resolved", undefined, "new"]);
    const h = histories(
      store,
      [3].map((i) => `${RULE.id}|${ACCOUNT}|us-east-1|${vol(i).arn}`),
    );
    expect([...h.values()].map((x) => [x.state, x.firstSeenScan])).toEqual([["open", s4]]);
    store.close();
  });

  it("one result per identity whatever the row order (FAIL over UNKNOWN over PASS); another scan's rows between are not its", async () => {
    const store = new Store(join(tmp(), "order.db"));
    const s1 = await scan(store, { failing: [4] });
    const other = store.beginScan("scan", "test");
    const [otherPk] = store.insertResources(other, [vol(8)]);
    const result = (i: number, status: "FAIL" | "UNKNOWN" | "PASS", pk?: number) => ({
      ruleId: RULE.id,
      status,
      severity: "high" as const,
      resource: vol(i),
      ...(pk !== undefined ? { resourcePk: pk } : {}),
      message: `volume ${i}`,
      evidence: {},
    });
    const outcome = await runLifecycle(store, { kind: "scan", source: "test", options: {} }, (h) => {
      store.recordRules(h.id, [RULE]);
      const pks = store.insertResources(
        h.id,
        [4, 5, 6, 7].map((i) => vol(i)),
      );
      store.upsertCoverage(h.id, [volumesListed("ok")]);
      const [p4, p5, p6, p7] = pks;
      store.insertFindings(h.id, [result(4, "UNKNOWN", p4), result(5, "PASS", p5), result(6, "UNKNOWN", p6)]);
      // Rows of a scan still running land between this scan's rows.
      store.insertFindings(other, [result(8, "FAIL", otherPk), result(4, "PASS", otherPk)]);
      store.insertFindings(h.id, [result(4, "PASS", p4), result(5, "FAIL", p5), result(6, "FAIL", p6)]);
      store.insertFindings(h.id, [result(7, "UNKNOWN", p7), result(6, "PASS", p6)]);
      return { summary: {}, value: null };
    });
    const s2 = outcome.scanId;
    // 4: UNKNOWN beside PASS keeps it open (UNKNOWN is over PASS); 5 and 6: their FAIL came after
    // a PASS or UNKNOWN; 7: UNKNOWN opens nothing; 8 is the other scan's.
    expect([4, 5, 6, 7, 8].map((i) => stateOf(store, s2, i))).toEqual([
      "open",
      "new",
      "new",
      undefined,
      undefined,
    ]);
    const status = store.db
      .prepare("SELECT status FROM finding_states WHERE scan_id = ? AND identity = ?")
      .pluck();
    expect(status.get(s2, `${RULE.id}|${ACCOUNT}|us-east-1|${vol(4).arn}`)).toBe("UNKNOWN");
    expect(stateOf(store, s1, 4)).toBe("new");
    store.close();
  });

  it("a denied listing keeps open findings open; a scan that reached them and found none resolves them", async () => {
    const store = new Store(join(tmp(), "reach.db"));
    await scan(store, { failing: [1] });
    const denied = await scan(store, { failing: [], denied: true });
    expect(stateOf(store, denied, 1)).toBe("open");
    const gone = await scan(store, { failing: [] });
    expect(stateOf(store, gone, 1)).toBe("resolved");
    store.close();
  });

  it("an evaluated scan (no listings) reaches the account and region pairs its records come from", async () => {
    const store = new Store(join(tmp(), "evaluated-reach.db"));
    await scan(store, { failing: [1] });
    // Records only, no coverage rows: what `dpscan evaluate` stores.
    const evaluated = async (records: ResourceRecord[]): Promise<number> =>
      (
        await runLifecycle(store, { kind: "evaluate", source: "test", options: {} }, (h) => {
          store.recordRules(h.id, [RULE]);
          const pks = store.insertResources(h.id, records);
          store.insertFindings(
            h.id,
            records.map((r, n) => ({
              ruleId: RULE.id,
              status: "PASS" as const,
              severity: "high" as const,
              resource: r,
              resourcePk: pks[n] as number,
              message: r.resourceId,
              evidence: {},
            })),
          );
          return { summary: {}, value: null };
        })
      ).scanId;
    const elsewhere = await evaluated([
      { ...vol(7), awsAccountId: "999988887777", arn: "arn:aws:ec2:us-east-1:999988887777:volume/vol-7" },
      { ...vol(8), awsRegion: "eu-west-1", arn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:volume/vol-8` },
    ]);
    expect(stateOf(store, elsewhere, 1)).toBe("open"); // neither its account nor its region was read
    const here = await evaluated([vol(5)]);
    expect(stateOf(store, here, 1)).toBe("resolved"); // its account and region were, and it was not there
    store.close();
  });

  it("prune drops old results, keeps open findings' history and first seen, and VACUUMs", async () => {
    const path = join(tmp(), "prune.db");
    const store = new Store(path);
    const first = await scan(store, { failing: [1, 2], passing: [3], pad: 20_000 });
    const resolving = await scan(store, { failing: [1], passing: [2, 3], pad: 20_000 });
    for (let n = 0; n < 3; n++) await scan(store, { failing: [1], passing: [3], pad: 20_000 });
    const firstSeen = histories(store, [`${RULE.id}|${ACCOUNT}|us-east-1|${vol(1).arn}`]);
    expect(pruneCandidates(store, { keep: 2, now: new Date() })).toEqual([first, resolving, resolving + 1]);
    const r = pruneScans(store, [first, resolving, resolving + 1]);
    expect(r).toMatchObject({ resources: 8, findings: 8, histories: 1 });
    expect(r.bytesAfter).toBeLessThan(r.bytesBefore);
    expect(store.getScan(first)?.status).toBe("complete");
    expect(store.db.prepare("SELECT pruned_at FROM scans WHERE id = ?").get(first)).toEqual({
      pruned_at: expect.any(String),
    });
    expect(store.queryFindings(first)).toEqual([]);
    // Of a pruned scan's rows, its rules and its place in the lifecycle stay; results and coverage go.
    const rows = (table: string): number => scanRows(store, table, first);
    expect(["resources", "findings", "coverage", "scan_units"].map(rows)).toEqual([0, 0, 0, 0]);
    expect(rows("scan_rules")).toBeGreaterThan(0);
    expect(rows("lifecycle_scans")).toBe(1);
    // Still open: its history in the pruned scans and its first seen survive.
    expect(histories(store, firstSeen.keys())).toEqual(firstSeen);
    expect(stateOf(store, first, 1)).toBe("new");
    // Resolved in a pruned scan: its history went with it.
    expect(stateOf(store, first, 2)).toBeUndefined();
    expect(pruneCandidates(store, { keep: 2, now: new Date() })).toEqual([]);
    // The latest complete scan is never pruned, however old.
    expect(
      pruneCandidates(store, { olderThanDays: 0, now: new Date(Date.now() + 86_400_000) }),
    ).not.toContain(store.latestCompleteScan()?.id);
    store.close();
  });

  it("prune commits scan by scan: one that fails leaves the scans before it pruned and itself whole", async () => {
    const path = join(tmp(), "prune-steps.db");
    const store = new Store(path);
    const ids: number[] = [];
    for (let n = 0; n < 4; n++) ids.push(await scan(store, { failing: [1], passing: [3] }));
    const rows = (table: string, id: number): number => scanRows(store, table, id);
    const [s1, s2] = ids as [number, number, number, number];
    const before = rows("findings", s2);
    // The second scan's coverage cannot be deleted: its transaction fails part-way, after its findings went.
    store.db.exec(`CREATE TEMP TRIGGER keep_coverage BEFORE DELETE ON coverage WHEN old.scan_id = ${s2}
      BEGIN SELECT RAISE(ABORT, 'coverage is kept'); END`);
    expect(() => pruneScans(store, ids.slice(0, 3))).toThrow(/coverage is kept/);
    expect(prunedAt(store, s1)).toEqual(expect.any(String));
    expect(rows("findings", s1)).toBe(0);
    expect(prunedAt(store, s2)).toBeNull();
    expect(rows("findings", s2)).toBe(before);
    expect(rows("coverage", s2)).toBeGreaterThan(0);
    // The next prune finishes what the first left.
    store.db.exec("DROP TRIGGER keep_coverage");
    expect(pruneScans(store, ids.slice(1, 3)).scans).toEqual(ids.slice(1, 3));
    expect(ids.slice(0, 3).map((id) => rows("findings", id))).toEqual([0, 0, 0]);
    expect(store.db.pragma("foreign_keys", { simple: true })).toBe(1);
    store.close();
  });

  it("dpscan prune: one of --keep or --older-than, --dry-run changes nothing, and pruned scans are refused by readers", async () => {
    const db = join(tmp(), "cli.db");
    const store = new Store(db);
    for (let n = 0; n < 3; n++) await scan(store, { failing: [1] });
    store.close();
    expect((await runCli(["--db", db, "prune"])).code).toBe(EXIT.badInput);
    expect((await runCli(["--db", db, "prune", "--keep", "1", "--older-than", "3"])).code).toBe(
      EXIT.badInput,
    );
    expect((await runCli(["--db", db, "prune", "--keep", "0"])).stderr).toMatch(
      /--keep must be a whole number of at least 1/,
    );
    const dry = await runCli(["--db", db, "prune", "--keep", "1", "--dry-run"]);
    expect(dry.stdout).toContain("Would prune scan(s) 1, 2.");
    expect((await runCli(["--db", db, "findings", "--scan", "1"])).code).toBe(EXIT.ok);
    const done = await runCli(["--db", db, "prune", "--keep", "1"]);
    expect(done.stdout).toMatch(/^Pruned scan\(s\) 1, 2: 2 resources and 2 findings removed/);
    const pruned = await runCli(["--db", db, "findings", "--scan", "1"]);
    expect(pruned.code).toBe(EXIT.badInput);
    expect(pruned.stderr).toMatch(/scan 1 was pruned on .*; its results are no longer stored/);
  });
});

describe("migrations", () => {
  const sha = (p: string): string => createHash("sha256").update(readFileSync(p)).digest("hex");
  /** A database as this dpscan writes it, then changed behind its back. */
  const edited = (name: string, edit: (raw: Database.Database) => void): string => {
    const path = join(tmp(), name);
    new Store(path).close();
    const raw = new Database(path);
    edit(raw);
    raw.close();
    return path;
  };
  const applied = (s: Store): number[] =>
    (
      s.db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[]
    ).map((r) => r.version);

  it("refuse a database from a newer dpscan by user_version, exit 2, and leave the file as it was", async () => {
    const path = edited("newer.db", (raw) => raw.pragma("user_version = 999"));
    const before = sha(path);
    const r = await runCli(["--db", path, "findings"]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toMatch(
      new RegExp(`${path}: written by a newer dpscan \\(schema version 999; this dpscan knows up to \\d+\\)`),
    );
    expect(sha(path)).toBe(before);
  });

  it("apply a known migration that a database skipped, even below its newest (numbers may have gaps)", () => {
    // As if migration 003 had not run while a later one had.
    const path = edited("gap.db", (raw) =>
      raw.exec(`ALTER TABLE coverage DROP COLUMN scope; ALTER TABLE coverage DROP COLUMN resource_types_json;
        DELETE FROM schema_migrations WHERE version = 3`),
    );
    const s = new Store(path);
    const columns = (s.db.pragma("table_info(coverage)") as { name: string }[]).map((c) => c.name);
    expect(columns).toContain("resource_types_json");
    expect(applied(s)).toEqual(listMigrations().map((m) => m.version));
    expect(s.db.pragma("user_version", { simple: true })).toBe(listMigrations().at(-1)?.version);
    s.close();
  });

  it("a database written before the lifecycle (001-005) gets 007 beside 004's ARN keys and 005's owner token", () => {
    // As the dpscan before the lifecycle left it: 007's tables and column absent, user_version 5.
    const path = edited("v4.db", (raw) =>
      raw.exec(`DROP TABLE lifecycle_scans; DROP TABLE finding_lifecycle; DROP TABLE finding_states;
        DROP TABLE scan_waivers; DROP TABLE gate_runs; ALTER TABLE scans DROP COLUMN pruned_at;
        DELETE FROM schema_migrations WHERE version = 7; PRAGMA user_version = 5;`),
    );
    const s = new Store(path);
    expect(applied(s)).toEqual(listMigrations().map((m) => m.version));
    expect(applied(s)).toContain(7);
    const columns = (s.db.pragma("table_info(scans)") as { name: string }[]).map((c) => c.name);
    expect(columns).toEqual(expect.arrayContaining(["owner_pid", "owner_host", "heartbeat_at", "pruned_at"]));
    expect(s.db.pragma("index_list(resources)")).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "resources_key_arn" })]),
    );
    s.close();
  });

  it("refuse a database whose schema_migrations names a version above the newest known", () => {
    const path = edited("newer-row.db", (raw) =>
      raw.prepare("INSERT INTO schema_migrations VALUES (900, '900_future.sql', 'x')").run(),
    );
    const before = sha(path);
    expect(() => new Store(path)).toThrow(/written by a newer dpscan \(schema version 900;/);
    expect(sha(path)).toBe(before);
  });

  it("refuse a database with a migration this build does not know", () => {
    const path = edited("foreign.db", (raw) =>
      raw.prepare("INSERT INTO schema_migrations VALUES (6, '006_elsewhere.sql', 'x')").run(),
    );
    expect(listMigrations().some((m) => m.version === 6)).toBe(false); // a number this build skipped
    expect(() => new Store(path)).toThrow(/has schema migration 6 that this dpscan does not know/);
  });
});
