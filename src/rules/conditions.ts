// The condition language: combinators (all/any/not), comparisons on paths, and typed predicates.
// Evaluation is three-valued: a comparison on an unreadable fact is "unknown", and unknown
// propagates (Kleene logic) so a rule can never PASS on data that could not be read.
import type { JsonObject } from "../model/resource.js";
import type { PathSegment } from "../util/yaml-source.js";
import { compilePath, PathError, resolvePath, type CompiledPath } from "./paths.js";
import type { Severity } from "../model/severity.js";

export type Tri = "true" | "false" | "unknown";

export interface Outcome {
  value: Tri;
  /** Why the result is unknown (one line per unreadable or unparseable fact). */
  unknownReasons: string[];
  /** Sentences from predicates that explain a true result, for messages. */
  details: string[];
  evidence: JsonObject;
  /** A predicate may raise the finding's severity (e.g. a public, unconditioned key grant). */
  severity?: Severity;
}

export interface EvalContext {
  record: unknown;
  params: Record<string, unknown>;
  now: Date;
}

/** A predicate compiled from its arguments; evaluation never throws for bad data. */
export type CompiledPredicate = (ctx: EvalContext) => Outcome;

export interface PredicateDef {
  name: string;
  description: string;
  /** JSON Schema of the arguments (published for editors, enforced at load time). */
  argsSchema: JsonObject;
  compile(args: Record<string, unknown>): CompiledPredicate;
}

export const OPERATORS = {
  eq: "equal to the value (deep equality; null matches a missing value)",
  ne: "not equal to the value",
  in: "one of the listed values",
  notIn: "none of the listed values",
  exists: "true: the path has a non-null value; false: it is missing or null",
  gt: "a number greater than the value",
  gte: "a number greater than or equal to the value",
  lt: "a number less than the value",
  lte: "a number less than or equal to the value",
  regex: "a string matching the regular expression",
  contains: "a string containing the value, or an array containing an element equal to it",
  startsWith: "a string starting with the value",
  endsWith: "a string ending with the value",
  olderThanDays: "a timestamp more than N days before evaluation time",
  newerThanDays: "a timestamp at most N days before evaluation time",
  isEmpty: "true: missing, null, '', [] or {}; false: anything else",
} as const;
export type Operator = keyof typeof OPERATORS;
const OPERATOR_NAMES = Object.keys(OPERATORS) as Operator[];

export type ValueRef = { literal: unknown } | { param: string };

export type Condition =
  | { kind: "all" | "any"; items: Condition[] }
  | { kind: "not"; item: Condition }
  | { kind: "compare"; path: CompiledPath; op: Operator; value: ValueRef; regex?: RegExp }
  | { kind: "predicate"; name: string; run: CompiledPredicate };

export interface ConditionIssue {
  path: PathSegment[];
  key?: string;
  message: string;
}

/** Validate and compile a condition tree; every problem is reported with its location. */
export function compileCondition(
  raw: unknown,
  at: PathSegment[],
  predicates: ReadonlyMap<string, PredicateDef>,
  paramNames: ReadonlySet<string>,
  issues: ConditionIssue[],
  validateArgs: (def: PredicateDef, args: unknown, at: PathSegment[], issues: ConditionIssue[]) => boolean,
): Condition | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    issues.push({
      path: at,
      message: "a condition must be a mapping (all/any/not, a comparison, or a predicate)",
    });
    return undefined;
  }
  const obj = raw as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (const comb of ["all", "any"] as const) {
    if (comb in obj) {
      if (keys.length !== 1) {
        issues.push({
          path: at,
          message: `"${comb}" must be the only key of its condition (found ${keys.join(", ")})`,
        });
        return undefined;
      }
      const list = obj[comb];
      if (!Array.isArray(list) || list.length === 0) {
        issues.push({ path: [...at, comb], message: `"${comb}" takes a non-empty list of conditions` });
        return undefined;
      }
      const items = list.map((c, i) =>
        compileCondition(c, [...at, comb, i], predicates, paramNames, issues, validateArgs),
      );
      return items.every((c) => c !== undefined) ? { kind: comb, items: items as Condition[] } : undefined;
    }
  }
  if ("not" in obj) {
    if (keys.length !== 1) {
      issues.push({
        path: at,
        message: `"not" must be the only key of its condition (found ${keys.join(", ")})`,
      });
      return undefined;
    }
    const item = compileCondition(obj.not, [...at, "not"], predicates, paramNames, issues, validateArgs);
    return item ? { kind: "not", item } : undefined;
  }
  if ("path" in obj) return compileComparison(obj, at, paramNames, issues);
  if (keys.length === 1) {
    const name = keys[0] as string;
    const def = predicates.get(name);
    if (def) {
      const args = obj[name];
      if (!validateArgs(def, args, [...at, name], issues)) return undefined;
      return { kind: "predicate", name, run: def.compile(args as Record<string, unknown>) };
    }
  }
  const known = ["all", "any", "not", "path", ...predicates.keys()];
  const unknownKey = keys.find((k) => !known.includes(k)) ?? keys[0] ?? "";
  issues.push({
    path: at,
    key: unknownKey,
    message: `unknown condition "${unknownKey}"${suggest(unknownKey, known)}; expected one of: ${known.join(", ")}`,
  });
  return undefined;
}

