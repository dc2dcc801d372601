// `scan --shard K/N` and `dpscan merge`: four shards of the test organisation, merged, are exactly
// one unsharded scan (resources, coverage, findings), also where a rule reads across accounts
// that different shards scanned; and shards that cannot make one scan are refused.
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountsOfShard, parseShard, shardOf } from "../../src/collect/shard.js";
import { arrayCollection } from "../../src/sim/world/collection.js";
import type { Simulator } from "../../src/sim/wire/server.js";
import { startSimulator } from "../../src/sim/wire/server.js";
import { allServices } from "../../src/sim/services/index.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { runWithSimEnv } from "../helpers/scan.js";
import { AUDIT_ROLE, makeAccount, makeRegion, MGMT, standardRoles, testWorld } from "../helpers/sim.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

describe("rendezvous sharding of account IDs", () => {
  const ids = Array.from({ length: 400 }, (_, i) => String(100000000000 + i * 7919));

  it("gives every account to exactly one shard, about evenly", () => {
    const shards = [0, 1, 2, 3].map((k) => accountsOfShard(ids, { index: k, count: 4 }));
    expect(shards.flat().sort()).toEqual([...ids].sort());
    for (const s of shards) expect(s.length).toBeGreaterThan(70);
  });

  it("moves only the added account when one is added, and only to the new shard when N grows", () => {
    const before = new Map(ids.map((a) => [a, shardOf(a, 4)]));
    for (const a of ids) expect(shardOf(a, 4)).toBe(before.get(a)); // independent of the others
    let moved = 0;
    for (const a of ids) {
      const after = shardOf(a, 5);
      if (after !== before.get(a)) {
        expect(after).toBe(4);
        moved++;
      }
    }
    expect(moved).toBeGreaterThan(40);
    expect(moved).toBeLessThan(125); // about 1/5
  });

  it("reads K/N with K from 0", () => {
    expect(parseShard("0/4")).toEqual({ index: 0, count: 4 });
    expect(() => parseShard("4/4")).toThrow(
      /K counts from 0 and must be below N: 4\/4 is not one of 0\/4 .. 3\/4/,
    );
    expect(() => parseShard("0/0")).toThrow(/N must be from 1 to 1000/);
    expect(() => parseShard("1-4")).toThrow(/is not K\/N/);
  });
});

// Three more accounts so each of the four shards owns one at least (shardOf(id, 4) is 2 for the
// test world's three): 555… uses the management account's pending-deletion key for a volume,
// which only the merged whole can see; 666… has no audit role (a coverage gap).
const KEY_OWNER = MGMT;
const USER = "555555555555";
const NO_ROLE = "666666666666";
const PENDING_KEY = `arn:aws:kms:us-east-1:${KEY_OWNER}:key/00000001-0000-4000-8000-${KEY_OWNER}`;

function world() {
  const base = testWorld();
  const user = makeAccount({ id: USER, roles: standardRoles() });
  const plain = user.region.bind(user);
  user.region = (name) => {
    const r = plain(name);
    if (!r || name !== "us-east-1") return r;
    const generated = makeRegion(USER, name).volumes;
    const volumes = Array.from({ length: generated.size }, (_, i) => generated.at(i));
    volumes.push({ ...volumes[1]!, VolumeId: "vol-5555crossacct01", KmsKeyId: PENDING_KEY, Encrypted: true });
    return { ...r, volumes: arrayCollection(volumes, (v) => v.VolumeId) };
  };
  const accounts = [
    ...Array.from({ length: base.accounts.size }, (_, i) => base.accounts.at(i)),
    makeAccount({ id: "444444444444", roles: standardRoles() }),
    user,
    makeAccount({ id: NO_ROLE, roles: [] }),
  ];
  return { ...base, accounts: arrayCollection(accounts, (a) => a.Id) };
}

const SCOPE = [
  "--org",
  "--role-name",
  AUDIT_ROLE,
  "--regions",
  "us-east-1,af-south-1",
  "--quiet",
  "--no-config",
];

