// Collection on worker threads (--workers N) stores exactly what the in-thread path stores: the
// same resources, coverage and findings for an organisation with a denied account, with 2 and 3
// workers over uneven account counts, and a resumed scan skips the units already done.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shares, workerCount } from "../../src/collect/workers.js";
import { arrayCollection } from "../../src/sim/world/collection.js";
import { startSimulator, type Simulator } from "../../src/sim/wire/server.js";
import { allServices } from "../../src/sim/services/index.js";
import { Store } from "../../src/store/store.js";
import { ensureBuilt, runProcess } from "../helpers/process.js";
import { simEnv } from "../helpers/scan.js";
import { AUDIT_ROLE, makeAccount, standardRoles, testWorld } from "../helpers/sim.js";

const NO_ROLE = "666666666666";

function world() {
  const base = testWorld();
  const accounts = [
    ...Array.from({ length: base.accounts.size }, (_, i) => base.accounts.at(i)),
    makeAccount({ id: "444444444444", roles: standardRoles() }),
    makeAccount({ id: "555555555555", roles: standardRoles() }),
    makeAccount({ id: NO_ROLE, roles: [] }),
  ];
  return { ...base, accounts: arrayCollection(accounts, (a) => a.Id) };
}

/** A coverage row without its API call count (a resumed unit's calls are its second run's). */
const withoutCalls = (row: string): string => JSON.stringify((JSON.parse(row) as unknown[]).slice(0, 10));

function normalized(db: string) {
  const s = new Store(db, { readonly: true });
  try {
    const id = s.listScans(1)[0]!.id;
    const rows = (sql: string): string[] =>
      (s.db.prepare(sql).raw().all(id) as unknown[][]).map((r) => JSON.stringify(r)).sort();
    return {
      status: s.getScan(id)?.status,
      units: s.completedUnits(id).size,
      resources: rows(
        `SELECT resource_type, resource_id, resource_name, arn, account_id, region, configuration_json,
           supplementary_json, tags_json, duplicates FROM resources WHERE scan_id = ?`,
      ),
      coverage: rows(
        `SELECT account_id, region, service, operation, status, scope, resource_types_json, error_code,
           error_message, resource_count, api_calls FROM coverage WHERE scan_id = ?`,
      ),
      findings: rows(
        `SELECT rule_id, status, severity, resource_type, resource_id, arn, account_id, region, message,
           evidence_json FROM findings WHERE scan_id = ?`,
      ),
    };
  } finally {
    s.close();
  }
}

describe("workerCount and shares", () => {
  it("uses one worker per core, at most one per account and never more than the limits allow", () => {
    const limits = { concurrency: 32, accountConcurrency: 8 };
    expect(workerCount("auto", 25, limits, 4)).toBe(4);
    expect(workerCount("auto", 1, limits, 4)).toBe(1);
    expect(workerCount("3", 2, limits, 4)).toBe(2);
    expect(workerCount("6", 25, { concurrency: 32, accountConcurrency: 2 }, 8)).toBe(2);
    expect(workerCount("1", 25, limits, 8)).toBe(1);
  });

  it("splits a limit into shares that add up to it", () => {
    expect(shares(32, 3)).toEqual([11, 11, 10]);
    expect(shares(8, 2)).toEqual([4, 4]);
    expect(shares(5, 5)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe("dpscan scan --workers", () => {
  let sim: Simulator;
  let dir = "";
  const scan = (db: string, ...more: string[]) => scanWith({}, db, ...more);
  const scanWith = (env: Record<string, string>, db: string, ...more: string[]) =>
    runProcess(
      [
        "--db",
        db,
        "scan",
        "--org",
        "--role-name",
        AUDIT_ROLE,
        "--regions",
        "us-east-1,af-south-1",
        "--quiet",
        "--no-config",
        "--endpoint-url",
        sim.endpoint,
        ...more,
      ],
      { env: { ...simEnv(sim), ...env } },
    );

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), "dpscan-workers-"));
    sim = await startSimulator({ world: world(), services: allServices() });
  }, 300_000);
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores the same resources, coverage and findings with 1, 2 and 3 workers", async () => {
    const one = join(dir, "one.db");
    const r1 = await scan(one, "--workers", "1");
    expect(r1.stderr).toBe("");
    const base = normalized(one);
    expect(base.status).toBe("complete");
    expect(base.resources.length).toBeGreaterThan(50);
    // The account without the audit role is a gap, never a pass.
    expect(
      base.coverage.some((r) => r.includes(NO_ROLE) && r.includes("AssumeRole") && !r.includes('"ok"')),
    ).toBe(true);
    for (const n of ["2", "3"]) {
      const db = join(dir, `w${n}.db`);
      const r = await scan(db, "--workers", n, "--account-concurrency", "4");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(r1.code);
      expect(normalized(db)).toEqual(base);
    }
  }, 300_000);

  it("resumes with workers: the units an interrupted scan finished are not collected again", async () => {
    const db = join(dir, "resume.db");
    expect((await scan(db, "--workers", "2")).stderr).toBe("");
    const full = normalized(db);
    // Make the scan look interrupted after it finished every unit but one account's.
    const s = new Store(db);
    const id = s.listScans(1)[0]!.id;
    s.db.prepare("UPDATE scans SET status = 'interrupted', owner_pid = NULL WHERE id = ?").run(id);
    s.db.prepare("DELETE FROM scan_units WHERE scan_id = ? AND account_id = '444444444444'").run(id);
    s.db.prepare("DELETE FROM resources WHERE scan_id = ? AND account_id = '444444444444'").run(id);
    s.db.prepare("DELETE FROM finding_rows WHERE scan_id = ?").run(id);
    s.close();
    const before = sim.counters.calls();
    const r = await scan(db, "--workers", "2", "--resume");
    expect(r.stderr).toBe("");
    const resumed = normalized(db);
    expect(resumed.resources).toEqual(full.resources);
    expect(resumed.findings).toEqual(full.findings);
    expect(resumed.units).toBe(full.units);
    // Only the re-run account's calls (and the scan's own discovery) were made again.
    expect(sim.counters.calls() - before).toBeLessThan(
      full.coverage.reduce((n, row) => n + Number(JSON.parse(row)[10]), 0),
    );
  }, 300_000);

  it("fails when a worker dies mid-scan, keeps what it finished, and --resume completes the scan", async () => {
    const whole = join(dir, "whole.db");
    const w = await scan(whole, "--workers", "2");
    expect(w.stderr).toBe("");
    const full = normalized(whole);

    const db = join(dir, "crash.db");
    const r = await scanWith({ DPSCAN_TEST_WORKER_DIES: "1" }, db, "--workers", "2");
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(w.code);
    expect(r.stderr).toContain("collection worker failed");
    const cut = normalized(db);
    expect(cut.status).not.toBe("complete");
    // The unit each worker committed before it died is kept; the rest are not marked done.
    expect(cut.units).toBeGreaterThan(0);
    expect(cut.units).toBeLessThan(full.units);
    expect(cut.findings).toEqual([]);

    const resumed = await scan(db, "--workers", "2", "--resume");
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(w.code);
    const after = normalized(db);
    expect(after.status).toBe("complete");
    expect(after.units).toBe(full.units);
    expect(after.resources).toEqual(full.resources);
    expect(after.findings).toEqual(full.findings);
    expect(after.coverage.map(withoutCalls)).toEqual(full.coverage.map(withoutCalls));
  }, 300_000);
});
