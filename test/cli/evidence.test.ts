// `dpscan evidence` end to end: a real scan of a simulated organisation, a signed pack in a
// folder and in a zip, verified; then a changed byte, an added and a removed file, each named.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { runWithSimEnv, withSim } from "../helpers/scan.js";
import { AUDIT_ROLE, testWorld } from "../helpers/sim.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
let db: string;
let dbDir: string;

beforeAll(async () => {
  dbDir = mkdtempSync(join(tmpdir(), "dpscan-evidence-"));
  db = join(dbDir, "org.db");
  await withSim(testWorld(), async (sim) => {
    const r = await runWithSimEnv(sim, [
      "--db",
      db,
      "scan",
      "--org",
      "--role-name",
      AUDIT_ROLE,
      "--regions",
      "us-east-1",
      "--quiet",
      "--no-config",
      "--endpoint-url",
      sim.endpoint,
    ]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
  });
});

afterAll(() => rmSync(dbDir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(["--db", db, ...args]);

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