function compileComparison(
  obj: Record<string, unknown>,
  at: PathSegment[],
  paramNames: ReadonlySet<string>,
  issues: ConditionIssue[],
): Condition | undefined {
  const before = issues.length;
  let path: CompiledPath | undefined;
  if (typeof obj.path !== "string") {
    issues.push({ path: [...at, "path"], message: "path must be a string (a JMESPath expression)" });
  } else {
    try {
      path = compilePath(obj.path);
    } catch (err) {
      if (!(err instanceof PathError)) throw err;
      issues.push({ path: [...at, "path"], message: `malformed path: ${err.message}` });
    }
  }
  const ops = Object.keys(obj).filter((k) => k !== "path");
  const bad = ops.filter((k) => !(OPERATOR_NAMES as string[]).includes(k));
  for (const k of bad) {
    issues.push({
      path: at,
      key: k,
      message: `unknown operator "${k}"${suggest(k, OPERATOR_NAMES)}; expected one of: ${OPERATOR_NAMES.join(", ")}`,
    });
  }
  if (bad.length === 0 && ops.length !== 1) {
    issues.push({
      path: at,
      message: `a comparison needs exactly one operator besides "path" (found ${ops.length})`,
    });
  }
  if (issues.length > before || !path) return undefined;
  const op = ops[0] as Operator;
  const rawValue = obj[op];
  const where = [...at, op];
  let value: ValueRef;
  if (rawValue !== null && typeof rawValue === "object" && !Array.isArray(rawValue)) {
    const p = (rawValue as Record<string, unknown>).param;
    if (typeof p !== "string" || Object.keys(rawValue).length !== 1) {
      issues.push({
        path: where,
        message: `an object value must be {param: NAME} referring to a rule parameter`,
      });
      return undefined;
    }
    if (!paramNames.has(p)) {
      issues.push({ path: where, message: `unknown parameter "${p}"; declare it under "parameters"` });
      return undefined;
    }
    value = { param: p };
  } else {
    const problem = checkLiteral(op, rawValue);
    if (problem) {
      issues.push({ path: where, message: problem });
      return undefined;
    }
    value = { literal: rawValue };
  }
  let regex: RegExp | undefined;
  if (op === "regex" && "literal" in value) {
    try {
      regex = new RegExp(value.literal as string, "u");
    } catch (err) {
      issues.push({ path: where, message: `invalid regular expression: ${(err as Error).message}` });
      return undefined;
    }
  }
  return { kind: "compare", path, op, value, ...(regex ? { regex } : {}) };
}

/** Check a literal operand's type; returns a problem sentence or undefined. Also used for parameter values. */
export function checkLiteral(op: Operator, v: unknown): string | undefined {
  switch (op) {
    case "in":
    case "notIn":
      return Array.isArray(v) ? undefined : `"${op}" takes a list of values`;
    case "exists":
    case "isEmpty":
      return typeof v === "boolean" ? undefined : `"${op}" takes true or false`;
    case "gt":
    case "gte":
    case "lt":
    case "lte":
    case "olderThanDays":
    case "newerThanDays":
      return typeof v === "number" && Number.isFinite(v) ? undefined : `"${op}" takes a number`;
    case "regex":
    case "startsWith":
    case "endsWith":
      return typeof v === "string" ? undefined : `"${op}" takes a string`;
    default:
      return undefined;
  }
}

