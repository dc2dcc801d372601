// dpscan gate on scans of a world that changes (test/helpers/evolving-world.ts), on a fixed clock:
// every exit code, waivers (tags, expiry, staleness), baselines (a scan, latest-passing, an
// exported file), --scan, and the CI outputs: SARIF (validated against the official 2.1.0 schema),
// JUnit XML, the Markdown summary and GitHub annotations, with hostile text kept inert.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FINGERPRINT_KEY } from "../../src/report/sarif.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli, type CliResult } from "../helpers/cli.js";
import {
  evolvingWorld,
  KEY,
  scanStage,
  SCAN_FLAGS,
  STAGE_TIME,
  V1,
  V2,
  V3,
} from "../helpers/evolving-world.js";
import { sarifValidator } from "../helpers/sarif.js";
import type { Simulator } from "../../src/sim/wire/server.js";
import { runWithSimEnv, withSim } from "../helpers/scan.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"], now: STAGE_TIME[1] });
});
afterEach(() => {
  vi.useRealTimers();
});

async function withEnv(
  env: Record<string, string | undefined>,
  fn: () => Promise<CliResult>,
): Promise<CliResult> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

/** The gate, outside GitHub Actions (no annotations) unless `env` says otherwise. */
const gate = (db: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> =>
  withEnv({ GITHUB_ACTIONS: undefined, ...env }, () => runCli(["--db", db, "gate", "--no-config", ...args]));

/** Waivers for both unencrypted volumes of stage 2 (V1 by its tag, V2 by id) and a stale one. */
function waiversFile(dir: string, v2Expires = "2027-06-30"): string {
  const f = join(dir, "waivers.yaml");
  writeFileSync(
    f,
    `waivers:
  - rule: ebs-volume-unencrypted
    tags: { env: sandbox }
    justification: legacy sandbox volume, deleted with the sandbox in Q2
    approver: security@example.com
    expires: 2027-06-30
  - rule: "ebs-*"
    resource: "${V2}"
    justification: migration volume, re-created encrypted after the cut-over
    approver: platform@example.com
    expires: ${v2Expires}
  - rule: kms-key-policy-public
    account: "999999999999"
    justification: nothing matches this
    approver: security@example.com
    expires: 2027-04-30
`,
  );
  return f;
}

/** Stage 1 then stage 2 in one database: V1 and V3 unencrypted, then V2 new, V3 gone, secrets denied. */
async function twoScans(): Promise<{ dir: string; db: string }> {
  const dir = tmp();
  const db = join(dir, "gate.db");
  await scanStage(db, 1);
  await scanStage(db, 2);
  return { dir, db };
}

describe("dpscan gate: exit codes", () => {
  it("1 for a FAIL at or above --fail-on, 0 below it; 1 for unknowns beyond --max-unknown; 3 for gaps with --require-full-coverage", async () => {
    const { dir, db } = await twoScans();
    const w = waiversFile(dir);

    const failed = await gate(db, ["--scan", "1"]);
    expect(failed.code).toBe(EXIT.gateFailed);
    expect(failed.stdout).toMatch(/^Gate FAILED \(exit 1\): scan 1 .*fail on high and above/);
    expect(failed.stdout).toContain("  - 2 FAIL at or above high");
    expect(failed.stdout).toContain(V1);

    expect((await gate(db, ["--scan", "1", "--fail-on", "critical"])).code).toBe(EXIT.ok);

    // Scan 2 with both volumes waived: no FAIL at medium, but Secrets Manager was denied.
    const unknown = await gate(db, ["--fail-on", "medium", "--waivers", w]);
    expect(unknown.code).toBe(EXIT.gateFailed);
    expect(unknown.stdout).toContain("  - 2 UNKNOWN at or above medium (at most 0 allowed)");
    expect(unknown.stdout).toMatch(/2 waived/);

    expect((await gate(db, ["--fail-on", "medium", "--waivers", w, "--max-unknown", "2"])).code).toBe(
      EXIT.ok,
    );
    const gaps = await gate(db, [
      "--fail-on",
      "medium",
      "--waivers",
      w,
      "--max-unknown",
      "2",
      "--require-full-coverage",
    ]);
    expect(gaps.code).toBe(EXIT.incompleteCoverage);
    expect(gaps.stdout).toContain("1 coverage gap(s) (denied or failed units) with --require-full-coverage");
    // A failing gate is 1 even when coverage is also incomplete.
    expect((await gate(db, ["--fail-on", "medium", "--require-full-coverage"])).code).toBe(EXIT.gateFailed);
  });

  it("2 for bad usage or input, before anything is judged", async () => {
    const { dir, db } = await twoScans();
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      "waivers:\n  - rule: ebs-volume-unencrypted\n    approver: me\n    expires: 2027-04-01\n",
    );
    const cases: [string[], RegExp][] = [
      [["--fail-on", "severe"], /--fail-on must be one of critical, high, medium, low, info/],
      [["--baseline", "1"], /--baseline needs --new-only/],
      [
        ["--new-only", "--baseline", join(dir, "missing.json")],
        /is not a scan id, latest-passing, or an existing file/,
      ],
      [["--waivers", bad], new RegExp(`${bad}:2:5: waivers\\[0\\]: missing required field "justification"`)],
      [["--scan", "99"], /--scan: no scan with id 99/],
      [["--regions", "us-east-1"], /scan options \(regions\) need --scan alone/],
      [["--max-unknown", "-1"], /--max-unknown must be a whole number/],
      [["--sarif", join(dir, "no", "such", "dir", "x.sarif")], /--sarif: no directory/],
      [["--new-only", "--baseline", "2"], /--baseline: scan 2 is the scan being gated/],
    ];
    for (const [args, message] of cases) {
      const r = await gate(db, args);
      expect(r.code, args.join(" ")).toBe(EXIT.badInput);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
    const s = new Store(db);
    expect(s.db.prepare("SELECT COUNT(*) AS n FROM gate_runs").get()).toEqual({ n: 0 });
    s.close();
  });

  it("an internal error exits 70, never 1", async () => {
    const { db } = await twoScans();
    const s = new Store(db);
    s.db.exec("DROP TABLE gate_runs");
    s.close();
    const r = await gate(db, ["--fail-on", "critical"]);
    expect(r.code).toBe(EXIT.internal);
    expect(r.code).toBe(70);
    expect(r.stderr).toMatch(/^dpscan: internal error: /);
  });
});

/** `dpscan gate --scan` of the evolving world's scan flags against a running simulator. */
const gateScan = (sim: Simulator, db: string): Promise<CliResult> =>
  runWithSimEnv(sim, ["--db", db, "gate", "--scan", ...SCAN_FLAGS, "--endpoint-url", sim.endpoint]);

describe("dpscan gate: waivers and baselines", () => {
  it("waivers match by tags and resource, stop applying when expired, and stale ones are reported", async () => {
    const { dir, db } = await twoScans();
    const expiredV2 = waiversFile(dir, "2027-03-01"); // the day before scan 2
    const r = await gate(db, ["--waivers", expiredV2, "--format", "json"]);
    expect(r.code).toBe(EXIT.gateFailed);
    const doc = JSON.parse(r.stdout) as {
      blocking: { resourceId: string; waived: boolean }[];
      expiredWaivers: { rule: string; source: string }[];
      staleWaivers: { rule: string }[];
      counts: { waived: number };
    };
    expect(doc.blocking.map((b) => b.resourceId)).toEqual([V2]);
    expect(doc.expiredWaivers.map((w) => w.source)).toEqual([`${expiredV2}:7:5`]);
    expect(doc.staleWaivers.map((w) => w.rule)).toEqual(["kms-key-policy-public"]);
    expect(doc.counts.waived).toBe(1);
    // A day before its expiry the same waiver applies.
    vi.setSystemTime(Date.parse("2027-03-01T12:00:00Z"));
    const before = await gate(db, ["--waivers", expiredV2]);
    expect(before.code).toBe(EXIT.ok);
  });

  it("the waivers in force are recorded with the scan and apply to later outputs of it", async () => {
    const { dir, db } = await twoScans();
    const w = waiversFile(dir);
    expect((await gate(db, ["--waivers", w])).code).toBe(EXIT.ok);
    // No file now: the scan's record applies (and a file with other content does not replace it).
    const again = await gate(db, []);
    expect(again.code).toBe(EXIT.ok);
    const findings = (
      JSON.parse((await runCli(["--db", db, "findings", "--format", "json"])).stdout) as {
        findings: { resourceId: string; waived: boolean; waiver: { approver: string } | null }[];
      }
    ).findings;
    expect(findings.find((f) => f.resourceId === V2)?.waiver?.approver).toBe("platform@example.com");
    const s = new Store(db);
    const rows = s.db
      .prepare("SELECT position, state, matched FROM scan_waivers WHERE scan_id = 2 ORDER BY position")
      .all();
    expect(rows).toEqual([
      { position: 0, state: "active", matched: 1 },
      { position: 1, state: "active", matched: 1 },
      { position: 2, state: "active", matched: 0 },
    ]);
    s.close();
  });

  it("--new-only against a scan, latest-passing, or an exported baseline file: legacy findings do not block, new ones and new unknowns do", async () => {
    const { dir, db } = await twoScans();
    // No gate has passed yet: latest-passing has nothing to start from.
    const none = await gate(db, ["--new-only"]);
    expect(none.code).toBe(EXIT.badInput);
    expect(none.stderr).toMatch(/no scan before 2 .* has passed a gate/);

    const byScan = await gate(db, ["--new-only", "--baseline", "1", "--format", "json"]);
    expect(byScan.code).toBe(EXIT.gateFailed);
    const doc = JSON.parse(byScan.stdout) as {
      blocking: { resourceId: string; new: boolean }[];
      counts: { inBaseline: number };
    };
    expect(doc.blocking.map((b) => b.resourceId)).toEqual([V2]);
    expect(doc.counts.inBaseline).toBe(1); // V1

    // A passing gate on scan 1 becomes the latest-passing baseline.
    expect((await gate(db, ["--scan", "1", "--fail-on", "critical"])).code).toBe(EXIT.ok);
    const latest = await gate(db, ["--new-only"]);
    expect(latest.code).toBe(EXIT.gateFailed);
    expect(latest.stdout).toContain("new only, against scan 1 (latest passing)");

    // Export scan 1 as a file, then gate from it in a database that no longer has scan 1.
    const file = join(dir, "baseline.json");
    expect((await runCli(["--db", db, "baseline", "export", "--scan", "1", "--output", file])).code).toBe(
      EXIT.ok,
    );
    const exported = JSON.parse(readFileSync(file, "utf8")) as {
      dpscanBaseline: number;
      findings: { resourceId: string; fingerprint: string; identity: string }[];
    };
    expect(exported.dpscanBaseline).toBe(1);
    const ids = exported.findings.map((f) => f.resourceId);
    expect(ids).toEqual(expect.arrayContaining([V1, V3, KEY]));
    expect(ids).toHaveLength(4);
    expect(ids.some((id) => id.includes(":secret:app/db-password"))).toBe(true);
    // Streamed, yet pretty JSON as JSON.stringify writes it, sorted by identity; stdout the same.
    const text = readFileSync(file, "utf8");
    expect(text).toBe(`${JSON.stringify(exported, null, 2)}\n`);
    const identities = exported.findings.map((f) => f.identity);
    expect(identities).toEqual([...identities].sort((a, b) => a.localeCompare(b)));
    const printed = await runCli(["--db", db, "baseline", "export", "--scan", "1"]);
    expect(printed.stdout.replace(/"exportedAt": "[^"]*"/, "")).toBe(
      text.replace(/"exportedAt": "[^"]*"/, ""),
    );
    const fresh = join(dir, "fresh.db");
    await scanStage(fresh, 2);
    const fromFile = await gate(fresh, ["--new-only", "--baseline", file, "--waivers", waiversFile(dir)]);
    expect(fromFile.code).toBe(EXIT.ok);
    // UNKNOWN results new since the baseline count too: the denied Secrets Manager.
    const unknowns = await gate(fresh, [
      "--new-only",
      "--baseline",
      file,
      "--waivers",
      waiversFile(dir),
      "--fail-on",
      "medium",
    ]);
    expect(unknowns.code).toBe(EXIT.gateFailed);
    expect(unknowns.stdout).toContain("2 UNKNOWN at or above medium, new since");

    // A malformed baseline file is bad input, with its position.
    writeFileSync(file, '{"dpscanBaseline": 1, "findings": [{"identity": "x"}]}');
    const broken = await gate(fresh, ["--new-only", "--baseline", file]);
    expect(broken.code).toBe(EXIT.badInput);
    expect(broken.stderr).toMatch(
      new RegExp(`${file}:1:\\d+: findings\\[0\\]: missing required field "status"`),
    );
  });

  it("--scan: an interrupted scan is not gated (exit 130)", async () => {
    const db = join(tmp(), "stop.db");
    const world = {
      ...evolvingWorld(1),
      faults: { latency: { distribution: "fixed" as const, value: 150 } },
    };
    await withSim(world, async (sim) => {
      const stop = setTimeout(() => process.emit("SIGINT", "SIGINT"), 400);
      const r = await gateScan(sim, db);
      clearTimeout(stop);
      expect(r.code).toBe(EXIT.interrupted);
      expect(r.stdout).toBe("");
    });
    const s = new Store(db);
    expect(s.listScans().map((x) => x.status)).toEqual(["interrupted"]);
    expect(s.db.prepare("SELECT COUNT(*) AS n FROM gate_runs").get()).toEqual({ n: 0 });
    s.close();
  });

  it("the settings file's waivers: key is read by scan (recorded with the scan) and by gate", async () => {
    const dir = tmp();
    const db = join(dir, "settings.db");
    waiversFile(dir);
    const settings = join(dir, "dpscan.config.yaml");
    writeFileSync(settings, "waivers: waivers.yaml\nwaiverMaxDays: 200\n");
    vi.setSystemTime(STAGE_TIME[2]);
    await withSim(evolvingWorld(2), async (sim) => {
      const flags = SCAN_FLAGS.filter((f) => f !== "--no-config");
      const r = await runWithSimEnv(sim, [
        "--db",
        db,
        "scan",
        ...flags,
        "--config",
        settings,
        "--endpoint-url",
        sim.endpoint,
      ]);
      expect(r.code).toBe(EXIT.ok);
    });
    const s = new Store(db);
    expect(s.db.prepare("SELECT COUNT(*) AS n FROM scan_waivers WHERE scan_id = 1").get()).toEqual({ n: 3 });
    s.close();
    const r = await runCli(["--db", db, "gate", "--config", settings]);
    expect(r.code).toBe(EXIT.ok);
    // waiverMaxDays bounds every waiver: the file's longest (to 2027-06-30) lasts 121 days.
    writeFileSync(settings, "waivers: waivers.yaml\nwaiverMaxDays: 30\n");
    const strict = await runCli(["--db", db, "gate", "--config", settings]);
    expect(strict.code).toBe(EXIT.badInput);
    expect(strict.stderr).toMatch(
      /waivers\.yaml:6:14: waivers\[0\]\.expires: waiver lasts 121 days from 2027-03-02; at most 30 are allowed/,
    );
  });

  it("--scan runs a scan with the scan options, then gates it", async () => {
    const db = join(tmp(), "run.db");
    await withSim(evolvingWorld(1), async (sim) => {
      const r = await gateScan(sim, db);
      expect(r.code).toBe(EXIT.gateFailed);
      expect(r.stdout).toMatch(/^Gate FAILED \(exit 1\): scan 1 /);
    });
    const s = new Store(db);
    expect(s.listScans().map((x) => x.status)).toEqual(["complete"]);
    expect(s.db.prepare("SELECT scan_id, exit_code FROM gate_runs").all()).toEqual([
      { scan_id: 1, exit_code: 1 },
    ]);
    s.close();
  });
});

describe("dpscan gate: CI outputs", () => {
  const validateSarif = sarifValidator();

  it("SARIF is valid 2.1.0, with rule metadata, stable fingerprints, baseline state and suppressions", async () => {
    const { dir, db } = await twoScans();
    const one = join(dir, "one.sarif");
    const two = join(dir, "two.sarif");
    await gate(db, ["--scan", "1", "--sarif", one]);
    await gate(db, ["--new-only", "--baseline", "1", "--waivers", waiversFile(dir), "--sarif", two]);
    const docs = [one, two].map((f) => JSON.parse(readFileSync(f, "utf8")) as Sarif);
    for (const d of docs) expect(validateSarif(d), JSON.stringify(validateSarif.errors)).toBe(true);
    // The validator can fail: a result needs a message, a level from the enum.
    expect(
      validateSarif({
        version: "2.1.0",
        runs: [{ tool: { driver: { name: "x" } }, results: [{ level: "fatal" }] }],
      }),
    ).toBe(false);
    const [first, second] = docs as [Sarif, Sarif];
    const run = second.runs[0];
    const rule = run.tool.driver.rules.find((r) => r.id === "ebs-volume-unencrypted");
    expect(rule).toMatchObject({
      shortDescription: { text: "EBS volume is not encrypted" },
      help: { text: expect.stringContaining("Create an encrypted snapshot copy") },
      properties: { "security-severity": "8.0" },
    });
    const resultFor = (d: Sarif, id: string) =>
      d.runs[0].results.find((r) => r.locations[0]?.logicalLocations[0]?.name === id);
    // The same finding has the same fingerprint in both scans.
    expect(resultFor(first, V1)?.fingerprints[FINGERPRINT_KEY]).toBe(
      resultFor(second, V1)?.fingerprints[FINGERPRINT_KEY],
    );
    expect(resultFor(second, V1)).toMatchObject({
      baselineState: "unchanged",
      suppressions: [{ kind: "external", status: "accepted" }],
    });
    expect(resultFor(second, V2)).toMatchObject({ baselineState: "new", kind: "fail", level: "error" });
    const unknown = run.results.find((r) => r.kind === "review");
    expect(unknown).toMatchObject({
      level: "none",
      message: { text: expect.stringMatching(/^Could not be verified: /) },
    });
    expect(run.invocations[0]?.toolExecutionNotifications?.[0]?.message.text).toMatch(
      /secretsmanager:ListSecrets denied/,
    );
    expect(run.results.every((r) => run.tool.driver.rules[r.ruleIndex]?.id === r.ruleId)).toBe(true);
  });

  it("JUnit has one test case per rule and resource; a Markdown summary and annotations under GitHub Actions", async () => {
    const { dir, db } = await twoScans();
    const junit = join(dir, "gate.xml");
    const summary = join(dir, "summary.md");
    const r = await gate(
      db,
      ["--junit", junit, "--summary", summary, "--waivers", waiversFile(dir, "2027-03-01")],
      {
        GITHUB_ACTIONS: "true",
      },
    );
    expect(r.code).toBe(EXIT.gateFailed);
    const xml = readFileSync(junit, "utf8");
    const s = new Store(db);
    const results = s.queryFindings(2).length;
    s.close();
    expect(xml.match(/<testcase /g)?.length).toBe(results);
    expect(xml).toMatch(
      /<testsuites name="dpscan gate \(scan 2\)" tests="\d+" failures="1" errors="0" skipped="\d+">/,
    );
    expect(xml).toContain(`name="111111111111/us-east-1/AWS::EC2::Volume/${V2}">\n      <failure `);
    expect(xml).toMatch(
      /<skipped message="WAIVED until 2027-06-30 by security@example.com: legacy sandbox volume/,
    );
    expect(xml).toMatch(/<skipped message="UNKNOWN below --fail-on high"\/>/);

    const md = readFileSync(summary, "utf8");
    expect(md).toMatch(/^## ❌ dpscan gate FAILED/);
    expect(md).toContain("### Blocking (1)");
    expect(md).toContain("### Coverage gaps (1)");
    expect(md).toContain("### Waivers to review (2)");
    expect(md).toContain("platform@\u200bexample.com");

    const annotations = r.stdout.split("\n").filter((l) => l.startsWith("::"));
    expect(annotations[0]).toBe(
      `::error title=dpscan FAIL high%3A ebs-volume-unencrypted::111111111111/us-east-1 arn:aws:ec2:us-east-1:111111111111:volume/${V2}: EBS volume ${V2} (50 GiB, available) is not encrypted`,
    );
    expect(annotations.filter((l) => l.startsWith("::warning title=dpscan waiver"))).toHaveLength(2);
    expect(
      annotations.some((l) =>
        l.startsWith("::warning title=dpscan coverage gap::secretsmanager:ListSecrets denied"),
      ),
    ).toBe(true);
    // Outside GitHub Actions: no workflow commands.
    expect((await gate(db, [])).stdout).not.toMatch(/^::/m);
  });
});

interface Sarif {
  runs: [
    {
      tool: { driver: { rules: { id: string }[] } };
      invocations: { toolExecutionNotifications?: { message: { text: string } }[] }[];
      results: {
        ruleId: string;
        ruleIndex: number;
        kind: string;
        fingerprints: Record<string, string>;
        locations: { logicalLocations: { name: string }[] }[];
      }[];
    },
  ];
}
