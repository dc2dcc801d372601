// Renderers on a scan full of hostile strings: HTML and Markdown escape and bound them, CSV
// cannot run formulas, JSON is the model and validates against its published schema, and the
// HTML of a large scan stays bounded.
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { unreadable } from "../../src/model/resource.js";
import { inMemory, materialize, prepareReport } from "../../src/report/build.js";
import { md } from "../../src/report/markdown.js";
import type { ReportDigest, ReportModel } from "../../src/report/model.js";
import { REQUIREMENT_ROWS, TABLE_ROWS } from "../../src/report/render-common.js";
import { renderReport } from "../../src/report/render.js";
import { reportSchema } from "../../src/report/report-schema.js";
import { WHOLE_SCAN } from "../../src/report/scope.js";
import { HOSTILE } from "../helpers/sim.js";
import { useTmpDir } from "../helpers/tmp.js";
import { deniedListing, openStore, OTHER, storeScan, testFramework, volume } from "./fixtures.js";

const tmp = useTmpDir();
const LINK =
  "[click](https://evil.example/x) ![img](https://evil.example/i.png) <b>bold</b> www.evil.example";
const FORMULA = '=HYPERLINK("https://evil.example","x")';
const ONERROR = '"><img src=x onerror="window.__pwned=1">';

function hostileModel(): ReportDigest {
  const dir = tmp();
  const store = openStore(dir);
  const id = storeScan(
    store,
    [
      volume(`vol-${HOSTILE}`, null, { tags: { [HOSTILE]: HOSTILE } }),
      volume(LINK, null),
      volume(FORMULA, null),
      volume(ONERROR, null, { resourceName: ONERROR }),
    ],
    [
      {
        ...deniedListing(OTHER, "us-east-1", "ec2", "DescribeVolumes", ["AWS::EC2::Volume"]),
        errorMessage: HOSTILE,
      },
    ],
  );
  const m = inMemory(prepareReport(store, id, testFramework(dir)));
  store.close();
  return m;
}

describe("HTML", () => {
  const html = renderReport(hostileModel(), "html");

  it("escapes every string from AWS: no tag, attribute or entity of theirs survives", () => {
    expect(html.match(/<script/g)).toHaveLength(1); // ours, at the end
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;");
    expect(html).not.toMatch(/<img|<b>bold/);
    expect(html).not.toMatch(/<[a-z][^>]*\sonerror=/i);
    expect(html).toContain("&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;");
  });

  it("drops control characters and bidirectional overrides, and isolates untrusted text", () => {
    // eslint-disable-next-line no-control-regex -- the point of the test
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202e\u2028]/);
    expect(html).toMatch(/<bdi>vol-&lt;script&gt;/);
  });

  it("is self-contained: a strict CSP, nothing loaded from anywhere", () => {
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-[^"]+; script-src &#39;sha256-/,
    );
    expect(html).not.toMatch(/\s(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<link|@import|url\(/);
  });
});

describe("Markdown", () => {
  it("escapes links, images, HTML, autolinks and table pipes from AWS", () => {
    const text = renderReport(hostileModel(), "md");
    expect(text).not.toMatch(/\]\(https/);
    expect(text).not.toMatch(/<b>|<img|<script/);
    expect(text).not.toMatch(/https:\/\/evil/); // the scheme's colon is escaped, so no autolink
    expect(text).not.toContain("www.evil");
    expect(md("a|b")).toBe("a\\|b");
    expect(md("[x](y)")).toBe("\\[x\\]\\(y\\)");
    expect(md("<i>&amp;")).toBe("&lt;i&gt;&amp;amp;");
  });
});

