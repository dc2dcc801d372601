// The JSON report: the model (schemas/report.schema.json), written in pieces from the digest, so a
// scan of a million findings is never held, nor one string of its size. The bytes are exactly those
// of JSON.stringify(model, null, 2) plus a final newline, model being materialize(digest).
import { positions, requirementModel } from "./build.js";
import type { DigestRequirement, ReportDigest, ReportFinding, ReportModel } from "./model.js";

const indent = (text: string, spaces: number): string => text.replace(/\n/g, `\n${" ".repeat(spaces)}`);

/** The model's keys in their order; each key's value is written whole, but for the three below. */
const KEYS: readonly (keyof ReportModel)[] = [
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
  "findings",
  "resolved",
  "gaps",
  "waivers",
];

/** Array elements as JSON.stringify(array, null, 2) nests them under a top-level key, batched. */
function* elements<T>(items: Iterable<T>, count: number, text: (item: T) => string): Generator<string> {
  let batch = "";
  let j = 0;
  for (const item of items) {
    batch += `    ${indent(text(item), 4)}${j < count - 1 ? "," : ""}\n`;
    if (++j % 1000 === 0) {
      yield batch;
      batch = "";
    }
  }
  if (batch) yield batch;
}

export function* jsonChunks(m: ReportDigest): Generator<string> {
  yield "{\n";
  for (const [i, key] of KEYS.entries()) {
    const comma = i < KEYS.length - 1 ? "," : "";
    const count = key === "findings" ? m.findingCount : key === "requirements" ? m.requirements.length : -1;
    const value: unknown = key === "findings" || key === "requirements" ? null : m[key];
    if (count === 0 || (count < 0 && (!Array.isArray(value) || value.length === 0))) {
      yield `  ${JSON.stringify(key)}: ${indent(JSON.stringify(count === 0 ? [] : value, null, 2), 2)}${comma}\n`;
      continue;
    }
    yield `  ${JSON.stringify(key)}: [\n`;
    if (key === "requirements") {
      for (const [j, r] of m.requirements.entries())
        yield* requirementJson(r, j < m.requirements.length - 1 ? "," : "");
    } else if (key === "findings") {
      yield* elements<ReportFinding>(m.findings(), count, (f) => JSON.stringify(f, null, 2));
    } else {
      const list = value as unknown[];
      yield* elements(list, list.length, (x) => JSON.stringify(x, null, 2));
    }
    yield `  ]${comma}\n`;
  }
  yield "}\n";
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