function suggest(word: string, options: readonly string[]): string {
  const lower = word.toLowerCase();
  const best =
    options.find((o) => o.toLowerCase() === lower) ??
    options.find((o) => editDistance(o.toLowerCase(), lower) <= 2);
  return best ? ` (did you mean "${best}"?)` : "";
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

// ---- evaluation ----

const T = (value: Tri): Outcome => ({ value, unknownReasons: [], details: [], evidence: {} });

export function describeUnreadable(
  path: string,
  info: { errorCode: string; message: string; operation?: string },
): string {
  const op = info.operation ? ` (${info.operation})` : "";
  return `${path} could not be read: ${info.errorCode}${op}${info.message ? `: ${info.message}` : ""}`;
}

export function evaluateCondition(c: Condition, ctx: EvalContext): Outcome {
  switch (c.kind) {
    case "all":
    case "any":
      return combine(
        c.kind,
        c.items.map((i) => evaluateCondition(i, ctx)),
      );
    case "not": {
      const o = evaluateCondition(c.item, ctx);
      const value: Tri = o.value === "unknown" ? "unknown" : o.value === "true" ? "false" : "true";
      return { ...o, value, details: [] };
    }
    case "predicate":
      return c.run(ctx);
    case "compare": {
      const r = resolvePath(c.path, ctx.record);
      if (r.kind === "unreadable") {
        return { ...T("unknown"), unknownReasons: [describeUnreadable(r.at || c.path.source, r.info)] };
      }
      const operand = "param" in c.value ? ctx.params[c.value.param] : c.value.literal;
      const doubt = undecidable(c.op, r.value, operand, c.path.source);
      if (doubt) return { ...T("unknown"), unknownReasons: [doubt] };
      return T(compare(c.op, r.value, operand, c.regex, ctx.now) ? "true" : "false");
    }
  }
}

function combine(kind: "all" | "any", outs: Outcome[]): Outcome {
  const decisive = kind === "all" ? "false" : "true";
  const hit = outs.filter((o) => o.value === decisive);
  const unknown = outs.filter((o) => o.value === "unknown");
  const value: Tri =
    hit.length > 0 ? decisive : unknown.length > 0 ? "unknown" : kind === "all" ? "true" : "false";
  // Only the outcomes that decided the result explain it.
  const relevant = value === "unknown" ? unknown : value === decisive ? hit : outs;
  const merged: Outcome = { value, unknownReasons: [], details: [], evidence: {} };
  for (const o of relevant) {
    merged.unknownReasons.push(...o.unknownReasons);
    merged.details.push(...o.details);
    Object.assign(merged.evidence, o.evidence);
    if (o.severity) merged.severity = o.severity;
  }
  return merged;
}

const jsonType = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const PRIMITIVE = new Set(["boolean", "number", "string"]);

/**
 * Why a comparison cannot be decided, or undefined when it can. A missing value decides only
 * exists/isEmpty and eq/ne null; a value of another JSON type than the operand ("false" against
 * false) or an unparseable timestamp decides nothing. Such comparisons are unknown, never false:
 * a rule cannot PASS on data it could not read as intended.
 */
function undecidable(op: Operator, v: unknown, operand: unknown, path: string): string | undefined {
  const missing = v === undefined || v === null;
  if (op === "exists" || op === "isEmpty") return undefined;
  if (missing)
    return (op === "eq" || op === "ne") && operand === null ? undefined : `${path} was not collected`;
  const got = jsonType(v);
  const mismatch = (expected: string): string => `${path} is a ${got}, expected a ${expected}`;
  switch (op) {
    case "eq":
    case "ne":
      return PRIMITIVE.has(jsonType(operand)) && got !== jsonType(operand)
        ? mismatch(jsonType(operand))
        : undefined;
    case "in":
    case "notIn": {
      const types = new Set((Array.isArray(operand) ? operand : []).map(jsonType));
      const primitive = [...types].every((t) => PRIMITIVE.has(t));
      return primitive && types.size > 0 && !types.has(got) ? mismatch([...types].join(" or ")) : undefined;
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return got === "number" ? undefined : mismatch("number");
    case "regex":
    case "startsWith":
    case "endsWith":
      return got === "string" ? undefined : mismatch("string");
    case "contains":
      return got === "string" || got === "array" ? undefined : mismatch("string or array");
    case "olderThanDays":
    case "newerThanDays":
      return toTime(v) === undefined ? `${path} is not a timestamp` : undefined;
  }
}

function compare(op: Operator, v: unknown, operand: unknown, regex: RegExp | undefined, now: Date): boolean {
  const missing = v === undefined || v === null;
  switch (op) {
    case "eq":
      return operand === null ? missing : deepEqual(v, operand);
    case "ne":
      return operand === null ? !missing : !deepEqual(v, operand);
    case "in":
      return Array.isArray(operand) && operand.some((o) => deepEqual(v, o));
    case "notIn":
      return Array.isArray(operand) && !operand.some((o) => deepEqual(v, o));
    case "exists":
      return operand === !missing;
    case "isEmpty": {
      const empty =
        missing ||
        v === "" ||
        (Array.isArray(v) && v.length === 0) ||
        (typeof v === "object" && v !== null && Object.keys(v).length === 0);
      return operand === empty;
    }
    case "gt":
      return typeof v === "number" && typeof operand === "number" && v > operand;
    case "gte":
      return typeof v === "number" && typeof operand === "number" && v >= operand;
    case "lt":
      return typeof v === "number" && typeof operand === "number" && v < operand;
    case "lte":
      return typeof v === "number" && typeof operand === "number" && v <= operand;
    case "regex":
      return typeof v === "string" && (regex ?? new RegExp(String(operand), "u")).test(v);
    case "contains":
      if (typeof v === "string") return typeof operand === "string" && v.includes(operand);
      return Array.isArray(v) && v.some((e) => deepEqual(e, operand));
    case "startsWith":
      return typeof v === "string" && typeof operand === "string" && v.startsWith(operand);
    case "endsWith":
      return typeof v === "string" && typeof operand === "string" && v.endsWith(operand);
    case "olderThanDays":
    case "newerThanDays": {
      const t = toTime(v);
      if (t === undefined || typeof operand !== "number") return false;
      const ageDays = (now.getTime() - t) / 86_400_000;
      return op === "olderThanDays" ? ageDays > operand : ageDays <= operand;
    }
  }
}

function toTime(v: unknown): number | undefined {
  if (typeof v === "number") return v < 1e12 ? v * 1000 : v; // epoch seconds (as Config/JSON APIs send) or ms
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
