// Equivalence: every shipped framework plus the test framework, whole-scan and tag-scoped, with a
// previous complete scan (new and resolved results) and waivers (one active, one expired), rendered
// in every text format and compared byte for byte with outputs checked in under fixtures/golden/.
// The golden files were written by the report code before findings streamed in report order, so
// any change to how reports are built must reproduce them. Regenerate (only for an intended
// change of output) with DPSCAN_UPDATE_GOLDEN=1.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ResourceRecord } from "../../src/model/resource.js";
import type { WaiverSet } from "../../src/model/waiver.js";
import { prepareReport } from "../../src/report/build.js";
import { csvChunks } from "../../src/report/csv.js";
import { loadFrameworks } from "../../src/report/frameworks.js";
import { reportChunks, TEXT_FORMATS } from "../../src/report/render.js";
import { WHOLE_SCAN, type ReportScope } from "../../src/report/scope.js";
import { applyWaivers } from "../../src/report/waived.js";
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
  it("for every framework, scope and text format", () => {
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
        // CSV rows of a run listed by several requirements are kept and reused: with nothing
        // kept (every run read again) the bytes are the same.
        const csv = readFileSync(join(GOLDEN, `${fw.id}.${scopeName}.csv`), "utf8");
        expect([...csvChunks(model, 0)].join(""), `${fw.id} ${scopeName} csv, nothing kept`).toBe(csv);
      }
    store.close();
    expect(compared).toBe(frameworks.length * scopes.length * TEXT_FORMATS.length);
  });
});
