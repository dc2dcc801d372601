// The settings file is read by every command (not only `scan`), every command that reads a
// database names it, and hints print commands that work as printed.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { invocationFor } from "../../src/cli/invocation.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const SNAPSHOT = "examples/config-snapshot.json";

describe("the settings file applies to every command", () => {
  it("db: is the database of evaluate, findings and scans, and each names it", async () => {
    const dir = tmp();
    const db = join(dir, "from-settings.db");
    const config = join(dir, "dpscan.config.yaml");
    writeFileSync(config, `db: ${db}\n`);
    const ev = await runCli(["--config", config, "evaluate", "--input", SNAPSHOT]);
    expect(ev.code).toBe(EXIT.ok);
    expect(ev.stdout).toContain(`Scan 1 complete (database ${db}).`);
    expect(existsSync(db)).toBe(true);
    const findings = await runCli(["--config", config, "findings"]);
    expect(findings.code).toBe(EXIT.ok);
    expect(findings.stdout.split("\n")[0]).toMatch(
      new RegExp(`^Scan 1 \\(evaluate, complete, .*\\) in ${db}: 27 finding`),
    );
    const json = JSON.parse((await runCli(["--config", config, "findings", "--format", "json"])).stdout);
    expect(json.database).toBe(db);
    const scans = await runCli(["--config", config, "scans"]);
    expect(scans.stdout.split("\n")[0]).toBe(`Scans in ${db}, newest first:`);
    expect(scans.stdout).toMatch(/\n1\s+evaluate\s+complete/);
    // --db on the command line wins over the settings file.
    const other = join(dir, "flag.db");
    const flagged = await runCli(["--config", config, "--db", other, "findings"]);
    expect(flagged.code).toBe(EXIT.badInput);
    expect(flagged.stderr).toContain(`no complete scan in ${other}`);
  });

  it("a broken settings file stops findings and scans too, naming file, line and column", async () => {
    const dir = tmp();
    const config = join(dir, "dpscan.config.yaml");
    writeFileSync(config, "db: x.db\nregoins: [us-east-1]\n");
    for (const args of [["findings"], ["scans"], ["evaluate", "--input", SNAPSHOT]]) {
      const r = await runCli(["--config", config, ...args]);
      expect(r.code, args[0]).toBe(EXIT.badInput);
      expect(r.stderr).toContain(
        `${config}:2:1: regoins: unknown option "regoins" (did you mean "regions"?)`,
      );
    }
    expect(existsSync(join(dir, "x.db"))).toBe(false);
  });

  it("params: apply to evaluate as to scan", async () => {
    const dir = tmp();
    const config = join(dir, "dpscan.config.yaml");
    writeFileSync(config, `db: ${join(dir, "p.db")}\nparams: { nope-rule: { x: 1 } }\n`);
    const bad = await runCli(["--config", config, "evaluate", "--input", SNAPSHOT]);
    expect(bad.code).toBe(EXIT.badInput);
    expect(bad.stderr).toContain('params: unknown rule "nope-rule"');
  });
});

describe("hints work as printed", () => {
  it("name the database when it is not the default", async () => {
    const db = join(tmp(), "elsewhere.db");
    // As this test process was started (npx/npm: "npx dpscan").
    const dpscan = invocationFor("dpscan", process.env);
    const r = await runCli(["--db", db, "findings"]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toContain(
      `run "${dpscan} --db ${db} evaluate --input FILE" or "${dpscan} --db ${db} scan" first`,
    );
    const missing = await runCli(["--db", db, "findings", "--scan", "9"]);
    expect(missing.stderr).toContain(`see "${dpscan} --db ${db} scans"`);
    const plain = await runCli(["rules", "show", "nope"]);
    expect(plain.stderr).toContain(`no rule "nope"; see "${dpscan} rules list"`);
  });

  it("start with an invocation that exists: npx dpscan under npm, node bin/dpscan.js from a clone", () => {
    expect(invocationFor("/repo/bin/dpscan.js", { npm_command: "exec" })).toBe("npx dpscan");
    expect(invocationFor("/repo/bin/dpscan.js", { npm_lifecycle_event: "demo" })).toBe("npx dpscan");
    expect(invocationFor(join(process.cwd(), "bin/dpscan.js"), { PATH: "/usr/bin" })).toBe(
      "node bin/dpscan.js",
    );
    expect(invocationFor("/usr/local/bin/dpscan", { PATH: "/usr/bin:/usr/local/bin" })).toBe("dpscan");
    expect(invocationFor("/opt/x/node_modules/.bin/dpscan", { PATH: "/usr/bin" })).toBe(
      "node /opt/x/node_modules/.bin/dpscan",
    );
  });
});
