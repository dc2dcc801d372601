// Three scans of a world that changes between them (test/helpers/evolving-world.ts), on a fixed
// clock: each finding's state per scan, first seen and age, `findings --new/--since`, and
// `dpscan diff` in its three formats.
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { findingIdentity } from "../../src/model/finding.js";
import { scanStates } from "../../src/store/lifecycle.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { DAY, KEY, scanStage, SECRET, STAGE_TIME, V1, V2, V3 } from "../helpers/evolving-world.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"], now: STAGE_TIME[1] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** State per "rule resource" of a scan, for identities the scan touched. */
function states(db: string, scanId: number): Record<string, string> {
  const s = new Store(db);
  try {
    const byIdentity = scanStates(s, scanId);
    const out: Record<string, string> = {};
    const rows = s.db.prepare("SELECT identity FROM finding_lifecycle").all() as { identity: string }[];
    for (const { identity } of rows) {
      const state = byIdentity.get(identity);
      const [rule, , , resource] = identity.split("|");
      if (state) out[`${rule} ${resource?.split(/[/:]/).pop()}`] = state;
    }
    return out;
  } finally {
    s.close();
  }
}

/** The findings of a finding document (`findings --format json`). */
function findings(
  json: string,
): { resourceId: string; lifecycle: string | null; firstSeen: string | null }[] {
  return (JSON.parse(json) as { findings: ReturnType<typeof findings> }).findings;
}

const secretKey = (s: Record<string, string>): string | undefined =>
  Object.keys(s).find((k) => k.startsWith("secret-rotation-disabled"));

