// Equivalence: every shipped framework plus the test framework, whole-scan and tag-scoped, with a
// previous complete scan (new and resolved results) and waivers (one active, one expired), rendered
// in every text format and compared byte for byte with outputs checked in under fixtures/golden/.
// The golden files were written by the report code before findings streamed in report order, so
// any change to how reports are built must reproduce them. Regenerate (only for an intended
// change of output) with DPSCAN_UPDATE_GOLDEN=1.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ResourceRecord } from "../../src/model/resource.js";
import type { WaiverSet } from "../../src/model/waiver.js";
import { prepareReport } from "../../src/report/build.js";
import { findingJson } from "../../src/report/json.js";
import type { ReportFinding } from "../../src/report/model.js";
import { loadFrameworks } from "../../src/report/frameworks.js";
import { reportChunks, TEXT_FORMATS } from "../../src/report/render.js";
import { WHOLE_SCAN, type ReportScope } from "../../src/report/scope.js";
import { applyWaivers } from "../../src/report/waived.js";
import { writeReports } from "../../src/report/write.js";
import { useTmpDir } from "../helpers/tmp.js";
import {
  CDE,
  deniedListing,
  example,
  openStore,
  OTHER,
  RULES,
  storeScan,
  testFramework,
  volume,
} from "./fixtures.js";

const tmp = useTmpDir();
const GOLDEN = new URL("./fixtures/golden/", import.meta.url).pathname;
const UPDATE = process.env.DPSCAN_UPDATE_GOLDEN === "1";
const cde = { tags: { pci: "cde" } };

function previousWorld(): ResourceRecord[] {
  return [
    volume("vol-fixed", null, cde),
    volume("vol-gone", null, cde),
    volume("vol-still", null, cde),
    example("kms-key-rotation-disabled", "FAIL", { resourceId: "key-old", ...cde }),
  ];
}

function currentWorld(): ResourceRecord[] {
  return [
    volume("vol-fixed", "key-1", cde),
    volume("vol-still", null, cde),
    volume("vol-new", null, cde),
    volume("vol-waived", null, { tags: { pci: "cde", env: "sandbox" } }),
    volume("vol-other", null, { awsAccountId: OTHER, awsRegion: "eu-west-1" }),
    volume("vol-untagged", null),
    example("kms-key-rotation-disabled", "FAIL", { resourceId: "key-old", ...cde }),
    example("kms-key-rotation-disabled", "PASS", { resourceId: "key-1" }),
    ...RULES.flatMap((r) =>
      r.examples
        .filter((e) => e.expect !== "NOT_APPLICABLE")
        .slice(0, 2)
        .map((e, i) => ({
          ...structuredClone(e.resource),
          awsAccountId: CDE,
          resourceId: `${r.id}-${i}`,
        })),
    ),
  ];
}

const WAIVERS: WaiverSet = {
  file: "waivers.yaml",
  sha256: "0".repeat(64),
  waivers: [
    {
      position: 0,
      source: "waivers.yaml:2:5",
      rule: "ebs-volume-unencrypted",
      tags: { env: "sandbox" },
      justification: "sandbox volume, deleted with the sandbox",
      approver: "security@example.com",
      expires: "2026-06-30",
    },
    {
      position: 1,
      source: "waivers.yaml:7:5",
      rule: "kms-*",
      resource: "key-old",
      justification: "expired acceptance",
      approver: "security@example.com",
      expires: "2026-01-31",
    },
  ],
};

