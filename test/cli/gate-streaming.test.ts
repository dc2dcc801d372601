// The gate on a scan with many open results: the decision holds counts and the first results only;
// SARIF, JUnit and JSON list every result, read from the store while they are written; the text,
// Markdown and annotations show the first ones and say how many more there are.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Status } from "../../src/model/severity.js";
import { decideGate, GATE_SAMPLE } from "../../src/report/gate.js";
import { gateJson } from "../../src/report/gate-summary.js";
import { GateSpool } from "../../src/report/gate-spool.js";
import { gateJunit } from "../../src/report/junit.js";
import { ruleInfos } from "../../src/report/rule-info.js";
import { gateSarif, sarifRuleIndex } from "../../src/report/sarif.js";
import { NO_WAIVERS } from "../../src/report/waived.js";
import { Store } from "../../src/store/store.js";
import { ensureLifecycle } from "../../src/store/lifecycle.js";
import { runCli } from "../helpers/cli.js";
import { countPulledRows } from "../helpers/pulled.js";
import { volumeRecord } from "../helpers/records.js";
import { useSharedDatabase } from "../helpers/tmp.js";

// Per rule: FAIL, UNKNOWN and PASS results. "b-rule" is medium, below --fail-on high.
const SHAPE: [rule: string, severity: "high" | "medium", fail: number, unknown: number, pass: number][] = [
  ["a-rule", "high", 1500, 700, 300],
  ["b-rule", "medium", 400, 0, 900],
  ["c-rule", "high", 0, 0, 50],
];
const FAILS = 1900;
const UNKNOWNS = 700;
const PASSES = 1250;

function database(dir: string): string {
  const path = join(dir, "gate-big.db");
  const s = new Store(path);
  const id = s.beginScan("evaluate", "big");
  s.recordRules(
    id,
    SHAPE.map(([rule, severity]) => ({
      id: rule,
      title: `${rule} title`,
      severity,
      sha256: "x",
      remediation: "r",
      references: {},
    })),
  );
  s.insertFindings(
    id,
    (function* () {
      for (const [rule, severity, ...counts] of SHAPE)
        for (const [k, status] of (["FAIL", "UNKNOWN", "PASS"] as Status[]).entries())
          for (let i = 0; i < (counts[k] ?? 0); i++)
            yield {
              ruleId: rule,
              status,
              severity,
              resource: volumeRecord(`vol-${rule}-${status}-${i}`),
              message: `${rule} ${status} ${i}`,
              evidence: {},
            };
    })(),
  );
  s.finishScan(id, "complete", {});
  ensureLifecycle(s);
  s.close();
  return path;
}

