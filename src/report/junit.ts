// `dpscan gate --junit FILE`: JUnit XML, one test suite per rule and one test case per rule ×
// resource, so CI test views list every check. A result that blocks the gate is a <failure> (FAIL)
// or an <error> (UNKNOWN beyond --max-unknown); one the gate does not count — waived, below
// --fail-on, in the baseline, or within --max-unknown — is <skipped> with the reason; a PASS passes.
import type { FindingRow } from "../model/finding.js";
import { emptyTally, judged, type GateDecision, type GateItem, type GateTally } from "./gate.js";

// XML 1.0 allows tab, LF, CR and most of the BMP and astral planes; anything else is dropped.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;
const ENTITY: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

export function xml(s: string): string {
  return s.replace(NOT_XML, "").replace(/[&<>"']/g, (c) => ENTITY[c] ?? c);
}

interface Case {
  finding: FindingRow;
  outcome: "pass" | "failure" | "error" | "skipped";
  message: string;
}

function caseOf(i: GateItem, d: GateDecision): Case {
  const f = i.finding;
  const base = { finding: f };
  if (i.waiver)
    return {
      ...base,
      outcome: "skipped",
      message: `WAIVED until ${i.waiver.expires} by ${i.waiver.approver}: ${i.waiver.justification}`,
    };
  if (!i.gated)
    return { ...base, outcome: "skipped", message: `${f.status} below --fail-on ${d.criteria.failOn}` };
  if (!i.isNew)
    return {
      ...base,
      outcome: "skipped",
      message: `${f.status} in the baseline (${d.criteria.baseline?.label})`,
    };
  if (f.status === "FAIL") return { ...base, outcome: "failure", message: f.message };
  if (d.unknownsBlock) return { ...base, outcome: "error", message: `could not be verified: ${f.message}` };
  return { ...base, outcome: "skipped", message: `UNKNOWN within --max-unknown ${d.criteria.maxUnknown}` };
}

function testcase(c: Case): string {
  const f = c.finding;
  const name = `${f.accountId}/${f.region}/${f.resourceType}/${f.resourceId}`;
  const open = `    <testcase classname="dpscan.${xml(f.ruleId)}" name="${xml(name)}"`;
  if (c.outcome === "pass") return `${open}/>`;
  if (c.outcome === "skipped")
    return `${open}>\n      <skipped message="${xml(c.message)}"/>\n    </testcase>`;
  const detail = [
    `${f.status} ${f.severity} ${f.ruleId}`,
    f.arn ? `arn: ${f.arn}` : `resource: ${f.resourceType} ${f.resourceId}`,
    `account: ${f.accountId}, region: ${f.region}`,
    f.message,
  ].join("\n");
  return `${open}>\n      <${c.outcome} message="${xml(c.message)}" type="${xml(`${f.status} ${f.severity}`)}">${xml(detail)}</${c.outcome}>\n    </testcase>`;
}

/**
 * A suite's totals from the decision's counts (`t`) and its PASS results: every result is a case,
 * and a FAIL/UNKNOWN result that is neither a failure nor an error is skipped.
 */
function totals(t: GateTally, passes: number, d: GateDecision): string {
  const failures = t.failCounted;
  const errors = d.unknownsBlock ? t.unknownCounted : 0;
  return `tests="${t.fail + t.unknown + passes}" failures="${failures}" errors="${errors}" skipped="${t.fail + t.unknown - failures - errors}"`;
}

/**
 * The document, in chunks, a rule at a time: each suite's cases are read from the store as they are
 * written (a large scan has millions), its totals taken from the decision's counts and
 * `passes`, the scan's PASS results per rule.
 */
export function* gateJunit(d: GateDecision, passes: Map<string, number>): Generator<string> {
  const rules = [...new Set([...d.byRule.keys(), ...passes.keys()])].sort();
  const allPasses = [...passes.values()].reduce((a, b) => a + b, 0);
  yield `<?xml version="1.0" encoding="UTF-8"?>\n`;
  yield `<testsuites name="dpscan gate (scan ${d.scan.id})" ${totals(d.tally, allPasses, d)}>\n`;
  for (const rule of rules) {
    const p = passes.get(rule) ?? 0;
    yield `  <testsuite name="${xml(rule)}" ${totals(d.byRule.get(rule) ?? emptyTally(), p, d)} timestamp="${xml(d.scan.startedAt.slice(0, 19))}">\n`;
    for (const i of judged(d, { ruleId: rule })) yield `${testcase(caseOf(i, d))}\n`;
    for (const f of d.store.iterateFindingDocs(d.scan.id, { statuses: ["PASS"], ruleIds: [rule] }))
      yield `${testcase({ finding: f, outcome: "pass", message: "" })}\n`;
    yield `  </testsuite>\n`;
  }
  yield `</testsuites>\n`;
}
