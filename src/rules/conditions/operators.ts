// The comparison operators, one entry each. The compiler checks literal operands against
// `operand`, the evaluator asks `decides` whether a fact can be judged at all (otherwise the
// comparison is unknown, never false), `test` compares, and the published schema shows `doc`.
// Adding an operator is adding an entry here.
import { deepEqual, jsonType, toTime } from "../../util/json.js";

/** The operand an operator takes; a `{param: NAME}` operand is checked when the parameter is set. */
export type OperandKind = "number" | "string" | "list" | "boolean" | "any";

/**
 * The facts an operator can decide. A missing (or null) fact decides only "absent" operators, and
 * "operand-type" ones when the operand is null. Otherwise the fact must be of the named type:
 * "operand-type" means the operand's own JSON type (or one of the list's element types) when that
 * is a primitive; "timestamp" means ISO text or epoch seconds/milliseconds.
 */
export type FactKind = "absent" | "operand-type" | "number" | "string" | "string|array" | "timestamp";

export interface OperatorTestContext {
  /** Evaluation time, for age comparisons. */
  now: Date;
}

export interface OperatorDef {
  doc: string;
  operand: OperandKind;
  decides: FactKind;
  /** Further checks of a literal operand once its kind is right; returns a problem sentence. */
  validate?(operand: unknown): string | undefined;
  /** Only called on a fact `decides` accepts. */
  test(value: unknown, operand: unknown, ctx: OperatorTestContext): boolean;
}

const missing = (v: unknown): boolean => v === undefined || v === null;
const num = (v: unknown): v is number => typeof v === "number";
const str = (v: unknown): v is string => typeof v === "string";
const DAY_MS = 86_400_000;
const ageDays = (v: unknown, now: Date): number | undefined => {
  const t = toTime(v);
  return t === undefined ? undefined : (now.getTime() - t) / DAY_MS;
};
const contains = (v: unknown, operand: unknown): boolean =>
  str(v) ? str(operand) && v.includes(operand) : Array.isArray(v) && v.some((e) => deepEqual(e, operand));

// Patterns are compiled once; the map holds only the rules' literals and parameter values.
const patterns = new Map<string, RegExp>();
function pattern(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(source, "u");
    patterns.set(source, re);
  }
  return re;
}

export const OPERATORS = {
  eq: {
    doc: "equal to the value (deep equality; null matches a missing value)",
    operand: "any",
    decides: "operand-type",
    test: (v, operand) => (operand === null ? missing(v) : deepEqual(v, operand)),
  },
  ne: {
    doc: "not equal to the value",
    operand: "any",
    decides: "operand-type",
    test: (v, operand) => (operand === null ? !missing(v) : !deepEqual(v, operand)),
  },
  in: {
    doc: "one of the listed values",
    operand: "list",
    decides: "operand-type",
    test: (v, operand) => Array.isArray(operand) && operand.some((o) => deepEqual(v, o)),
  },
  notIn: {
    doc: "none of the listed values",
    operand: "list",
    decides: "operand-type",
    test: (v, operand) => Array.isArray(operand) && !operand.some((o) => deepEqual(v, o)),
  },
  exists: {
    doc: "true: the path has a non-null value; false: it is missing or null",
    operand: "boolean",
    decides: "absent",
    test: (v, operand) => operand === !missing(v),
  },
  gt: {
    doc: "a number greater than the value",
    operand: "number",
    decides: "number",
    test: (v, operand) => num(v) && num(operand) && v > operand,
  },
  gte: {
    doc: "a number greater than or equal to the value",
    operand: "number",
    decides: "number",
    test: (v, operand) => num(v) && num(operand) && v >= operand,
  },
  lt: {
    doc: "a number less than the value",
    operand: "number",
    decides: "number",
    test: (v, operand) => num(v) && num(operand) && v < operand,
  },
  lte: {
    doc: "a number less than or equal to the value",
    operand: "number",
    decides: "number",
    test: (v, operand) => num(v) && num(operand) && v <= operand,
  },
  regex: {
    doc: "a string matching the regular expression",
    operand: "string",
    decides: "string",
    validate(operand) {
      try {
        pattern(String(operand));
        return undefined;
      } catch (err) {
        return `invalid regular expression: ${(err as Error).message}`;
      }
    },
    test: (v, operand) => str(v) && pattern(String(operand)).test(v),
  },
  contains: {
    doc: "a string containing the value, or an array containing an element equal to it",
    operand: "any",
    decides: "string|array",
    test: contains,
  },
  notContains: {
    doc: "a string not containing the value, or an array with no element equal to it",
    operand: "any",
    decides: "string|array",
    test: (v, operand) => !contains(v, operand),
  },
  startsWith: {
    doc: "a string starting with the value",
    operand: "string",
    decides: "string",
    test: (v, operand) => str(v) && str(operand) && v.startsWith(operand),
  },
  endsWith: {
    doc: "a string ending with the value",
    operand: "string",
    decides: "string",
    test: (v, operand) => str(v) && str(operand) && v.endsWith(operand),
  },
  olderThanDays: {
    doc: "a timestamp more than N days before evaluation time",
    operand: "number",
    decides: "timestamp",
    test: (v, operand, { now }) => num(operand) && (ageDays(v, now) ?? -Infinity) > operand,
  },
  newerThanDays: {
    doc: "a timestamp at most N days before evaluation time",
    operand: "number",
    decides: "timestamp",
    test: (v, operand, { now }) => num(operand) && (ageDays(v, now) ?? Infinity) <= operand,
  },
  isEmpty: {
    doc: "true: missing, null, '', [] or {}; false: anything else",
    operand: "boolean",
    decides: "absent",
    test: (v, operand) =>
      operand ===
      (missing(v) ||
        v === "" ||
        (Array.isArray(v) && v.length === 0) ||
        (typeof v === "object" && v !== null && Object.keys(v).length === 0)),
  },
} as const satisfies Record<string, OperatorDef>;