describe("CSV", () => {
  it("has one row per requirement, then one per finding with its requirement IDs, and no cell a spreadsheet would run", () => {
    const m = hostileModel();
    const text = renderReport(m, "csv");
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "framework,row,requirementIds,requirementTitle,requirementStatus,ruleId,status,severity,accountId,region,resourceType,resourceId,arn,message,scopeNote,previousStatus,new,waived,waiver",
    );
    const model = materialize(m);
    const requirements = lines.filter((l) => l.startsWith("test-fw,requirement,"));
    // Every requirement but the headings, manual ones included, in the framework's order.
    expect(requirements.map((l) => l.split(",")[2])).toEqual(
      model.requirements.filter((r) => r.kind !== "heading").map((r) => r.id),
    );
    expect(requirements).toContain("test-fw,requirement,2,Procedures are documented,manual,,,,,,,,,,,,,,");
    // Findings in the JSON's order, each naming every requirement that lists it.
    const findings = lines.filter((l) => l.startsWith("test-fw,finding,"));
    expect(findings).toHaveLength(model.findings.length);
    for (const [i, f] of model.findings.entries()) {
      const ids = model.requirements.filter((r) => r.findings.includes(i)).map((r) => r.id);
      expect(findings[i]?.split(",")[2], `finding ${i}`).toBe(ids.join(" "));
      expect(findings[i]?.split(",")[5], `finding ${i}`).toBe(f.ruleId);
    }
    const volumes = model.requirements.find((r) => r.id === "1.1");
    expect(findings.filter((l) => l.split(",")[2]?.split(" ").includes("1.1"))).toHaveLength(
      volumes?.findings.length ?? -1,
    );
    expect(text).toContain(`"'=HYPERLINK(""https://evil.example"",""x"")"`);
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
  });
});

describe("JSON", () => {
  const m = hostileModel();
  const text = renderReport(m, "json");

  it("is the model, byte for byte JSON.stringify's, and valid against the published schema", () => {
    expect(text).toBe(`${JSON.stringify(materialize(m), null, 2)}\n`);
    const published = JSON.parse(readFileSync("schemas/report.schema.json", "utf8")) as object;
    expect(published).toEqual(JSON.parse(JSON.stringify(reportSchema())));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(published);
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it("the schema rejects what the model would never contain", () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(reportSchema());
    const bad = JSON.parse(text) as { requirements: { status: string }[] };
    (bad.requirements[1] as { status: string }).status = "mostly-passed";
    expect(validate(bad)).toBe(false);
  });
});

describe("a large scan", () => {
  it("keeps the HTML bounded, says where the rest is, and keeps everything in CSV and JSON", () => {
    const dir = tmp();
    const store = openStore(dir);
    const n = TABLE_ROWS + 500;
    const records = Array.from({ length: n }, (_, i) =>
      volume(`vol-${String(i).padStart(6, "0")}`, null, {
        configurationItemCaptureTime: "2026-03-01T00:00:00.000Z",
        ...(i % 2
          ? { supplementaryConfiguration: { Tags: unreadable({ errorCode: "x", message: "y" }) } }
          : {}),
      }),
    );
    const id = storeScan(store, records);
    const m = inMemory(prepareReport(store, id, testFramework(dir), WHOLE_SCAN));
    store.close();
    const html = renderReport(m, "html");
    expect(html).toContain(`Showing ${TABLE_ROWS} of ${n} failing and unverified results`);
    expect(html).toContain(
      `Showing ${REQUIREMENT_ROWS} of ${n} failing and unverified results of this requirement`,
    );
    const tableRows = html.slice(html.indexOf('id="findings-table"')).match(/<tr data-status=/g) ?? [];
    expect(tableRows).toHaveLength(TABLE_ROWS);
    expect(html.length).toBeLessThan(3_000_000);
    expect(
      renderReport(m, "csv")
        .split("\r\n")
        .filter((l) => l.startsWith("test-fw,finding,1.1,")),
    ).toHaveLength(n);
    expect(
      (JSON.parse(renderReport(m, "json")) as ReportModel).findings.filter(
        (f) => f.ruleId === "ebs-volume-unencrypted",
      ),
    ).toHaveLength(n);
  });
});
