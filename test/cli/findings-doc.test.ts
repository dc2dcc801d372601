// One finding document for `scan`, `evaluate` and `findings --format json`, validated against the
// published schema; first seen across scans; partial scans say so; --output writes every format.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { CSV_HEADERS } from "../../src/report/findings-view.js";
import { loadDemoWorld } from "../../src/sim/world/demo.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { runWithSimEnv, withSim } from "../helpers/scan.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const SNAPSHOT = "examples/config-snapshot.json";

const ajv = new Ajv({ allErrors: true });
ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const validate = ajv.compile(JSON.parse(readFileSync("schemas/findings.schema.json", "utf8")));

interface Doc {
  database: string;
  scan: { id: number; status: string; complete: boolean; summary: unknown };
  selection: Record<string, unknown>;
  findings: {
    ruleId: string;
    status: string;
    resourceId: string;
    title: string;
    firstSeen: string | null;
    firstSeenScanId: number | null;
    remediation: string | null;
  }[];
}

function valid(text: string): Doc {
  const doc = JSON.parse(text) as Doc;
  expect(validate(doc), ajv.errorsText(validate.errors)).toBe(true);
  return doc;
}

describe("the finding document", () => {
  it("scan, evaluate and findings print the same shape, valid against schemas/findings.schema.json", async () => {
    const dir = tmp();
    const db = join(dir, "doc.db");
    const ev = await runCli(["--db", db, "evaluate", "--input", SNAPSHOT, "--format", "json"]);
    expect(ev.code).toBe(EXIT.ok);
    const evaluated = valid(ev.stdout);
    expect(evaluated.scan).toMatchObject({ id: 1, status: "complete", complete: true });
    expect(evaluated.database).toBe(db);
    expect(evaluated.findings.every((f) => f.title && f.remediation)).toBe(true);
    const listed = valid(
      (await runCli(["--db", db, "findings", "--format", "json", "--severity", "high"])).stdout,
    );
    expect(listed.selection).toMatchObject({ statuses: ["FAIL", "UNKNOWN"], minSeverity: "high" });
    expect(Object.keys(listed.findings[0] ?? {})).toEqual(Object.keys(evaluated.findings[0] ?? {}));
    await withSim(loadDemoWorld(), async (sim) => {
      const r = await runWithSimEnv(sim, [
        "--db",
        db,
        "scan",
        "--services",
        "kms",
        "--regions",
        "us-east-1",
        "--quiet",
        "--no-config",
        "--endpoint-url",
        sim.endpoint,
        "--format",
        "json",
      ]);
      expect(r.code).toBe(EXIT.ok);
      const scanned = valid(r.stdout);
      expect(scanned.scan).toMatchObject({ id: 2, complete: true });
      expect(scanned.findings.length).toBeGreaterThan(0);
    });
  });

  it("first seen is the first complete scan where the finding FAILed; the lifecycle state is this scan's", async () => {
    const dir = tmp();
    const db = join(dir, "seen.db");
    await runCli(["--db", db, "evaluate", "--input", SNAPSHOT]);
    // The second snapshot adds an unencrypted volume that scan 1 did not have.
    const doc = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as {
      configurationItems: Record<string, unknown>[];
    };
    const vol = doc.configurationItems.find((i) => i.resourceType === "AWS::EC2::Volume")!;
    const later = join(dir, "later.json");
    writeFileSync(
      later,
      JSON.stringify({
        configurationItems: [
          ...doc.configurationItems,
          {
            ...vol,
            resourceId: "vol-0new",
            arn: String(vol.arn).replace(/vol-\w+$/, "vol-0new"),
            configuration: { encrypted: false, size: 1 },
          },
        ],
      }),
    );
    await runCli(["--db", db, "evaluate", "--input", later]);
    const s = new Store(db);
    const [first, second] = [s.getScan(1)!, s.getScan(2)!];
    s.close();
    const all = valid(
      (await runCli(["--db", db, "findings", "--status", "fail,unknown,pass", "--format", "json"])).stdout,
    );
    expect(all.scan.id).toBe(2);
    const old = all.findings.find((f) => f.ruleId === "kms-key-rotation-disabled" && f.status === "FAIL")!;
    expect(old).toMatchObject({ lifecycle: "open", firstSeen: first.startedAt, firstSeenScanId: 1 });
    const fresh = all.findings.find((f) => f.resourceId === "vol-0new")!;
    expect(fresh).toMatchObject({
      status: "FAIL",
      lifecycle: "new",
      firstSeen: second.startedAt,
      firstSeenScanId: 2,
    });
    expect(all.findings.filter((f) => f.status === "PASS").every((f) => f.firstSeen === null)).toBe(true);
    // Scan 1 as it was then: the finding scan 2 opened was not seen yet.
    const then = valid((await runCli(["--db", db, "findings", "--scan", "1", "--format", "json"])).stdout);
    expect(then.findings.find((f) => f.ruleId === "kms-key-rotation-disabled")).toMatchObject({
      lifecycle: "new",
      firstSeenScanId: 1,
    });
  });

  it("the JSON and CSV of an interrupted scan say it is incomplete", async () => {
    const db = join(tmp(), "part.db");
    await runCli(["--db", db, "evaluate", "--input", SNAPSHOT]);
    const s = new Store(db);
    s.db.prepare("UPDATE scans SET status = 'interrupted', error = 'received SIGINT' WHERE id = 1").run();
    s.close();
    const json = await runCli(["--db", db, "findings", "--scan", "1", "--format", "json"]);
    expect(valid(json.stdout).scan).toMatchObject({ status: "interrupted", complete: false });
    expect(json.stderr).toBe("dpscan: note: scan 1 is interrupted; its findings are partial\n");
    const csv = await runCli(["--db", db, "findings", "--scan", "1", "--format", "csv"]);
    const lines = csv.stdout.trim().split("\r\n");
    expect(lines[0]).toBe(CSV_HEADERS.join(","));
    expect(lines.slice(1).every((l) => l.startsWith("1,interrupted,"))).toBe(true);
  });

  it("--output writes each file in the format its extension names, whole or not at all", async () => {
    const dir = tmp();
    const db = join(dir, "out.db");
    const files = ["f.json", "f.csv", "f.txt"].map((f) => join(dir, f));
    const ev = await runCli([
      "--db",
      db,
      "evaluate",
      "--input",
      SNAPSHOT,
      ...files.flatMap((f) => ["--output", f]),
    ]);
    expect(ev.code).toBe(EXIT.ok);
    expect(valid(readFileSync(files[0]!, "utf8")).findings).toHaveLength(58);
    expect(readFileSync(files[1]!, "utf8").split("\r\n")[0]).toBe(CSV_HEADERS.join(","));
    expect(readFileSync(files[2]!, "utf8")).toContain("23 FAIL, 4 UNKNOWN, 31 PASS.");
    expect(readFileSync(files[2]!, "utf8")).not.toContain("\u001b[");
    const f = await runCli([
      "--db",
      db,
      "findings",
      "--rule",
      "ebs-volume-unencrypted",
      "-o",
      join(dir, "ebs.csv"),
    ]);
    expect(f.code).toBe(EXIT.ok);
    expect(readFileSync(join(dir, "ebs.csv"), "utf8").trim().split("\r\n")).toHaveLength(3);
    // An extension that names no format is bad usage before any work.
    const bad = await runCli([
      "--db",
      join(dir, "never.db"),
      "evaluate",
      "--input",
      SNAPSHOT,
      "--output",
      join(dir, "x.pdf"),
    ]);
    expect(bad.code).toBe(EXIT.badInput);
    expect(bad.stderr).toContain("cannot tell the format from the extension; use .json, .csv, .txt");
    expect(existsSync(join(dir, "never.db"))).toBe(false);
    // A file that cannot be written is an error naming it, and leaves no partial file behind.
    const nowhere = await runCli(["--db", db, "findings", "--output", join(dir, "missing", "f.json")]);
    expect(nowhere.code).toBe(EXIT.badInput);
    expect(nowhere.stderr).toContain(`--output ${join(dir, "missing", "f.json")}: cannot write: ENOENT`);
    expect(readdirSync(dir).filter((n) => n.includes(".partial"))).toEqual([]);
  });
});

