// Rules come from the built-in directory or --rules DIR (also `rules:` in the settings file); a
// rule whose own examples do not hold is refused wherever rules are loaded; --rule and
// --exclude-rule select, and a name no rule has is an error with "did you mean".
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const SNAPSHOT = "examples/config-snapshot.json";

/** A rules directory with the EBS rule inverted: its examples no longer hold. */
function invertedRules(): string {
  const dir = join(tmp(), "rules");
  mkdirSync(dir);
  const text = readFileSync("rules/ebs-volume-unencrypted.yaml", "utf8");
  writeFileSync(join(dir, "ebs-volume-unencrypted.yaml"), text.replace("eq: false", "eq: true"));
  writeFileSync(
    join(dir, "kms-key-rotation-disabled.yaml"),
    readFileSync("rules/kms-key-rotation-disabled.yaml"),
  );
  return dir;
}

const REFUSED = /ebs-volume-unencrypted\.yaml:\d+:\d+: example "encrypted volume" expected PASS, got FAIL/;

describe("a rule whose examples do not hold is refused on every path that loads rules", () => {
  it("evaluate --rules, rules list/show, scan --rules and a settings file's rules: all exit 2, nothing stored", async () => {
    const dir = invertedRules();
    const db = join(tmp(), "r.db");
    const settings = join(tmp(), "dpscan.config.yaml");
    writeFileSync(settings, `rules: ${dir}\n`);
    for (const args of [
      ["evaluate", "--input", SNAPSHOT, "--rules", dir],
      ["rules", "list", "--rules", dir],
      ["rules", "show", "ebs-volume-unencrypted", "--rules", dir],
      ["scan", "--rules", dir, "--no-config"],
      ["scan", "--config", settings],
    ]) {
      const r = await runCli(["--db", db, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(REFUSED);
      expect(r.stderr).toContain('example "unencrypted volume in use" expected FAIL, got PASS');
    }
    // rules test reports every example itself (and fails).
    const test = await runCli(["rules", "test", "--rules", dir]);
    expect(test.code).toBe(2);
    expect(test.stdout).toMatch(/FAIL ebs-volume-unencrypted › encrypted volume .*expected PASS, got FAIL/);
    const s = new Store(db);
    expect(s.listScans()).toEqual([]);
    s.close();
  });

  it("an empty rules directory is an error, not a scan with no rules", async () => {
    const dir = join(tmp(), "none");
    mkdirSync(dir);
    const r = await runCli(["--db", join(tmp(), "e.db"), "evaluate", "--input", SNAPSHOT, "--rules", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`dpscan: ${dir}: no rule files (*.yaml) in this rules directory\n`);
  });
});

describe("rule selection", () => {
  it("--rule keeps only the named rules and --exclude-rule drops some (evaluate)", async () => {
    const db = join(tmp(), "s.db");
    const only = await runCli([
      "--db",
      db,
      "evaluate",
      "--input",
      SNAPSHOT,
      "--rule",
      "ebs-volume-unencrypted,kms-key-rotation-disabled",
      "--format",
      "json",
    ]);
    expect(only.code).toBe(0);
    const rules = new Set(
      (JSON.parse(only.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId),
    );
    expect([...rules].sort()).toEqual(["ebs-volume-unencrypted", "kms-key-rotation-disabled"]);
    const s = new Store(db);
    expect(
      s.db.prepare("SELECT rule_id FROM scan_rules WHERE scan_id = 1 ORDER BY rule_id").pluck().all(),
    ).toEqual(["ebs-volume-unencrypted", "kms-key-rotation-disabled"]);
    s.close();
    const without = await runCli([
      "--db",
      db,
      "evaluate",
      "--input",
      SNAPSHOT,
      "--exclude-rule",
      "ebs-volume-unencrypted",
      "--format",
      "json",
    ]);
    const ids = (JSON.parse(without.stdout) as { findings: { ruleId: string }[] }).findings.map(
      (f) => f.ruleId,
    );
    expect(ids).not.toContain("ebs-volume-unencrypted");
    expect(ids).toContain("kms-key-rotation-disabled");
  });

  it("unknown rule IDs are all reported at once with did-you-mean, on scan and evaluate", async () => {
    for (const cmd of [
      ["evaluate", "--input", SNAPSHOT],
      ["scan", "--no-config"],
    ]) {
      const r = await runCli([
        "--db",
        join(tmp(), "u.db"),
        ...cmd,
        "--rule",
        "ebs-volume-unencrypte,kms-key-rotation-disabled",
        "--exclude-rule",
        "s3-bucket-secure-transport",
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        [
          'dpscan: --rule: unknown rule "ebs-volume-unencrypte" (did you mean "ebs-volume-unencrypted"?); see "dpscan rules list"',
          'dpscan: --exclude-rule: unknown rule "s3-bucket-secure-transport" (did you mean "s3-bucket-secure-transport-missing"?); see "dpscan rules list"',
          "",
        ].join("\n"),
      );
    }
    const none = await runCli([
      "--db",
      join(tmp(), "n.db"),
      "evaluate",
      "--input",
      SNAPSHOT,
      "--rule",
      "ebs-volume-unencrypted",
      "--exclude-rule",
      "ebs-volume-unencrypted",
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("leave no rule to evaluate");
  });
});

describe("scan option errors", () => {
  it("numbers are decimal: --concurrency 0x10, 1e3, ' 8' and 8.0 are refused", async () => {
    for (const v of ["0x10", "1e3", " 8", "8.0", "", "-1", "0"]) {
      const r = await runCli(["--db", join(tmp(), "c.db"), "scan", "--no-config", "--concurrency", v]);
      expect(r.code, v).toBe(2);
      expect(r.stderr).toContain("--concurrency must be a whole number from 1 to 512");
    }
  });

  it("--rate with a zero rate or burst is refused (it would never let a call through)", async () => {
    for (const v of ["ec2=0", "ec2=0.0", "kms=5/0"]) {
      const r = await runCli(["--db", join(tmp(), "c.db"), "scan", "--no-config", "--rate", v]);
      expect(r.code, v).toBe(2);
      expect(r.stderr).toContain(`--rate ${v}: the rate and the burst must be more than 0`);
    }
  });

  it("settings-file, flag and rule problems are reported together, not first-only", async () => {
    const dir = tmp();
    const settings = join(dir, "dpscan.config.yaml");
    writeFileSync(settings, "regoins: [us-east-1]\nconcurrency: 0\n");
    const r = await runCli([
      "--db",
      join(dir, "x.db"),
      "scan",
      "--config",
      settings,
      "--account-concurrency",
      "lots",
      "--rule",
      "nope",
    ]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(
        /dpscan\.config\.yaml:1:1: regoins: unknown option "regoins" \(did you mean "regions"\?\)/,
      ),
      expect.stringMatching(/dpscan\.config\.yaml:2:14: concurrency: must be >= 1/),
      "dpscan: --account-concurrency must be a whole number from 1 to 256",
      'dpscan: --rule: unknown rule "nope"; see "dpscan rules list"',
    ]);
  });
});
