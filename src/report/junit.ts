// `dpscan gate --junit FILE`: JUnit XML, one test suite per rule and one test case per rule ×
// resource, so CI test views list every check. A result that blocks the gate is a <failure> (FAIL)
// or an <error> (UNKNOWN beyond --max-unknown); one the gate does not count — waived, below
// --fail-on, in the baseline, or within --max-unknown — is <skipped> with the reason; a PASS passes.
import type { FindingRow } from "../model/finding.js";
import type { FindingPlace } from "../store/store.js";
import {
  emptyTally,
  judged,
  type GateCriteria,
  type GateDecision,
  type GateItem,
  type GateTally,
} from "./gate.js";

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

// Most names and messages are plain: tab, newlines and printable ASCII but & < > " '.
const PLAIN = /^[\t\n\r\u0020\u0021\u0023-\u0025\u0028-\u003b\u003d\u003f-\u007e]*$/;

export function xml(s: string): string {
  if (PLAIN.test(s)) return s;
  return s.replace(NOT_XML, "").replace(/[&<>"']/g, (c) => ENTITY[c] ?? c);
}

/** A FAIL or UNKNOWN result's case. */
interface Case {
  finding: FindingRow;
  outcome: "failure" | "error" | "skipped";
  message: string;
}

/**
 * A FAIL/UNKNOWN result's case. Only a counted UNKNOWN's depends on the whole decision: an error
 * when the counted UNKNOWNs exceed --max-unknown (`unknownsBlock`), else skipped.
 */
function caseOf(i: GateItem, criteria: GateCriteria, unknownsBlock: boolean): Case {
  const f = i.finding;
  const base = { finding: f };
  if (i.waiver)
    return {
      ...base,
      outcome: "skipped",
      message: `WAIVED until ${i.waiver.expires} by ${i.waiver.approver}: ${i.waiver.justification}`,
    };
  if (!i.gated)
    return { ...base, outcome: "skipped", message: `${f.status} below --fail-on ${criteria.failOn}` };
  if (!i.isNew)
    return {
      ...base,
      outcome: "skipped",
      message: `${f.status} in the baseline (${criteria.baseline?.label})`,
    };
  if (f.status === "FAIL") return { ...base, outcome: "failure", message: f.message };
  if (unknownsBlock) return { ...base, outcome: "error", message: `could not be verified: ${f.message}` };
  return { ...base, outcome: "skipped", message: `UNKNOWN within --max-unknown ${criteria.maxUnknown}` };
}

/** What names a test case: its rule and resource (all a PASS case shows). */
function caseOpen(f: FindingPlace): string {
  const name = `${f.accountId}/${f.region}/${f.resourceType}/${f.resourceId}`;
  return `    <testcase classname="dpscan.${xml(f.ruleId)}" name="${xml(name)}"`;
}

function testcase(c: Case): string {
  const f = c.finding;
  const open = caseOpen(f);
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

/** Whether a result's case depends on `unknownsBlock` (see caseOf): a counted UNKNOWN. */
export const dependsOnBlock = (i: GateItem): boolean =>
  i.finding.status === "UNKNOWN" && i.gated && i.isNew && !i.waiver;

/** A case's text is tagged so: for every decision, or only when UNKNOWNs block or do not. */
export const CASE_TAG = { always: 0, ifUnknownsBlock: 1, unlessUnknownsBlock: 2 } as const;

/**
 * A FAIL/UNKNOWN result's case texts before the decision is known: one (tag always), or, for a
 * counted UNKNOWN, its text for each answer of unknownsBlock, unless `blocks` says already that
 * the UNKNOWNs block (more were counted than --max-unknown allows: later results cannot undo it).
 */
export function junitCaseTexts(
  i: GateItem,
  criteria: GateCriteria,
  blocks = false,
): [text: string, tag: number][] {
  if (!dependsOnBlock(i) || blocks) return [[`${testcase(caseOf(i, criteria, blocks))}\n`, CASE_TAG.always]];
  return [
    [`${testcase(caseOf(i, criteria, true))}\n`, CASE_TAG.ifUnknownsBlock],
    [`${testcase(caseOf(i, criteria, false))}\n`, CASE_TAG.unlessUnknownsBlock],
  ];
}

/** Whether a text of that tag is part of the document of a decision with this unknownsBlock. */
export const caseTagShown = (tag: number, unknownsBlock: boolean): boolean =>
  tag === CASE_TAG.always || (tag === CASE_TAG.ifUnknownsBlock) === unknownsBlock;

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
 * `passes`, the scan's PASS results per rule. `spooled`, when given, has each rule's FAIL/UNKNOWN
 * case texts, made while the decision read them (junitCaseTexts), instead of a second read.
 */
export function* gateJunit(
  d: GateDecision,
  passes: Map<string, number>,
  spooled?: (rule: string) => Iterable<string>,
): Generator<string> {
  const rules = [...new Set([...d.byRule.keys(), ...passes.keys()])].sort();
  const allPasses = [...passes.values()].reduce((a, b) => a + b, 0);
  yield `<?xml version="1.0" encoding="UTF-8"?>\n`;
  yield `<testsuites name="dpscan gate (scan ${d.scan.id})" ${totals(d.tally, allPasses, d)}>\n`;
  for (const rule of rules) {
    const p = passes.get(rule) ?? 0;
    yield `  <testsuite name="${xml(rule)}" ${totals(d.byRule.get(rule) ?? emptyTally(), p, d)} timestamp="${xml(d.scan.startedAt.slice(0, 19))}">\n`;
    if (spooled) yield* spooled(rule);
    else
      for (const i of judged(d, { ruleId: rule }))
        yield `${testcase(caseOf(i, d.criteria, d.unknownsBlock))}\n`;
    if (p > 0)
      for (const f of d.store.iterateFindingPlaces(d.scan.id, "PASS", rule)) yield `${caseOpen(f)}/>\n`;
    yield `  </testsuite>\n`;
  }
  yield `</testsuites>\n`;
}