function normalized(db: string, scanId?: number) {
  const s = new Store(db, { readonly: true });
  try {
    const id = scanId ?? s.listScans(1)[0]!.id;
    const rows = (sql: string): string[] =>
      (s.db.prepare(sql).raw().all(id) as unknown[][]).map((r) => JSON.stringify(r)).sort();
    return {
      resources: rows(
        `SELECT resource_type, resource_id, resource_name, arn, account_id, region, configuration_json,
           supplementary_json, tags_json, duplicates FROM resources WHERE scan_id = ?`,
      ),
      coverage: rows(
        `SELECT account_id, region, service, operation, status, scope, resource_types_json, error_code,
           error_message, resource_count FROM coverage WHERE scan_id = ?`,
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

function deletionInUse(db: string, scanId?: number): string {
  const s = new Store(db, { readonly: true });
  try {
    const id = scanId ?? s.listScans(1)[0]!.id;
    const f = s
      .queryFindings(id, { ruleIds: ["kms-key-deletion-in-use"], accountIds: [KEY_OWNER] })
      .find((x) => x.arn === PENDING_KEY);
    return `${f?.status} ${f?.message}`;
  } finally {
    s.close();
  }
}

describe("dpscan scan --shard and dpscan merge", () => {
  let sim: Simulator;
  let dir = "";
  const shardDb = (k: number): string => join(dir, `shard-${k}.db`);
  const whole = (): string => join(dir, "whole.db");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dpscan-shard-"));
    sim = await startSimulator({ world: world(), services: allServices() });
    const scan = async (db: string, ...more: string[]): Promise<void> => {
      const r = await runWithSimEnv(sim, [
        "--db",
        db,
        "scan",
        ...SCOPE,
        ...more,
        "--endpoint-url",
        sim.endpoint,
      ]);
      if (r.code !== EXIT.ok) throw new Error(`scan ${more.join(" ")} exited ${r.code}: ${r.stderr}`);
    };
    await scan(whole());
    for (let k = 0; k < 4; k++) await scan(shardDb(k), "--shard", `${k}/4`);
  }, 120_000);
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("scans only the accounts a shard owns, records the organisation in each, and shows the shard", async () => {
    for (let k = 0; k < 4; k++) {
      const s = new Store(shardDb(k), { readonly: true });
      const scan = s.listScans(1)[0]!;
      const accounts = new Set(
        s
          .coverage(scan.id)
          .filter((c) => c.service !== "organizations")
          .map((c) => c.accountId),
      );
      const orgRecords = s
        .countResources(scan.id)
        .find((c) => c.resourceType === "AWS::Organizations::Account");
      s.close();
      expect(scan.options.shard).toBe(`${k}/4`);
      expect(scan.source).toBe(`api: org; us-east-1,af-south-1; shard ${k}/4`);
      expect(orgRecords?.count).toBe(6);
      const all = [MGMT, "222222222222", "333333333333", "444444444444", USER, NO_ROLE];
      expect([...accounts].sort()).toEqual(all.filter((a) => shardOf(a, 4) === k).sort());
      expect(accounts.size).toBeGreaterThan(0);
    }
    const listed = await runCli(["--db", shardDb(1), "--wide", "scans"]);
    expect(listed.stdout).toMatch(/api: org; us-east-1,af-south-1; shard 1\/4/);
  });

  it("merges four shards into exactly the unsharded scan, cross-account rules included", async () => {
    // The premise: the key's shard alone cannot see that another shard's volume uses it.
    expect(shardOf(KEY_OWNER, 4)).not.toBe(shardOf(USER, 4));
    expect(deletionInUse(whole())).toMatch(/^FAIL .*vol-5555crossacct01/);
    const alone = deletionInUse(shardDb(shardOf(KEY_OWNER, 4)));
    expect(alone).toMatch(/^FAIL .*2 collected resources/);
    expect(alone).not.toContain("vol-5555crossacct01");

    const out = join(dir, "merged.db");
    const r = await runCli(["merge", out, ...[3, 1, 0, 2].map(shardDb), "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(EXIT.ok);
    const doc = JSON.parse(r.stdout);
    expect(doc.database).toBe(out);
    expect(doc.scan).toMatchObject({ status: "complete", complete: true });
    expect(doc.scan.summary.accounts).toBe(6);
    expect(doc.scan.summary.shards.map((s: { shard: string }) => s.shard)).toEqual([
      "0/4",
      "1/4",
      "2/4",
      "3/4",
    ]);

    const a = normalized(whole());
    const b = normalized(out);
    expect(b.resources.length).toBeGreaterThan(100);
    expect(b.resources).toEqual(a.resources);
    expect(b.coverage).toEqual(a.coverage);
    expect(b.findings).toEqual(a.findings);
    expect(deletionInUse(out)).toBe(deletionInUse(whole()));

    const s = new Store(out, { readonly: true });
    const merged = s.latestCompleteScan()!;
    s.close();
    expect(merged.source).toBe("merge of 4 shard(s): api: org; us-east-1,af-south-1");
    expect(merged.options.shard).toBeUndefined();
    // A second merge adds a second scan to the same database (a nightly history).
    const table = await runCli(["merge", out, ...[0, 1, 2, 3].map(shardDb)]);
    expect(table.code).toBe(EXIT.ok);
    expect(table.stdout).toMatch(/^Scan 2 complete \(database .*merged\.db\)\.\nMerged 4 shard\(s\): 0\/4 /);
  });

  it("marks the merged scan incomplete when a shard is missing or did not complete", async () => {
    const out = join(dir, "partial.db");
    const r = await runCli(["merge", out, shardDb(0), shardDb(2), shardDb(3)]);
    expect(r.code).toBe(EXIT.incompleteCoverage);
    expect(r.stderr).toMatch(
      /merged scan 1 is incomplete \(stored as failed\): shard 1\/4 is missing; its partial findings: .* --db .*partial\.db findings --scan 1; to finish it here: .* --db .*partial\.db scan --resume$/m,
    );
    const failed = join(dir, "failed-1.db");
    copyFileSync(shardDb(1), failed);
    const raw = new Database(failed);
    raw.prepare("UPDATE scans SET status = 'failed', error = 'AccessDenied: boom'").run();
    raw.close();
    const r2 = await runCli(["merge", out, shardDb(0), failed, shardDb(2), shardDb(3)]);
    expect(r2.code).toBe(EXIT.incompleteCoverage);
    expect(r2.stderr).toContain(`shard 1/4 (${failed} scan 1) is failed: AccessDenied: boom`);
    const old = join(dir, "old-1.db");
    copyFileSync(shardDb(1), old);
    const aged = new Database(old);
    aged.prepare("UPDATE scans SET started_at = ?").run(new Date(Date.now() - 3 * 86_400_000).toISOString());
    aged.close();
    const r3 = await runCli(["merge", out, shardDb(0), old, shardDb(2), shardDb(3)]);
    expect(r3.code).toBe(EXIT.incompleteCoverage);
    expect(r3.stderr).toMatch(
      /shard 1\/4 \(.*old-1\.db scan 1\) started 7\d\.\d h before the newest shard: an earlier run's \(more than 24 h apart\)/,
    );
    expect(
      (
        await runCli([
          "merge",
          join(dir, "lenient.db"),
          shardDb(0),
          old,
          shardDb(2),
          shardDb(3),
          "--within",
          "80",
        ])
      ).code,
    ).toBe(EXIT.ok);
    const s = new Store(out, { readonly: true });
    const scans = s.listScans();
    s.close();
    expect(scans.map((x) => x.status)).toEqual(["failed", "failed", "failed"]);
    expect(scans[2]!.error).toBe("incomplete merge: shard 1/4 is missing");
    expect(scans[1]!.summary).toMatchObject({ accounts: 6 });
  });

  it("finishes an incomplete merge with scan --resume: only the missing shard's accounts are collected", async () => {
    const out = join(dir, "resumed.db");
    const r = await runCli(["merge", out, shardDb(0), shardDb(2), shardDb(3)]);
    expect(r.code).toBe(EXIT.incompleteCoverage);
    const calls = (): Map<string, number> =>
      new Map(sim.counters.snapshot().rows.map((x) => [`${x.account} ${x.service}:${x.operation}`, x.calls]));
    const before = calls();
    const resumed = await runWithSimEnv(sim, [
      "--db",
      out,
      "scan",
      "--resume",
      "--quiet",
      "--no-config",
      "--endpoint-url",
      sim.endpoint,
    ]);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(EXIT.ok);
    // Collectors ran only in the missing shard's accounts; the others were asked for their
    // regions again (discovery is not a unit), nothing more.
    const missing = [MGMT, "222222222222", "333333333333", "444444444444", USER, NO_ROLE].filter(
      (a) => shardOf(a, 4) === 1,
    );
    expect(missing).toEqual([USER]);
    const grown = [...calls()].filter(([k, n]) => n !== (before.get(k) ?? 0)).map(([k]) => k);
    const elsewhere = grown.filter((k) => !k.startsWith(`${USER} `) && !k.startsWith(`${MGMT} `));
    expect(new Set(elsewhere.map((k) => k.split(" ")[1]))).toEqual(new Set(["ec2:DescribeRegions"]));
    expect(grown.filter((k) => k.startsWith(`${USER} `)).length).toBeGreaterThan(10);
    const a = normalized(whole());
    const b = normalized(out);
    expect(b.resources).toEqual(a.resources);
    expect(b.coverage).toEqual(a.coverage);
    expect(b.findings).toEqual(a.findings);
  });

  it("refuses shards that cannot make one scan: other counts, one shard twice, overlap, other rules", async () => {
    const out = join(dir, "refused.db");
    const edited = (name: string, sql: string): string => {
      const p = join(dir, name);
      copyFileSync(shardDb(2), p);
      const raw = new Database(p);
      raw.exec(sql);
      raw.close();
      return p;
    };
    const other = edited(
      "other-count.db",
      `UPDATE scans SET options_json = json_set(options_json, '$.shard', '1/3')`,
    );
    const relabelled = edited(
      "relabelled.db",
      `UPDATE scans SET options_json = json_set(options_json, '$.shard', '1/4')`,
    );
    const rules = edited(
      "rules.db",
      `UPDATE scan_rules SET sha256 = 'x' WHERE rule_id = 'ebs-volume-unencrypted'`,
    );
    const regions = edited(
      "regions.db",
      `UPDATE scans SET options_json = json_set(options_json, '$.shard', '1/4', '$.regions', json('["us-east-1"]'))`,
    );
    const cases: [string[], RegExp][] = [
      [
        [shardDb(0), other],
        /other-count\.db \(shard 1\/3\): split into 3 shards, but .*shard-0\.db \(shard 0\/4\) into 4/,
      ],
      [[shardDb(0), shardDb(0)], /shard-0\.db: given twice/],
      [[shardDb(1), relabelled], /relabelled\.db \(shard 1\/4\): the same shard as .*shard-1\.db/],
      [
        [shardDb(2), relabelled],
        /account 111111111111 was scanned by both .*shard-2\.db \(shard 2\/4\) and .*relabelled\.db/,
      ],
      [
        [shardDb(0), rules],
        /rules\.db \(shard 2\/4\): rule ebs-volume-unencrypted has another text \(sha256\) than in .*: different rule sets/,
      ],
      [[rules, shardDb(0)], /rule ebs-volume-unencrypted: its file changed since the shards were judged/],
      [
        [shardDb(0), regions],
        /regions\.db \(shard 1\/4\): --regions \["us-east-1"\] differs from .*shard-0\.db \(shard 0\/4\)'s \["us-east-1","af-south-1"\]/,
      ],
      [[out, shardDb(0)], /refused\.db: is the output database/],
      [[shardDb(0), join(dir, "nowhere.db")], /nowhere\.db: no such file/],
      [[whole(), shardDb(0)], /whole\.db: scan 1 was not run with --shard K\/N/],
    ];
    for (const [inputs, message] of cases) {
      const r = await runCli(["merge", out, ...inputs]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(EXIT.badInput);
    }
    expect(existsSync(out)).toBe(false); // a refused merge opens no database
  });

  it("checks --shard against the scope", async () => {
    const bad = await runCli([
      "--db",
      join(dir, "x.db"),
      "scan",
      "--no-config",
      "--shard",
      "4/4",
      "--regions",
      "us-east-1",
    ]);
    expect(bad.stderr).toContain("dpscan: --shard: K counts from 0 and must be below N");
    expect(bad.stderr).toContain(
      "dpscan: --shard splits the accounts of --org or --accounts; give one of them",
    );
    expect(bad.code).toBe(EXIT.badInput);
  });
});
