// A waived result in every output of a scan: the finding document (JSON against its schema, CSV,
// table), the compliance reports (WAIVED with the waiver, requirement statuses unchanged, the JSON
// against its schema, hostile waiver text escaped) and the evidence pack (the waivers in force).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import type { ReportModel } from "../../src/report/model.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const SNAPSHOT = "examples/config-snapshot.json";
const KEY = "1e4d2c8f-6b5a-4c8f-8d2e-3a4f5b6c7d82";
const RULE = "kms-key-rotation-disabled";
const HOSTILE = "<b>replaced</b> by the [DR key](https://evil.example) | Q1";

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const validFindings = ajv.compile(JSON.parse(readFileSync("schemas/findings.schema.json", "utf8")));
const validReport = ajv.compile(JSON.parse(readFileSync("schemas/report.schema.json", "utf8")));

/** A waivers file covering the key's rotation finding, valid for 30 days from today. */
function waiversFile(dir: string): string {
  const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const file = join(dir, "waivers.yaml");
  writeFileSync(
    file,
    [
      "waivers:",
      `  - rule: ${RULE}`,
      `    resource: "${KEY}"`,
      `    justification: ${JSON.stringify(HOSTILE)}`,
      "    approver: security@example.com",
      `    expires: ${expires}`,
      "",
    ].join("\n"),
  );
  return file;
}

interface FindingDoc {
  ruleId: string;
  resourceId: string;
  status: string;
  waived: boolean;
  waiver: { approver: string; justification: string; source: string } | null;
}

describe("a waived result in every output", () => {
  it("the finding document, the reports and the evidence pack show it WAIVED with its waiver", async () => {
    const dir = tmp();
    const db = join(dir, "w.db");
    const cli = (...args: string[]) => runCli(["--db", db, ...args]);
    expect((await cli("evaluate", "--input", SNAPSHOT, "--format", "csv")).code).toBe(EXIT.ok);
    // The reports without waivers first: the scan has no waivers recorded yet.
    const plain = join(dir, "plain");
    expect((await cli("report", "--framework", "pci-dss-4.0", "--format", "json", "--out", plain)).code).toBe(
      0,
    );
    const before = JSON.parse(readFileSync(join(plain, "pci-dss-4.0.json"), "utf8")) as ReportModel;
    expect(before.waivers).toEqual([]);

    // The finding document: status unchanged, waived, the waiver's fields; valid against its schema.
    const file = waiversFile(dir);
    const json = await cli("findings", "--waivers", file, "--format", "json");
    expect(json.code).toBe(EXIT.ok);
    const doc = JSON.parse(json.stdout) as { findings: FindingDoc[] };
    expect(validFindings(doc), ajv.errorsText(validFindings.errors)).toBe(true);
    const waived = doc.findings.filter((f) => f.waived);
    expect(waived.map((f) => [f.ruleId, f.resourceId, f.status])).toEqual([[RULE, KEY, "FAIL"]]);
    expect(waived[0]?.waiver).toMatchObject({
      approver: "security@example.com",
      justification: HOSTILE,
      source: `${file}:2:5`,
    });
    expect(doc.findings.filter((f) => !f.waived).every((f) => f.waiver === null)).toBe(true);

    // Without the file, the scan's record applies: the table and the CSV say WAIVED too.
    const table = await cli("findings", "--rule", RULE);
    expect(table.stdout.split("\n").find((l) => l.includes(RULE))).toMatch(/^FAIL WAIVED\s/);
    const csv = (await cli("findings", "--format", "csv")).stdout.trim().split("\r\n");
    const header = (csv[0] ?? "").split(",");
    const row = csv.find((l) => l.includes(RULE)) ?? "";
    expect(header.slice(-2)).toEqual(["waived", "waiver"]);
    expect(row).toContain(",true,");
    expect(row).toContain("security@example.com");

    // The reports: WAIVED with the waiver, statuses as without it, hostile text inert.
    const out = join(dir, "waived");
    const r = await cli("report", "--framework", "pci-dss-4.0", "--format", "json,html,md,csv", "--out", out);
    expect(r.code).toBe(EXIT.ok);
    const model = JSON.parse(readFileSync(join(out, "pci-dss-4.0.json"), "utf8")) as ReportModel;
    expect(validReport(model), ajv.errorsText(validReport.errors)).toBe(true);
    expect(model.summary.requirements).toEqual(before.summary.requirements);
    expect(model.summary.findings).toEqual(before.summary.findings);
    expect(model.summary.waivedFindings).toBe(1);
    expect(model.waivers).toEqual([
      expect.objectContaining({ rule: RULE, resource: KEY, state: "active", matched: 1 }),
    ]);
    const finding = model.findings.find((f) => f.ruleId === RULE && f.resourceId === KEY);
    expect(finding).toMatchObject({ status: "FAIL", waiver: 0 });
    expect(model.findings.filter((f) => f.waiver !== null)).toHaveLength(1);
    const html = readFileSync(join(out, "pci-dss-4.0.html"), "utf8");
    expect(html).toContain('<span class="badge waived">WAIVED</span>');
    expect(html).toContain('<section id="waivers">');
    expect(html).toContain("&lt;b&gt;replaced&lt;/b&gt;");
    expect(html).not.toContain("<b>replaced</b>");
    const md = readFileSync(join(out, "pci-dss-4.0.md"), "utf8");
    expect(md).toContain("FAIL WAIVED");
    expect(md).toContain("## Waivers");
    expect(md).toContain(
      "&lt;b&gt;replaced&lt;/b&gt; by the \\[DR key\\]\\(https\\://evil.example\\) \\| Q1",
    );
    expect(md).not.toContain("](https://evil");
    const reportCsv = readFileSync(join(out, "pci-dss-4.0.csv"), "utf8").split("\r\n");
    expect(reportCsv.some((l) => l.includes(RULE) && l.includes(",yes,"))).toBe(true);

    // The evidence pack: the waivers in force for the scan, listed in the manifest.
    const pack = join(dir, "pack");
    const e = await cli("evidence", "--no-pdf", "--framework", "pci-dss-4.0", "--out", pack);
    expect(e.code).toBe(EXIT.ok);
    const w = JSON.parse(readFileSync(join(pack, "waivers", "waivers.json"), "utf8")) as {
      origin: string;
      recordedAt: string | null;
      waivedResults: number;
      waivers: { rule: string; approver: string; justification: string; matched: number }[];
    };
    expect(w).toMatchObject({ origin: "recorded", waivedResults: 1 });
    expect(w.recordedAt).not.toBeNull();
    expect(w.waivers).toEqual([
      expect.objectContaining({
        rule: RULE,
        approver: "security@example.com",
        justification: HOSTILE,
        matched: 1,
      }),
    ]);
    const manifest = JSON.parse(readFileSync(join(pack, "manifest.json"), "utf8")) as {
      files: { path: string }[];
    };
    expect(manifest.files.map((f) => f.path)).toContain("waivers/waivers.json");
    const inPack = JSON.parse(readFileSync(join(pack, "reports", "pci-dss-4.0.json"), "utf8")) as ReportModel;
    expect(inPack.summary.waivedFindings).toBe(1);
    expect((await cli("evidence", "verify", pack)).code).toBe(EXIT.ok);
  });
});
