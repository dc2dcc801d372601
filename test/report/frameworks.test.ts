// The shipped framework files and their loader: official IDs only, every mapping sourced, every
// problem reported at file:line:col, and a new framework is one new file.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildReport } from "../../src/report/build.js";
import {
  loadFrameworks,
  parseFramework,
  requirementsByRule,
  walkRequirements,
} from "../../src/report/frameworks.js";
import { InputError } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";
import { openStore, RULES, storeScan, TEST_FRAMEWORK, volume } from "./fixtures.js";

const tmp = useTmpDir();
const FRAMEWORKS = loadFrameworks(RULES);
const ids = (id: string): string[] =>
  [...walkRequirements(FRAMEWORKS.find((f) => f.id === id)?.requirements ?? [])].map((w) => w.requirement.id);

const range = (prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

/** PCI DSS v4.0.1 Requirements 3 and 4, every requirement (and heading) the standard has. */
const PCI_3_4 = [
  ...[
    "3",
    "3.1",
    "3.1.1",
    "3.1.2",
    "3.2",
    "3.2.1",
    "3.3",
    "3.3.1",
    "3.3.1.1",
    "3.3.1.2",
    "3.3.1.3",
    "3.3.2",
    "3.3.3",
  ],
  ...["3.4", "3.4.1", "3.4.2", "3.5", "3.5.1", "3.5.1.1", "3.5.1.2", "3.5.1.3", "3.6", "3.6.1"],
  ...range("3.6.1.", 1, 4),
  "3.7",
  ...range("3.7.", 1, 9),
  ...["4", "4.1", "4.1.1", "4.1.2", "4.2", "4.2.1", "4.2.1.1", "4.2.1.2", "4.2.2"],
];
const PCI_OTHERS = [
  ...[
    "7",
    "7.2",
    ...range("7.2.", 1, 6),
    "7.2.5.1",
    "8",
    "8.3",
    ...range("8.3.", 1, 11),
    "8.6",
    ...range("8.6.", 1, 3),
  ],
  ...["10", "10.3", ...range("10.3.", 1, 4), "12", "12.3", ...range("12.3.", 1, 4)],
];
const HIPAA = [
  ...[
    "164.308",
    "164.308(a)(1)",
    "164.308(a)(1)(i)",
    ...["A", "B", "C", "D"].map((x) => `164.308(a)(1)(ii)(${x})`),
  ],
  ...["164.308(a)(4)", ...["A", "B", "C"].map((x) => `164.308(a)(4)(ii)(${x})`)],
  ...["164.308(a)(5)", ...["A", "B", "C", "D"].map((x) => `164.308(a)(5)(ii)(${x})`)],
  ...["164.312", "164.312(a)(1)", ...["i", "ii", "iii", "iv"].map((x) => `164.312(a)(2)(${x})`)],
  ...["164.312(b)", "164.312(c)(1)", "164.312(c)(2)", "164.312(d)", "164.312(e)(1)"],
  ...["164.312(e)(2)(i)", "164.312(e)(2)(ii)"],
];
const GDPR = [
  ...["5", ..."abcdef".split("").map((x) => `5(1)(${x})`), "5(2)", "25", "25(1)", "25(2)", "25(3)"],
  ...["32", "32(1)", ..."abcd".split("").map((x) => `32(1)(${x})`), "32(2)", "32(3)", "32(4)"],
];
const SOC2 = [
  ...range("CC", 1, 9),
  ...[5, 3, 4, 2, 3, 8, 5, 1, 2].flatMap((n, i) => range(`CC${i + 1}.`, 1, n)),
  ...["A1", ...range("A1.", 1, 3), "C1", ...range("C1.", 1, 2), "PI1", ...range("PI1.", 1, 5)],
];

describe("shipped frameworks", () => {
  it("are the four of the issue, each with a published-schema comment", () => {
    expect(FRAMEWORKS.map((f) => f.id)).toEqual(["gdpr", "hipaa", "pci-dss-4.0", "soc2"]);
    for (const f of FRAMEWORKS)
      expect(readFileSync(f.file, "utf8")).toMatch(
        /^# yaml-language-server: \$schema=\.\.\/\.\.\/schemas\/framework\.schema\.json/,
      );
  });

  it("use only requirement IDs the standards have", () => {
    const official: Record<string, string[]> = {
      "pci-dss-4.0": [...PCI_3_4, ...PCI_OTHERS],
      hipaa: HIPAA,
      gdpr: GDPR,
      soc2: SOC2,
    };
    for (const f of FRAMEWORKS)
      for (const id of ids(f.id)) expect(official[f.id], `${f.id} ${id}`).toContain(id);
  });

  it("list PCI DSS Requirements 3 and 4 in full", () => {
    expect(ids("pci-dss-4.0").filter((id) => /^[34](\.|$)/.test(id))).toEqual(PCI_3_4);
  });

  it("cite sources and a rationale for every mapping, and evidence the key requirements", () => {
    for (const f of FRAMEWORKS) {
      for (const { requirement: r } of walkRequirements(f.requirements)) {
        if (r.rules.length === 0) continue;
        expect(r.sources.length, `${f.id} ${r.id}`).toBeGreaterThan(0);
        expect(r.rationale, `${f.id} ${r.id}`).toBeTruthy();
      }
    }
    const map = requirementsByRule(FRAMEWORKS);
    const evidences = (rule: string) => (map.get(rule) ?? []).map((m) => `${m.framework} ${m.requirement}`);
    expect(evidences("ebs-volume-unencrypted")).toEqual(
      expect.arrayContaining(["pci-dss-4.0 3.5.1", "hipaa 164.312(a)(2)(iv)", "gdpr 32(1)(a)", "soc2 CC6.1"]),
    );
    expect(evidences("kms-key-rotation-disabled")).toContain("pci-dss-4.0 3.7.4");
    expect(evidences("s3-bucket-secure-transport-missing")).toEqual(
      expect.arrayContaining(["pci-dss-4.0 4.2.1", "hipaa 164.312(e)(1)", "soc2 CC6.7"]),
    );
    // Every shipped rule but the cost-saving Bucket Key is evidence somewhere.
    expect(RULES.filter((r) => !map.has(r.id)).map((r) => r.id)).toEqual(["s3-bucket-key-disabled"]);
  });
});

describe("framework loader", () => {
  function errors(text: string, name = "test-fw.yaml"): string[] {
    const file = join(tmp(), name);
    writeFileSync(file, text);
    try {
      parseFramework(file, text, RULES);
    } catch (err) {
      if (err instanceof InputError) return err.lines.map((l) => l.replace(`${file}:`, ""));
      throw err;
    }
    return [];
  }

  it("accepts the test framework", () => {
    expect(errors(TEST_FRAMEWORK)).toEqual([]);
  });

  it("rejects an unknown rule ID, naming line and column, with a suggestion", () => {
    expect(
      errors(TEST_FRAMEWORK.replace("rules: [ebs-volume-unencrypted]", "rules: [ebs-volume-unencryptd]")),
    ).toEqual([
      '14:60: requirements[0].requirements[0].rules[0]: unknown rule "ebs-volume-unencryptd" (did you mean "ebs-volume-unencrypted"?)',
    ]);
  });

  it("rejects unknown keys, mixed rules and manual, unsourced mappings, duplicates and a wrong file name", () => {
    const broken = TEST_FRAMEWORK.replace("title: Test framework", "titel: Test framework")
      .replace('rationale: r }\n      - { id: "1.2"', 'rationale: r, manual: m }\n      - { id: "1.2"')
      .replace('sources: [s], rationale: r }\n      - { id: "1.3"', 'rationale: r }\n      - { id: "1.3"')
      .replace('{ id: "1.4"', '{ id: "1.1"')
      .replace("sources: [s], rationale: r }\n  - {", "sources: [x], rationale: r }\n  - {");
    const lines = errors(broken);
    expect(lines).toContain('2:1: titel: unknown field "titel" (did you mean "title"?)');
    // Structural errors come first and alone; fix them and the cross-checks follow.
    const lines2 = errors(broken.replace("titel:", "title:"), "other-name.yaml");
    expect(lines2).toEqual(
      [
        '1:5: id: framework id "test-fw" does not match the file name (expected test-fw.yaml)',
        'requirements[0].requirements[0]: requirement "1.1" has both rules and manual: it is one or the other',
        'requirements[0].requirements[1]: requirement "1.2" maps rules without sources: cite where the mapping comes from',
        'requirements[0].requirements[3].id: duplicate requirement id "1.1"',
        'requirements[0].requirements[4].sources[0]: unknown source "x" (did you mean "s"?)',
      ].map((l, i) => (i === 0 ? l : expect.stringContaining(l))),
    );
  });

  it("a new framework is one new file and no code", async () => {
    const dir = tmp();
    mkdirSync(join(dir, "fw"));
    writeFileSync(join(dir, "fw", "test-fw.yaml"), TEST_FRAMEWORK);
    const [fw] = loadFrameworks(RULES, join(dir, "fw"));
    const store = openStore(dir);
    const id = storeScan(store, [volume("vol-1", null)]);
    expect(buildReport(store, id, fw as NonNullable<typeof fw>).summary.requirements.failed).toBe(1);
    store.close();
    const r = await runCli([
      "--db",
      join(dir, "report.db"),
      "report",
      "--frameworks",
      join(dir, "fw"),
      "-o",
      join(dir, "out"),
      "-f",
      "md",
      "--no-config",
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(join(dir, "out", "test-fw.md"));
  });
});

describe("dpscan rules list / show and the frameworks", () => {
  it("list shows requirements per rule and the rules mapped to none", async () => {
    const r = await runCli(["rules", "list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/REQUIREMENTS/);
    expect(r.stdout).toContain("Mapped to no framework requirement (1): s3-bucket-key-disabled");
    const json = JSON.parse((await runCli(["rules", "list", "--format", "json"])).stdout) as {
      id: string;
      requirements: { framework: string; requirement: string }[];
    }[];
    expect(json.find((x) => x.id === "kms-key-rotation-disabled")?.requirements).toContainEqual({
      framework: "pci-dss-4.0",
      requirement: "3.7.4",
    });
  });

  it("with another rules directory, says which frameworks to pass instead of failing obscurely", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "ebs-volume-unencrypted.yaml"),
      readFileSync("rules/ebs-volume-unencrypted.yaml"),
    );
    const r = await runCli(["rules", "list", "--rules", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reports\/frameworks\/\S+\.yaml:\d+:\d+: .*unknown rule "/);
    expect(r.stderr).toContain(`not in ${dir}: pass --frameworks DIR`);
    mkdirSync(join(dir, "fw"));
    writeFileSync(
      join(dir, "fw", "mine.yaml"),
      TEST_FRAMEWORK.replace("id: test-fw", "id: mine").replace(/^( {6}- \{ id: "1\.[2-5]".*\n)/gm, ""),
    );
    const ok = await runCli(["rules", "list", "--rules", dir, "--frameworks", join(dir, "fw")]);
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toContain("Every rule evidences at least one framework requirement.");
  });

  it("show lists the requirements a rule evidences", async () => {
    const r = await runCli(["rules", "show", "kms-key-rotation-disabled"]);
    expect(r.stdout).toMatch(/^# evidences:$/m);
    expect(r.stdout).toMatch(/^# {3}pci-dss-4\.0 3\.7\.4: Key management policies/m);
    const none = await runCli(["rules", "show", "s3-bucket-key-disabled"]);
    expect(none.stdout).toContain("# evidences no framework requirement");
  });
});