export type Operator = keyof typeof OPERATORS;
export const OPERATOR_NAMES = Object.keys(OPERATORS) as Operator[];

export function operatorDef(op: Operator): OperatorDef {
  return OPERATORS[op];
}

const OPERAND_CHECKS: Record<OperandKind, { ok(v: unknown): boolean; takes: string }> = {
  list: { ok: Array.isArray, takes: "a list of values" },
  boolean: { ok: (v) => typeof v === "boolean", takes: "true or false" },
  number: { ok: (v) => num(v) && Number.isFinite(v), takes: "a number" },
  string: { ok: str, takes: "a string" },
  any: { ok: () => true, takes: "any value" },
};

/** Check a literal operand; returns a problem sentence or undefined. Also used for parameter values. */
export function checkOperand(op: Operator, operand: unknown): string | undefined {
  const def = operatorDef(op);
  const kind = OPERAND_CHECKS[def.operand];
  if (!kind.ok(operand)) return `"${op}" takes ${kind.takes}`;
  return def.validate?.(operand);
}

/** JSON Schema of an operator's literal operand, for the published rule schema. */
export function operandSchema(op: Operator): Record<string, unknown> {
  const kind = operatorDef(op).operand;
  return kind === "any" ? {} : { type: kind === "list" ? "array" : kind };
}

const PRIMITIVE = new Set(["boolean", "number", "string"]);

/**
 * Why a comparison cannot be decided, or undefined when it can. A value of another JSON type than
 * the operand ("false" against false) or an unparseable timestamp decides nothing. Such comparisons
 * are unknown, never false: a rule cannot PASS on data it could not read as intended.
 */
export function undecidable(op: Operator, v: unknown, operand: unknown, path: string): string | undefined {
  const def = operatorDef(op);
  if (def.decides === "absent") return undefined;
  if (missing(v))
    return def.decides === "operand-type" && operand === null ? undefined : `${path} was not collected`;
  const got = jsonType(v);
  const mismatch = (expected: string): string => `${path} is a ${got}, expected a ${expected}`;
  switch (def.decides) {
    case "operand-type": {
      const listed = def.operand === "list" ? (Array.isArray(operand) ? operand : []) : [operand];
      const types = new Set(listed.map(jsonType));
      const primitive = [...types].every((t) => PRIMITIVE.has(t));
      return primitive && types.size > 0 && !types.has(got) ? mismatch([...types].join(" or ")) : undefined;
    }
    case "number":
    case "string":
      return got === def.decides ? undefined : mismatch(def.decides);
    case "string|array":
      return got === "string" || got === "array" ? undefined : mismatch("string or array");
    case "timestamp":
      return toTime(v) === undefined ? `${path} is not a timestamp` : undefined;
  }
}

/**
 * `undecidable` with the operator and a literal operand bound once (the operand's types are read
 * at load, not per record): `undecidableFor(op, operand, path)(v) === undecidable(op, v, operand, path)`.
 */
export function undecidableFor(
  op: Operator,
  operand: unknown,
  path: string,
): (v: unknown) => string | undefined {
  const def = operatorDef(op);
  if (def.decides === "absent") return () => undefined;
  const notCollected = `${path} was not collected`;
  const absent = def.decides === "operand-type" && operand === null ? undefined : notCollected;
  const mismatch = (got: string, expected: string): string => `${path} is a ${got}, expected a ${expected}`;
  switch (def.decides) {
    case "operand-type": {
      const listed = def.operand === "list" ? (Array.isArray(operand) ? operand : []) : [operand];
      const types = new Set(listed.map(jsonType));
      const checked = [...types].every((t) => PRIMITIVE.has(t)) && types.size > 0;
      const expected = [...types].join(" or ");
      return (v) => {
        if (missing(v)) return absent;
        if (!checked) return undefined;
        const got = jsonType(v);
        return types.has(got) ? undefined : mismatch(got, expected);
      };
    }
    case "number":
    case "string": {
      const want = def.decides;
      return (v) => {
        if (missing(v)) return absent;
        const got = jsonType(v);
        return got === want ? undefined : mismatch(got, want);
      };
    }
    case "string|array":
      return (v) => {
        if (missing(v)) return absent;
        const got = jsonType(v);
        return got === "string" || got === "array" ? undefined : mismatch(got, "string or array");
      };
    case "timestamp":
      return (v) => {
        if (missing(v)) return absent;
        return toTime(v) === undefined ? `${path} is not a timestamp` : undefined;
      };
  }
}