describe("the finding lifecycle across scans", () => {
  it("tracks new, open, resolved and reopened findings; UNKNOWN neither resolves nor opens", async () => {
    const db = join(tmp(), "life.db");
    await scanStage(db, 1);
    await scanStage(db, 2);
    await scanStage(db, 3);

    const s1 = states(db, 1);
    expect(s1[`ebs-volume-unencrypted ${V1}`]).toBe("new");
    expect(s1[`ebs-volume-unencrypted ${V3}`]).toBe("new");
    expect(s1[`kms-key-rotation-disabled ${KEY}`]).toBe("new");
    expect(s1[secretKey(s1) ?? ""]).toBe("new");

    const s2 = states(db, 2);
    expect(s2[`ebs-volume-unencrypted ${V1}`]).toBe("open");
    expect(s2[`ebs-volume-unencrypted ${V2}`]).toBe("new");
    // Gone within the scan's reach (DescribeVolumes ran in the region): resolved.
    expect(s2[`ebs-volume-unencrypted ${V3}`]).toBe("resolved");
    expect(s2[`kms-key-rotation-disabled ${KEY}`]).toBe("resolved");
    // Secrets Manager denied: the secret's finding stays open, unverified.
    expect(s2[secretKey(s2) ?? ""]).toBe("open");

    const s3 = states(db, 3);
    expect(s3[`kms-key-rotation-disabled ${KEY}`]).toBe("reopened");
    expect(s3[`ebs-volume-unencrypted ${V3}`]).toBeUndefined();
    expect(s3[secretKey(s3) ?? ""]).toBe("open");

    const store = new Store(db);
    const life = store.db
      .prepare("SELECT identity, state, first_seen_at, last_seen_at, reopen_count FROM finding_lifecycle")
      .all() as {
      identity: string;
      state: string;
      first_seen_at: string;
      last_seen_at: string;
      reopen_count: number;
    }[];
    const key = life.find((l) => l.identity.startsWith("kms-key-rotation-disabled"));
    expect(key).toMatchObject({
      state: "open",
      first_seen_at: new Date(STAGE_TIME[1]).toISOString(),
      reopen_count: 1,
    });
    const secret = life.find((l) => l.identity.startsWith("secret-rotation-disabled"));
    // Not verified in scan 2: last seen stays at the scan that saw it FAIL before.
    expect(secret?.last_seen_at).toBe(new Date(STAGE_TIME[3]).toISOString());
    // An UNKNOWN that never failed opens nothing: the denied listing's '*' results have no history.
    expect(life.some((l) => l.identity.endsWith("|AWS::SecretsManager::Secret/*"))).toBe(false);
    // The stored summary counts the scan's effect.
    expect(store.getScan(2)?.summary).toMatchObject({ lifecycle: { new: 1, resolved: 2, reopened: 0 } });
    store.close();
  });

  it("findings shows age and first seen; --new and --since select by the lifecycle", async () => {
    const db = join(tmp(), "age.db");
    await scanStage(db, 1);
    await scanStage(db, 2);
    vi.setSystemTime(STAGE_TIME[2] + 2 * DAY);
    const table = await runCli(["--db", db, "findings", "--status", "FAIL"]);
    expect(table.code).toBe(EXIT.ok);
    const line = (id: string): string => table.stdout.split("\n").find((l) => l.includes(id)) ?? "";
    expect(line(V1)).toMatch(/\s3d\s/);
    expect(line(V2)).toMatch(/\s2d new\s/);

    const fresh = await runCli(["--db", db, "findings", "--new", "--format", "json"]);
    const rows = findings(fresh.stdout);
    expect(rows.map((r) => r.resourceId)).toEqual([V2]);
    expect(rows[0]).toMatchObject({
      lifecycle: "new",
      firstSeen: new Date(STAGE_TIME[2]).toISOString(),
      firstSeenScanId: 2,
    });

    const since = await runCli(["--db", db, "findings", "--since", "2027-03-02", "--format", "json"]);
    expect(findings(since.stdout).map((r) => r.resourceId)).toEqual([V2]);
    const all = await runCli([
      "--db",
      db,
      "findings",
      "--since",
      "2027-03-01",
      "--status",
      "FAIL",
      "--format",
      "json",
    ]);
    expect(findings(all.stdout).length).toBeGreaterThanOrEqual(2);

    const bad = await runCli(["--db", db, "findings", "--since", "last tuesday"]);
    expect(bad.code).toBe(EXIT.badInput);
    expect(bad.stderr).toMatch(/--since must be a date/);
  });

  it("diff lists new, reopened, resolved and unverified findings as a table, JSON and Markdown", async () => {
    const db = join(tmp(), "diff.db");
    await scanStage(db, 1);
    await scanStage(db, 2);
    await scanStage(db, 3);

    const j = await runCli(["--db", db, "diff", "--from", "1", "--to", "2", "--format", "json"]);
    expect(j.code).toBe(EXIT.ok);
    const doc = JSON.parse(j.stdout) as {
      counts: Record<string, number>;
      changes: {
        change: string;
        resourceId: string;
        ruleId: string;
        fromStatus: string | null;
        toStatus: string | null;
      }[];
    };
    const pick = (change: string): string[] =>
      doc.changes.filter((c) => c.change === change).map((c) => `${c.ruleId} ${c.resourceId}`);
    expect(pick("new")).toEqual([`ebs-volume-unencrypted ${V2}`]);
    expect(pick("resolved").sort()).toEqual([
      `ebs-volume-unencrypted ${V3}`,
      `kms-key-rotation-disabled ${KEY}`,
    ]);
    expect(pick("unverified")).toEqual([
      expect.stringMatching(new RegExp(`^secret-rotation-disabled .*${SECRET}`)),
    ]);
    expect(doc.changes.find((c) => c.change === "resolved" && c.ruleId.startsWith("kms"))).toMatchObject({
      fromStatus: "FAIL",
      toStatus: "PASS",
    });
    expect(doc.counts).toMatchObject({ new: 1, reopened: 0, resolved: 2, unverified: 1, unchanged: 1 });

    // Default: the two latest complete scans (2 → 3): the key reopens.
    const t = await runCli(["--db", db, "diff"]);
    expect(t.stdout).toMatch(/^scan 2 .* → scan 3 .*: 0 new, 1 reopened, 0 resolved/);
    expect(t.stdout).toMatch(new RegExp(`REOPENED\\s+medium\\s+kms-key-rotation-disabled .*${KEY}`));

    // Across the gap, 1 → 3: the key was open in both, so it is not a change.
    const wide = JSON.parse(
      (await runCli(["--db", db, "diff", "--from", "1", "--format", "json"])).stdout,
    ) as {
      changes: { change: string; ruleId: string }[];
    };
    expect(wide.changes.filter((c) => c.ruleId === "kms-key-rotation-disabled")).toEqual([]);

    const md = await runCli(["--db", db, "diff", "--from", "1", "--to", "2", "--format", "md"]);
    expect(md.stdout).toContain("### New (1)");
    expect(md.stdout).toContain("### Not verified (still open) (1)");
    expect(md.stdout).toContain(`\`arn:aws:ec2:us-east-1:111111111111:volume/${V2}\``);

    const swapped = await runCli(["--db", db, "diff", "--from", "3", "--to", "1"]);
    expect(swapped.code).toBe(EXIT.badInput);
    expect(swapped.stderr).toMatch(/completed after --to 1; swap them/);
  });

  it("the identity stored per finding is the one src/model/finding.ts defines", async () => {
    const db = join(tmp(), "id.db");
    await scanStage(db, 1);
    const s = new Store(db);
    const ids = new Set(
      (s.db.prepare("SELECT identity FROM finding_lifecycle").all() as { identity: string }[]).map(
        (r) => r.identity,
      ),
    );
    const fails = s.queryFindings(1, { statuses: ["FAIL"] });
    expect(fails.length).toBeGreaterThan(0);
    for (const f of fails) expect(ids.has(findingIdentity(f))).toBe(true);
    s.close();
  });
});