describe("findings filters", () => {
  it("a rule, type or region that names nothing dpscan knows is an error with did you mean", async () => {
    const db = join(tmp(), "flt.db");
    await runCli(["--db", db, "evaluate", "--input", SNAPSHOT]);
    const cases: [string[], string][] = [
      [
        ["--rule", "kms-key-rotaton-disabled"],
        '--rule: no rule "kms-key-rotaton-disabled" in scan 1 (did you mean "kms-key-rotation-disabled"?)',
      ],
      [
        ["--type", "AWS::EC2::volume"],
        '--type: no resource type "AWS::EC2::volume" (did you mean "AWS::EC2::Volume"?)',
      ],
      [["--region", "eu-west-1,US-EAST-1"], '--region: no region "US-EAST-1" (did you mean "us-east-1"?)'],
      [["--account", "12345"], '--account: "12345" is not a 12-digit account ID'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(["--db", db, "findings", ...args]);
      expect(r.code, args.join(" ")).toBe(EXIT.badInput);
      expect(r.stderr).toBe(`dpscan: ${message}\n`);
    }
    // Known names that match nothing are an empty result, not an error.
    const none = await runCli(["--db", db, "findings", "--region", "ap-south-1"]);
    expect(none.code).toBe(EXIT.ok);
    expect(none.stdout).toContain("(no findings match)");
  });
});
