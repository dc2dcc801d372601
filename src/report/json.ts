// The JSON report: the model (schemas/report.schema.json), written in pieces from the digest, so a
// scan of a million findings is never held, nor one string of its size. The bytes are exactly those
// of JSON.stringify(model, null, 2) plus a final newline, model being materialize(digest).
import { positions, requirementModel } from "./build.js";
import type { DigestRequirement, ReportDigest, ReportFinding, ReportModel } from "./model.js";

const indent = (text: string, spaces: number): string => text.replace(/\n/g, `\n${" ".repeat(spaces)}`);

type Key = Exclude<keyof ReportModel, "findings">;
/** The model's keys in their order, before and after the findings; each value is written whole but theirs and the requirements'. */
const BEFORE: readonly Key[] = [
  "$schema",
  "formatVersion",
  "dpscanVersion",
  "framework",
  "scan",
  "previousScan",
  "scope",
  "summary",
  "rules",
  "requirements",
];
const AFTER: readonly Key[] = ["resolved", "gaps", "waivers"];

/**
 * Array elements as JSON.stringify(array, null, 2) nests them under a top-level key, batched;
 * `text` gives an element already indented.
 */
function* elements<T>(items: Iterable<T>, count: number, text: (item: T) => string): Generator<string> {
  let batch = "";
  let j = 0;
  for (const item of items) {
    batch += `${text(item)}${j < count - 1 ? "," : ""}\n`;
    if (++j % 1000 === 0) {
      yield batch;
      batch = "";
    }
  }
  if (batch) yield batch;
}

export function* jsonChunks(m: ReportDigest): Generator<string> {
  yield* jsonHead(m);
  yield* elements(m.findings(), m.findingCount, findingJson);
  yield* jsonTail(m);
}

/** Everything before the findings' elements: the keys up to theirs, and their opening. */
export function* jsonHead(m: ReportDigest): Generator<string> {
  yield "{\n";
  for (const key of BEFORE) yield* keyJson(m, key);
  yield m.findingCount === 0 ? `  "findings": [],\n` : `  "findings": [\n`;
}

/** Everything after the findings' elements. */
export function* jsonTail(m: ReportDigest): Generator<string> {
  if (m.findingCount > 0) yield "  ],\n";
  for (const key of AFTER) yield* keyJson(m, key);
  yield "}\n";
}

function* keyJson(m: ReportDigest, key: Key): Generator<string> {
  const comma = key === AFTER.at(-1) ? "" : ",";
  if (key === "requirements" && m.requirements.length > 0) {
    yield `  "requirements": [\n`;
    for (const [j, r] of m.requirements.entries())
      yield* requirementJson(r, j < m.requirements.length - 1 ? "," : "");
    yield `  ]${comma}\n`;
    return;
  }
  const value: unknown = key === "requirements" ? [] : m[key];
  if (!Array.isArray(value) || value.length === 0) {
    yield `  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), 2)}${comma}\n`;
    return;
  }
  yield `  ${JSON.stringify(key)}: [\n`;
  yield* elements(value as unknown[], value.length, (x) => `    ${indent(JSON.stringify(x, null, 2), 4)}`);
  yield `  ]${comma}\n`;
}

const str = (s: string): string => JSON.stringify(s);
const strOrNull = (s: string | null): string => (s === null ? "null" : JSON.stringify(s));

/**
 * A finding as an element of the findings array: the text of JSON.stringify(f, null, 2) indented
 * by 4, built field by field (a million findings made the generic path and its re-indenting a
 * large share of a report's time). The keys are ReportFinding's, in reportFinding's order.
 */
export function findingJson(f: ReportFinding): string {
  return `    {
      "identity": ${str(f.identity)},
      "ruleId": ${str(f.ruleId)},
      "status": ${str(f.status)},
      "severity": ${str(f.severity)},
      "resourceType": ${str(f.resourceType)},
      "resourceId": ${str(f.resourceId)},
      "arn": ${strOrNull(f.arn)},
      "accountId": ${str(f.accountId)},
      "region": ${str(f.region)},
      "message": ${str(f.message)},
      "scopeNote": ${strOrNull(f.scopeNote)},
      "previousStatus": ${strOrNull(f.previousStatus)},
      "isNew": ${f.isNew ? "true" : "false"},
      "waiver": ${f.waiver === null ? "null" : String(f.waiver)}
    }`;
}

/** One requirement as an array element, its finding positions written from their ranges. */
function* requirementJson(r: DigestRequirement, comma: string): Generator<string> {
  const whole = JSON.stringify(requirementModel(r, []), null, 2);
  const marker = '\n  "findings": [],\n';
  const at = whole.indexOf(marker);
  const total = r.ranges.reduce((n, [a, b]) => n + b - a, 0);
  if (total === 0 || at < 0) {
    yield `    ${indent(whole, 4)}${comma}\n`;
    return;
  }
  yield `    ${indent(whole.slice(0, at), 4)}\n      "findings": [\n`;
  let batch = "";
  let n = 0;
  for (const p of positions(r.ranges)) {
    batch += `        ${p}${++n < total ? "," : ""}\n`;
    if (n % 4096 === 0) {
      yield batch;
      batch = "";
    }
  }
  yield `${batch}      ],\n    ${indent(whole.slice(at + marker.length), 4)}${comma}\n`;
}

export function renderJson(model: ReportDigest): string {
  return [...jsonChunks(model)].join("");
}
