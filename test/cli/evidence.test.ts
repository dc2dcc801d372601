// `dpscan evidence` end to end: a real scan of a simulated organisation, a signed pack in a
// folder and in a zip, verified; then a changed byte, an added and a removed file, each named.
import { spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { WHOLE_SCOPE_ID } from "../../src/model/finding.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { useScannedTestWorld } from "../helpers/scan.js";
import { ensureBuilt, finished } from "../helpers/process.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const scanned = useScannedTestWorld("dpscan-evidence-");

const cli = (...args: string[]) => runCli(["--db", scanned.db(), ...args]);

describe("dpscan evidence", () => {
  it("writes a signed pack (folder and zip) that verifies against the signer's key", async () => {
    const dir = tmp();
    const prefix = join(dir, "signer");
    expect((await cli("evidence", "keygen", "--prefix", prefix)).code).toBe(0);
    expect((await cli("evidence", "keygen", "--prefix", prefix)).code).toBe(EXIT.badInput); // never overwritten
    const pack = join(dir, "pack");
    const made = await cli("evidence", "--no-config", "--out", pack, "--sign", `${prefix}.pem`);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    expect(made.stdout).toContain(`--public-key ${prefix}.pub`);
    for (const f of [
      "manifest.json",
      "manifest.sig",
      "scan.json",
      "README.txt",
      "reports/pci-dss-4.0.html",
      "reports/hipaa.md",
      "reports/soc2.json",
      "reports/gdpr.csv",
      "reports/pci-dss-4.0.pdf",
      "findings/findings.csv",
      "findings/findings.json",
      "resources/records.jsonl",
      "coverage/coverage.csv",
      "rules/ebs-volume-unencrypted.yaml",
      "frameworks/pci-dss-4.0.yaml",
    ])
      expect(existsSync(join(pack, f)), f).toBe(true);
    // The records behind failing findings are there, and no secret value ever is.
    const records = readFileSync(join(pack, "resources", "records.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(records.length).toBeGreaterThan(0);
    expect(JSON.parse(records[0] ?? "{}")).toHaveProperty("resourceType");
    const ok = await cli("evidence", "verify", pack, "--public-key", `${prefix}.pub`);
    expect(ok.stdout).toMatch(/Signature: valid, by the given key/);
    expect(ok.code).toBe(0);

    const zip = join(dir, "pack.zip");
    expect(
      (
        await cli(
          "evidence",
          "--no-config",
          "--no-pdf",
          "--framework",
          "hipaa",
          "--out",
          zip,
          "--sign",
          `${prefix}.pem`,
        )
      ).code,
    ).toBe(0);
    expect((await cli("evidence", "verify", zip, "--public-key", `${prefix}.pub`)).code).toBe(0);
    // Another key is not the signer's.
    const other = join(dir, "other");
    await cli("evidence", "keygen", "--prefix", other);
    const wrong = await cli("evidence", "verify", zip, "--public-key", `${other}.pub`);
    expect(wrong.code).toBe(EXIT.tampered);
    expect(wrong.stdout).toMatch(/wrong-key/);
  });

  it("holds the reports `dpscan report` writes and the in-scope findings, and leaves nothing beside it", async () => {
    const dir = tmp();
    const formats = ["html", "md", "json", "csv"];
    const pack = join(dir, "pack");
    expect((await cli("evidence", "--no-config", "--no-pdf", "--out", pack)).code).toBe(0);
    const reports = join(dir, "reports");
    const made = await cli("report", "--no-config", "--format", formats.join(","), "--out", reports);
    expect(made.code).toBe(0);
    for (const name of readdirSync(reports)) {
      expect(readFileSync(join(pack, "reports", name), "utf8"), name).toBe(
        readFileSync(join(reports, name), "utf8"),
      );
    }
    expect(readdirSync(join(pack, "reports")).sort()).toEqual(readdirSync(reports).sort());
    // The reports were made in a scratch folder beside the pack; it is gone.
    expect(readdirSync(dir).sort()).toEqual(["pack", "reports"]);

    type Row = { ruleId: string; status: string; resourceId: string; accountId: string };
    const findingsOf = (p: string) => {
      const json = JSON.parse(readFileSync(join(p, "findings", "findings.json"), "utf8")) as Row[];
      const csv = readFileSync(join(p, "findings", "findings.csv"), "utf8")
        .trimEnd()
        .split("\r\n");
      // One read makes both files: the same results in the same order.
      expect(csv[0]).toBe(
        "ruleId,status,severity,resourceType,resourceId,arn,accountId,region,message,evidence",
      );
      expect(csv.length - 1).toBe(json.length);
      json.forEach((f, i) =>
        expect(csv[i + 1]?.startsWith(`${f.ruleId},${f.status},`), String(i)).toBe(true),
      );
      return json;
    };
    const all = findingsOf(pack);
    expect(new Set(all.map((f) => f.status))).toEqual(new Set(["FAIL", "PASS", "UNKNOWN"]));
    // A pack for one account keeps that account's results and those about the whole scan.
    const account = all.find((f) => f.accountId !== WHOLE_SCOPE_ID)?.accountId ?? "";
    const scoped = join(dir, "scoped.zip");
    const one = await cli("evidence", "--no-config", "--no-pdf", "--accounts", account, "--out", scoped);
    expect(one.code).toBe(0);
    const unzipped = join(dir, "scoped");
    expect((await cli("evidence", "verify", scoped)).code).toBe(0);
    for (const [name, bytes] of Object.entries(unzipSync(readFileSync(scoped)))) {
      const file = join(unzipped, ...name.split("/"));
      mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, bytes);
    }
    const mine = all.filter((f) => f.accountId === account || f.accountId === WHOLE_SCOPE_ID);
    expect(mine.length).toBeLessThan(all.length);
    expect(findingsOf(unzipped)).toEqual(mine);
    // A zip's JSON and CSV reports come from the spool file by file: the same bytes as the report's.
    const scopedReports = join(dir, "scoped-reports");
    const args = ["--format", formats.join(","), "--accounts", account, "--out", scopedReports];
    expect((await cli("report", "--no-config", ...args)).code).toBe(0);
    for (const name of readdirSync(scopedReports))
      expect(readFileSync(join(unzipped, "reports", name), "utf8"), name).toBe(
        readFileSync(join(scopedReports, name), "utf8"),
      );
  });

  it("a SIGTERM part way stops it between files: exit 130, no pack and no scratch folder left", async () => {
    ensureBuilt();
    const dir = tmp();
    const dist = (m: string): string => JSON.stringify(new URL(`../../dist/${m}`, import.meta.url).href);
    for (const out of [join(dir, "pack"), join(dir, "pack.zip")]) {
      // Sent once the reports are in the pack, as the findings are read: files are half written.
      const script = `
        const { Store } = await import(${dist("store/store.js")});
        const { main } = await import(${dist("cli/main.js")});
        const rows = Store.prototype.iterateFindingRows;
        Store.prototype.iterateFindingRows = function (...args) {
          process.kill(process.pid, "SIGTERM");
          return rows.apply(this, args);
        };
        process.exitCode = await main([process.execPath, "dpscan", "--db", ${JSON.stringify(scanned.db())},
          "evidence", "--no-config", "--no-pdf", "--out", ${JSON.stringify(out)}]);`;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      const r = await finished(child);
      expect(r.signal, out).toBeNull();
      expect(r.stderr, out).toContain("dpscan: evidence: received SIGTERM: stopped; no pack was left behind");
      expect(r.code, out).toBe(EXIT.interrupted);
      expect(readdirSync(dir), out).toEqual([]);
    }
  }, 120_000);

  it("names each changed, added and removed file and exits 4", async () => {
    const pack = join(tmp(), "pack");
    expect((await cli("evidence", "--no-config", "--no-pdf", "--out", pack)).code).toBe(0);
    appendFileSync(join(pack, "reports", "pci-dss-4.0.html"), "<!-- edited -->");
    writeFileSync(join(pack, "reports", "extra.html"), "x");
    rmSync(join(pack, "findings", "findings.csv"));
    const r = await cli("evidence", "verify", pack, "--format", "json");
    expect(r.code).toBe(EXIT.tampered);
    const doc = JSON.parse(r.stdout) as { changed: string[]; added: string[]; removed: string[] };
    expect(doc).toMatchObject({
      changed: ["reports/pci-dss-4.0.html"],
      added: ["reports/extra.html"],
      removed: ["findings/findings.csv"],
    });
  });

  it("refuses bad input before writing anything", async () => {
    const dir = tmp();
    const full = join(dir, "full");
    await cli("evidence", "--no-config", "--no-pdf", "--out", full);
    expect((await cli("evidence", "--no-config", "--no-pdf", "--out", full)).stderr).toMatch(/not empty/);
    expect((await cli("evidence", "--no-config", "--no-pdf")).stderr).toMatch(/--out .* is required/);
    writeFileSync(join(dir, "rsa.pem"), "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n");
    const badKey = await cli(
      "evidence",
      "--no-config",
      "--no-pdf",
      "--out",
      join(dir, "p"),
      "--sign",
      join(dir, "rsa.pem"),
    );
    expect(badKey.code).toBe(EXIT.badInput);
    expect(badKey.stderr).toMatch(/rsa.pem: not a PEM private key/);
    expect(existsSync(join(dir, "p"))).toBe(false);
    expect((await cli("evidence", "verify", dir)).stderr).toMatch(/no manifest.json/);
  });
});