describe("dpscan gate with many open results", () => {
  const { db, dir } = useSharedDatabase(database);
  const gate = (...args: string[]) => runCli(["--db", db(), "gate", "--no-config", "--scan", "1", ...args]);
  afterEach(() => vi.restoreAllMocks());

  it("SARIF, JUnit and JSON are written while the results are read, and list every one", () => {
    const store = new Store(db());
    try {
      const scan = store.getScan(1);
      if (!scan) throw new Error("no scan");
      const criteria = { failOn: "high" as const, maxUnknown: 10, requireFullCoverage: false };
      const d = decideGate(store, scan, criteria, NO_WAIVERS, new Date());
      // The decision holds counts and a sample, never the results.
      expect(d.tally).toMatchObject({
        fail: FAILS,
        unknown: UNKNOWNS,
        failCounted: 1500,
        unknownCounted: 700,
      });
      expect(d.blockingTotal).toBe(2200);
      expect(d.blockingSample).toHaveLength(GATE_SAMPLE);
      expect(d.blockingSample.every((i) => i.finding.status === "FAIL")).toBe(true);

      const outputs = {
        sarif: () => gateSarif(d, ruleInfos(store, scan.id, [])),
        junit: () => gateJunit(d, store.findingCountsByRule(scan.id, "PASS")),
        json: () => gateJson(d),
      };
      const text: Record<string, string> = {};
      for (const [name, output] of Object.entries(outputs)) {
        const seen = countPulledRows({ pulled: 0 });
        const pulledAtChunks: number[] = [];
        const chunks: string[] = [];
        for (const chunk of output()) {
          chunks.push(chunk);
          pulledAtChunks.push(seen.pulled);
        }
        text[name] = chunks.join("");
        // Written as read: chunks came out while most rows were still in the database.
        const total = seen.pulled;
        expect(total, name).toBeGreaterThan(2000);
        expect(
          pulledAtChunks.some((n) => n > 0 && n < total / 4),
          name,
        ).toBe(true);
        vi.restoreAllMocks();
      }

      const sarif = JSON.parse(text.sarif ?? "") as {
        runs: { results: { ruleId: string; properties: { blocking: boolean } }[] }[];
      };
      const results = sarif.runs[0]?.results ?? [];
      expect(results).toHaveLength(FAILS + UNKNOWNS);
      expect(results.filter((r) => r.properties.blocking)).toHaveLength(2200);

      const xml = text.junit ?? "";
      expect(xml.match(/<testcase /g)).toHaveLength(FAILS + UNKNOWNS + PASSES);
      expect(xml).toContain(
        `<testsuites name="dpscan gate (scan 1)" tests="${FAILS + UNKNOWNS + PASSES}" failures="1500" errors="700" skipped="400">`,
      );
      // Each suite's totals are its own cases, counted in the document.
      for (const [rule, , fail, unknown, pass] of SHAPE) {
        const suite = new RegExp(`<testsuite name="${rule}" ([^>]*)>([\\s\\S]*?)</testsuite>`).exec(xml);
        expect(suite, rule).not.toBeNull();
        const [, attrs = "", body = ""] = suite ?? [];
        const n = (re: RegExp): number => body.match(re)?.length ?? 0;
        expect(attrs).toContain(
          `tests="${fail + unknown + pass}" failures="${n(/<failure /g)}" errors="${n(/<error /g)}" skipped="${n(/<skipped /g)}"`,
        );
        expect(n(/<testcase /g)).toBe(fail + unknown + pass);
      }

      const json = JSON.parse(text.json ?? "") as { blocking: { status: string }[]; counts: object };
      expect(json.blocking).toHaveLength(2200);
      expect(json.blocking.filter((b) => b.status === "UNKNOWN")).toHaveLength(700);
      expect(json.counts).toMatchObject({ blockingFail: 1500, blockingUnknown: 700, belowThreshold: 400 });
    } finally {
      store.close();
    }
  });

  it.each([10, 1000])(
    "SARIF and JUnit spooled while the decision reads are the files read again (--max-unknown %i)",
    (maxUnknown) => {
      const store = new Store(db());
      const spool = new GateSpool({
        sarif: {
          file: join(dir(), `s${maxUnknown}.sarif`),
          ruleIndex: sarifRuleIndex(ruleInfos(store, 1, [])),
        },
        junit: join(dir(), `s${maxUnknown}.xml`),
      });
      try {
        const scan = store.getScan(1);
        if (!scan) throw new Error("no scan");
        const criteria = { failOn: "high" as const, maxUnknown, requireFullCoverage: false };
        const d = decideGate(store, scan, criteria, NO_WAIVERS, new Date(), (i) => spool.add(i, criteria));
        // 700 counted UNKNOWNs: they block beyond 10, not within 1000.
        expect(d.unknownsBlock).toBe(maxUnknown < 700);
        const infos = ruleInfos(store, scan.id, []);
        const passes = store.findingCountsByRule(scan.id, "PASS");
        const read = { pulled: 0 };
        countPulledRows(read);
        const spooled = {
          sarif: [...gateSarif(d, infos, spool.sarifResults())].join(""),
          junit: [...gateJunit(d, passes, (rule) => spool.junitCases(rule, d.unknownsBlock))].join(""),
        };
        // Nothing read again from the store for either.
        expect(read.pulled).toBe(0);
        vi.restoreAllMocks();
        expect(spooled.sarif).toBe([...gateSarif(d, infos)].join(""));
        expect(spooled.junit).toBe([...gateJunit(d, passes)].join(""));
        expect(spooled.junit.match(d.unknownsBlock ? /<error /g : /within --max-unknown/g)).toHaveLength(700);
      } finally {
        spool.remove();
        store.close();
      }
    },
  );

  it("the gate leaves no spool or partial file beside its outputs", async () => {
    const out = join(dir(), "outputs");
    mkdirSync(out);
    const r = await gate("--sarif", join(out, "g.sarif"), "--junit", join(out, "g.xml"));
    expect(r.code).toBe(1);
    expect(readdirSync(out).sort()).toEqual(["g.sarif", "g.xml"]);
    const sarif = JSON.parse(readFileSync(join(out, "g.sarif"), "utf8")) as {
      runs: { results: unknown[] }[];
    };
    expect(sarif.runs[0]?.results).toHaveLength(FAILS + UNKNOWNS);
    expect(readFileSync(join(out, "g.xml"), "utf8").match(/<testcase /g)).toHaveLength(
      FAILS + UNKNOWNS + PASSES,
    );
  });

  it("the text, the Markdown summary and the annotations show the first results and count the rest", async () => {
    const summary = join(dir(), "summary.md");
    const saved = process.env.GITHUB_ACTIONS;
    process.env.GITHUB_ACTIONS = "true";
    try {
      const r = await gate("--max-unknown", "1000", "--summary", summary);
      expect(r.code).toBe(1);
      const rows = r.stdout.split("\n").filter((l) => /^FAIL {2,}high/.test(l));
      expect(rows).toHaveLength(GATE_SAMPLE);
      expect(r.stdout).toContain(`… and ${1500 - GATE_SAMPLE} more blocking results`);
      const annotations = r.stdout.split("\n").filter((l) => l.startsWith("::"));
      expect(annotations).toHaveLength(50);
      expect(annotations.at(-1)).toBe("::notice title=dpscan::1451 more; see the gate summary or SARIF");
      const md = readFileSync(summary, "utf8");
      expect(md).toContain("### Blocking (1500)");
      expect(md).toContain("… and 1450 more.");
      // New: the FAILs first seen now (the lifecycle opens a finding when it FAILs).
      expect(md).toContain(`### New in this scan (${FAILS})`);
      expect(md).toContain(`… and ${FAILS - 50} more.`);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_ACTIONS;
      else process.env.GITHUB_ACTIONS = saved;
    }
  });
});
