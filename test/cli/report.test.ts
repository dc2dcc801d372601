// `dpscan report` end to end: a real scan of a simulated organisation full of hostile strings,
// reports in every format, reproducible byte for byte, scope from flags and from the settings
// file, and one-line errors for bad input.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { useScannedTestWorld } from "../helpers/scan.js";
import { HOSTILE } from "../helpers/sim.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const FORMATS = ["html", "md", "json", "csv", "pdf"];
const scanned = useScannedTestWorld("dpscan-report-");

const report = (...args: string[]) => runCli(["--db", scanned.db(), "report", "--no-config", ...args]);

describe("dpscan report", () => {
  it("writes every framework in every format and prints where, with the statuses", async () => {
    const out = tmp();
    const r = await report("-f", FORMATS.join(","), "-o", out);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(4 * FORMATS.length);
    for (const fw of ["gdpr", "hipaa", "pci-dss-4.0", "soc2"])
      for (const f of FORMATS) expect(r.stdout).toContain(`${join(out, `${fw}.${f}`)}  (`);
    expect(lines[0]).toMatch(
      /\(GDPR \(security of processing\): \d+ failed, \d+ not verified, \d+ passed, \d+ not applicable, \d+ manual\)$/,
    );
    const html = readFileSync(join(out, "pci-dss-4.0.html"), "utf8");
    expect(html.match(/<script/g)).toHaveLength(1);
    const json = JSON.parse(readFileSync(join(out, "soc2.json"), "utf8")) as {
      scan: { id: number };
      findings: unknown[];
    };
    expect(json.findings.length).toBeGreaterThan(0);
    expect(readFileSync(join(out, "hipaa.pdf")).subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("scoped by the world's hostile tag, prints it escaped and bounded in HTML and Markdown", async () => {
    const out = tmp();
    const r = await report(
      "--framework",
      "pci-dss-4.0",
      "-f",
      "html,md,json",
      "-o",
      out,
      "--scope-tag",
      `${HOSTILE}=${HOSTILE}`,
    );
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, "pci-dss-4.0.json"), "utf8")) as ScopeOf;
    // The index-0 resources of every account carry that tag.
    expect(json.findings.length).toBeGreaterThan(0);
    const html = readFileSync(join(out, "pci-dss-4.0.html"), "utf8");
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;");
    // eslint-disable-next-line no-control-regex -- the point of the test
    expect(html).not.toMatch(/[\u0001\u0007\u001b\u202e\u2028]/);
    const md = readFileSync(join(out, "pci-dss-4.0.md"), "utf8");
    expect(md).not.toMatch(/<script/);
    expect(md).toContain("&lt;script&gt;alert\\(");
  });

  it("is reproducible: the same scan gives the same bytes, PDF included", async () => {
    const [a, b] = [tmp(), tmp()];
    for (const out of [a, b])
      expect((await report("--framework", "pci-dss-4.0", "-f", FORMATS.join(","), "-o", out)).code).toBe(0);
    for (const f of FORMATS)
      expect(
        readFileSync(join(a, `pci-dss-4.0.${f}`)).equals(readFileSync(join(b, `pci-dss-4.0.${f}`))),
        f,
      ).toBe(true);
  });

  it("scopes by flags, or by the settings file's reports section per framework", async () => {
    const out = tmp();
    const cfg = join(out, "dpscan.config.yaml");
    writeFileSync(
      cfg,
      `reports:\n  pci-dss-4.0:\n    accounts: ["222222222222"]\n    scopeTags: ["env=prod"]\n`,
    );
    expect(
      (await runCli(["--db", scanned.db(), "report", "--config", cfg, "-f", "json", "-o", out])).code,
    ).toBe(0);
    const pci = JSON.parse(readFileSync(join(out, "pci-dss-4.0.json"), "utf8")) as ScopeOf;
    expect(pci.scope).toMatchObject({ accounts: ["222222222222"], tags: [{ key: "env", value: "prod" }] });
    expect(new Set(pci.findings.map((f) => f.accountId))).toEqual(new Set(["222222222222"]));
    const gdpr = JSON.parse(readFileSync(join(out, "gdpr.json"), "utf8")) as ScopeOf;
    expect(gdpr.scope).toMatchObject({ accounts: null, tags: [] });
    // Flags win over the file.
    await runCli([
      "--db",
      scanned.db(),
      "report",
      "--config",
      cfg,
      "-f",
      "json",
      "-o",
      out,
      "--framework",
      "pci-dss-4.0",
      "--accounts",
      "333333333333",
    ]);
    const flagged = JSON.parse(readFileSync(join(out, "pci-dss-4.0.json"), "utf8")) as ScopeOf;
    expect(flagged.scope.accounts).toEqual(["333333333333"]);
    writeFileSync(cfg, `reports:\n  pci-dss:\n    regions: [us-east-1]\n`);
    const bad = await runCli(["--db", scanned.db(), "report", "--config", cfg, "-o", out]);
    expect(bad.code).toBe(EXIT.badInput);
    expect(bad.stderr).toBe(
      `dpscan: ${cfg}:2:3: reports.pci-dss: no framework "pci-dss" (did you mean "pci-dss-4.0"?)\n`,
    );
  });

  it("says in one line what is wrong with its input", async () => {
    const out = tmp();
    const one = async (args: string[], message: RegExp, env: Record<string, string> = {}) => {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        const r = await report(...args, "-o", out);
        expect(r.code).toBe(EXIT.badInput);
        expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(r.stderr).toMatch(message);
      } finally {
        process.env = saved;
      }
    };
    await one(
      ["--framework", "pci-dss-4"],
      /no framework "pci-dss-4" \(did you mean "pci-dss-4\.0"\?\); choose gdpr, hipaa, pci-dss-4\.0, soc2, all/,
    );
    await one(["--format", "docx"], /--format must be one of html, md, json, csv, pdf \(got "docx"\)/);
    await one(["--scope-tag", "pci"], /--scope-tag must look like KEY=VALUE \(got "pci"\)/);
    await one(["--accounts", "12"], /--accounts: "12" is not a 12-digit account ID/);
    await one(["--scan", "99"], /no scan with id 99/);
    await one(
      ["-f", "pdf"],
      /DPSCAN_CHROMIUM=\/nonexistent\/chromium: no such file \(PDF reports need Chromium\)/,
      {
        DPSCAN_CHROMIUM: "/nonexistent/chromium",
      },
    );
  });

  it("refuses an incomplete scan rather than report it as if it were whole", async () => {
    const dir = tmp();
    const file = join(dir, "partial.db");
    const s = new Store(file);
    const id = s.beginScan("scan", "test", {});
    s.finishScan(id, "interrupted", null);
    s.close();
    const r = await runCli(["--db", file, "report", "--no-config", "--scan", String(id), "-o", dir]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toMatch(/scan 1 is interrupted: reports are made from complete scans only/);
    const none = await runCli(["--db", file, "report", "--no-config", "-o", dir]);
    expect(none.stderr).toMatch(/no complete scan in .*partial\.db/);
  });
});

interface ScopeOf {
  scope: { accounts: string[] | null; tags: { key: string; value: string }[] };
  findings: { accountId: string }[];
}
