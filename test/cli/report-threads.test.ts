// `dpscan report` on two worker threads (src/report/write-threads.ts), in real processes: the
// files are byte-identical to the single-thread path's, a worker that fails leaves no temporary
// file and no spool, and SIGINT/SIGTERM stop the report with exit 130 and nothing left behind.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/util/errors.js";
import { ensureBuilt, finished, runProcess, startCli } from "../helpers/process.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const ACCOUNTS = ["111122223333", "444455556666"];

/** AWS Config items of `n` volumes, some unencrypted, some unreadable (UNKNOWN), over two accounts and regions. */
function items(n: number, night: number): string {
  const configurationItems = Array.from({ length: n }, (_, i) => ({
    resourceType: "AWS::EC2::Volume",
    resourceId: `vol-${i}`,
    awsAccountId: ACCOUNTS[i % 2],
    awsRegion: i % 3 === 0 ? "eu-west-1" : "us-east-1",
    configurationItemCaptureTime: "2026-10-01T00:00:00Z",
    tags: { team: `t${i % 4}` },
    // A few change between the nights, so the second report has new and resolved results.
    configuration: i % 7 === 0 ? { size: 8 } : { encrypted: (i + night) % 5 === 0, size: 8 },
  }));
  return JSON.stringify({ configurationItems });
}

async function database(dir: string, n: number, nights: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const db = join(dir, "t.db");
  for (let night = 0; night < nights; night++) {
    const file = join(dir, `items-${night}.json`);
    writeFileSync(file, items(n, night));
    const r = await runProcess(["--no-config", "--db", db, "evaluate", "--input", file, "--format", "json"]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
  }
  return db;
}

const report = (db: string, out: string, threads: string, ...more: string[]): string[] => [
  "--no-config",
  "--db",
  db,
  "report",
  "--format",
  "html,md,json,csv",
  "--threads",
  threads,
  "--out",
  out,
  ...more,
];

/** What a report run may leave that is not a report: temporary files and spools. */
const leftovers = (dir: string): string[] => readdirSync(dir).filter((f) => /\.tmp-|spool/.test(f));

describe("dpscan report --threads", () => {
  // The databases serve every test (tmp() is one test's).
  const dbs = mkdtempSync(join(tmpdir(), "dpscan-test-"));
  let small = "";
  let large = "";
  beforeAll(async () => {
    ensureBuilt();
    small = await database(join(dbs, "small"), 3000, 2);
    large = await database(join(dbs, "large"), 60_000, 1);
  }, 180_000);
  afterAll(() => rmSync(dbs, { recursive: true, force: true }));

  it("two threads write the same bytes as one, for every framework and format", async () => {
    const dir = tmp();
    const runs = ["on", "off"].map((t) => ({ t, out: join(dir, t) }));
    for (const { t, out } of runs) {
      const r = await runProcess(report(small, out, t));
      expect(r.code, r.stderr).toBe(EXIT.ok);
      expect(r.stdout).toContain("pci-dss-4.0.json");
    }
    const files = readdirSync(join(dir, "off")).sort();
    expect(files.filter((f) => f.endsWith(".json"))).toHaveLength(4);
    expect(readdirSync(join(dir, "on")).sort()).toEqual(files);
    for (const f of files)
      expect(readFileSync(join(dir, "on", f)).equals(readFileSync(join(dir, "off", f))), f).toBe(true);
    // The split read puts FAIL/UNKNOWN and PASS in separate threads: both are in the files.
    const json = JSON.parse(readFileSync(join(dir, "on", "pci-dss-4.0.json"), "utf8")) as {
      findings: { status: string; isNew: boolean }[];
      resolved: unknown[];
    };
    expect(new Set(json.findings.map((f) => f.status))).toEqual(new Set(["FAIL", "UNKNOWN", "PASS"]));
    expect(json.findings.some((f) => f.isNew)).toBe(true);
    expect(json.resolved.length).toBeGreaterThan(0);
    expect(leftovers(join(dir, "on"))).toEqual([]);
  }, 120_000);

  it("frameworks in two scopes, and JSON or CSV alone, are the same on two threads", async () => {
    const dir = tmp();
    const config = join(dir, "dpscan.yaml");
    writeFileSync(config, `reports:\n  gdpr:\n    accounts: ["${ACCOUNTS[0]}"]\n    scopeTags: [team=t1]\n`);
    for (const format of ["json", "csv", "html,json,csv"]) {
      const outs = ["on", "off"].map((t) => join(dir, `${format}-${t}`));
      for (const [i, t] of ["on", "off"].entries()) {
        const args = report(small, outs[i] as string, t).filter((a) => a !== "--no-config");
        args.splice(args.indexOf("html,md,json,csv"), 1, format);
        const r = await runProcess(["--config", config, ...args]);
        expect(r.code, r.stderr).toBe(EXIT.ok);
      }
      const files = readdirSync(outs[1] as string).sort();
      expect(readdirSync(outs[0] as string).sort()).toEqual(files);
      for (const f of files)
        expect(
          readFileSync(join(outs[0] as string, f)).equals(readFileSync(join(outs[1] as string, f))),
          `${format} ${f}`,
        ).toBe(true);
    }
  }, 120_000);

  it("a worker that fails is a clear error, with no temporary file or spool left", async () => {
    const out = join(tmp(), "out");
    // A directory where a report goes: renaming the finished file onto it fails in a worker.
    mkdirSync(join(out, "pci-dss-4.0.json", "x"), { recursive: true });
    const r = await runProcess(report(small, out, "on"));
    expect(r.code).not.toBe(EXIT.ok);
    expect(r.stderr).toMatch(/report worker \d failed: .*pci-dss-4\.0\.json/);
    expect(leftovers(out)).toEqual([]);
  }, 60_000);

  for (const [signal, threads] of [
    ["SIGINT", "on"],
    ["SIGTERM", "on"],
    ["SIGINT", "off"],
  ] as const)
    it(`${signal} with --threads ${threads} stops the report: exit 130, nothing half-written left`, async () => {
      const out = join(tmp(), "out");
      mkdirSync(out);
      const child = startCli(report(large, out, threads));
      const done = finished(child);
      // Once a spool exists the findings are being read.
      while (!readdirSync(out).some((f) => f.includes("spool")) && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 10));
      child.kill(signal);
      const r = await done;
      expect(r.code, r.stderr).toBe(EXIT.interrupted);
      expect(r.stderr).toContain(`received ${signal}: stopped`);
      expect(leftovers(out)).toEqual([]);
      // No JSON or CSV file was finished: they are written last, from the spools.
      expect(readdirSync(out).filter((f) => /\.(json|csv)$/.test(f))).toEqual([]);
    }, 60_000);
});