describe("reports match the golden outputs", () => {
  it("for every framework, scope and text format, one at a time and all written together", async () => {
    const dir = tmp();
    const store = openStore(dir);
    storeScan(store, previousWorld());
    const id = storeScan(store, currentWorld(), [
      deniedListing(OTHER, "us-east-1", "ec2", "DescribeVolumes", ["AWS::EC2::Volume"]),
    ]);
    // The store stamps finishing with the clock: fixed here so the outputs are reproducible.
    store.db.prepare("UPDATE scans SET finished_at = ?").run("2026-03-01T10:05:00.000Z");
    const waived = {
      origin: "file" as const,
      ...applyWaivers(store, id, WAIVERS, new Date("2026-03-01T12:00:00Z")),
    };
    const frameworks = [...loadFrameworks(RULES), testFramework(dir)];
    const scopes: [string, ReportScope][] = [
      ["whole", WHOLE_SCAN],
      ["pci", { accounts: null, regions: null, tags: [{ key: "pci", value: "cde" }] }],
    ];
    mkdirSync(GOLDEN, { recursive: true });
    let compared = 0;
    for (const fw of frameworks)
      for (const [scopeName, scope] of scopes) {
        const model = prepareReport(store, id, fw, scope, waived);
        for (const format of TEXT_FORMATS) {
          const text = [...reportChunks(model, format)].join("");
          const file = join(GOLDEN, `${fw.id}.${scopeName}.${format}`);
          if (UPDATE) writeFileSync(file, text);
          expect(existsSync(file), `${file} is missing: run with DPSCAN_UPDATE_GOLDEN=1`).toBe(true);
          expect(text, file).toBe(readFileSync(file, "utf8"));
          compared++;
        }
      }
    // writeReports reads the findings once for all frameworks sharing a scope and streams their
    // JSON and CSV files together: the same bytes, whether the scopes are all one or differ.
    const scan = store.getScan(id);
    if (!scan) throw new Error("no scan");
    const mixed = (fwId: string): string =>
      frameworks.findIndex((f) => f.id === fwId) % 2 ? "pci" : "whole";
    const scopeByName = new Map(scopes);
    const picks = [() => "whole", () => "pci", mixed];
    for (const pick of picks) {
      const out = join(dir, `out-${pick("gdpr")}-${pick("hipaa")}`);
      const written = await writeReports({
        store,
        scan,
        frameworks,
        formats: TEXT_FORMATS,
        dir: out,
        scopeFor: (fwId) => scopeByName.get(pick(fwId)) ?? WHOLE_SCAN,
        waived,
      });
      expect(written.map((w) => w.path)).toEqual(
        frameworks.flatMap((fw) => TEXT_FORMATS.map((f) => join(out, `${fw.id}.${f}`))),
      );
      // Nothing else is left there: no temporary file, no spool of the findings.
      expect(readdirSync(out).sort()).toEqual(written.map((w) => basename(w.path)).sort());
      for (const fw of frameworks)
        for (const format of TEXT_FORMATS) {
          const golden = join(GOLDEN, `${fw.id}.${pick(fw.id)}.${format}`);
          expect(readFileSync(join(out, `${fw.id}.${format}`), "utf8"), `written: ${golden}`).toBe(
            readFileSync(golden, "utf8"),
          );
          compared++;
        }
    }
    store.close();
    expect(compared).toBe((scopes.length + picks.length) * frameworks.length * TEXT_FORMATS.length);
  });

  it("a finding's JSON is JSON.stringify's, indented, whatever its text", () => {
    const odd = 'quote " backslash \\ tab \t newline \n é \u2028 \ud800 </script>';
    const f: ReportFinding = {
      identity: odd,
      ruleId: "r",
      status: "FAIL",
      severity: "high",
      resourceType: "AWS::EC2::Volume",
      resourceId: odd,
      arn: null,
      accountId: "111111111111",
      region: "us-east-1",
      message: odd,
      scopeNote: "account-wide",
      previousStatus: "UNKNOWN",
      isNew: true,
      waiver: 3,
    };
    for (const g of [
      f,
      { ...f, arn: odd, scopeNote: null, previousStatus: null, isNew: false, waiver: null },
    ])
      expect(findingJson(g)).toBe(`    ${JSON.stringify(g, null, 2).replace(/\n/g, "\n    ")}`);
  });
});
