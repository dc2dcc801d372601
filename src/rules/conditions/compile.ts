// Validate and compile a condition tree (all/any/not, comparisons, predicates). Every problem is
// reported with its location, and compilation goes on so one load shows them all.
import type { PathSegment } from "../../util/yaml-source.js";
import { suggest } from "../../util/suggest.js";
import { compilePath, PathError, type CompiledPath } from "../paths.js";
import { checkOperand, OPERATOR_NAMES, type Operator } from "./operators.js";
import type { CompileEnv, Condition, RelatedSpec, ValueRef } from "./types.js";
import { evaluateRelated } from "../related.js";
import { isKnownResourceType } from "../../model/resource-types.js";
import { referenceTarget, referencesOf, REFERENCE_NAMES } from "../../model/references.js";

export function compileCondition(raw: unknown, at: PathSegment[], env: CompileEnv): Condition | undefined {
  const { issues } = env;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    issues.push({
      path: at,
      message: "a condition must be a mapping (all/any/not, a comparison, or a predicate)",
    });
    return undefined;
  }
  const obj = raw as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (const comb of ["all", "any", "not"] as const) {
    if (comb in obj && keys.length !== 1) {
      issues.push({
        path: at,
        message: `"${comb}" must be the only key of its condition (found ${keys.join(", ")})`,
      });
      return undefined;
    }
  }
  if ("all" in obj) return compileList("all", obj.all, at, env);
  if ("any" in obj) return compileList("any", obj.any, at, env);
  if ("not" in obj) {
    const item = compileCondition(obj.not, [...at, "not"], env);
    return item ? { kind: "not", item } : undefined;
  }
  if ("path" in obj) return compileComparison(obj, at, env);
  if ("related" in obj && keys.length === 1 && !env.inRelated)
    return compileRelated(obj.related, [...at, "related"], env);
  if (keys.length === 1 && !env.inRelated) {
    const name = keys[0] as string;
    const def = env.predicates.get(name);
    if (def) {
      const args = obj[name];
      if (!env.checkArgs(def, args, [...at, name], issues)) return undefined;
      const valid = args as Record<string, unknown>;
      const problems = def.check?.(valid) ?? [];
      for (const p of problems) issues.push({ path: [...at, name, ...p.at], message: p.message });
      if (problems.length > 0) return undefined;
      const classes = def.emits?.(valid) ?? def.classes ?? [];
      return { kind: "predicate", name, classes, run: def.compile(valid) };
    }
  }
  const known = env.inRelated
    ? ["all", "any", "not", "path"]
    : ["all", "any", "not", "path", "related", ...env.predicates.keys()];
  const unknownKey = keys.find((k) => !known.includes(k)) ?? keys[0] ?? "";
  issues.push({
    path: at,
    key: unknownKey,
    message:
      env.inRelated && (unknownKey === "related" || env.predicates.has(unknownKey))
        ? `"${unknownKey}" is not allowed inside related.where (the index keeps only the paths comparisons read); use comparisons and all/any/not`
        : `unknown condition "${unknownKey}"${suggest(unknownKey, known)}; expected one of: ${known.join(", ")}`,
  });
  return undefined;
}

const RELATED_KEYS = ["via", "direction", "types", "where"];

/** `related: {via, direction?, types?, where?}`, checked against the declared references. */
function compileRelated(raw: unknown, at: PathSegment[], env: CompileEnv): Condition | undefined {
  const { issues } = env;
  const before = issues.length;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    issues.push({ path: at, message: "related takes a mapping {via, direction, types, where}" });
    return undefined;
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o).filter((k) => !RELATED_KEYS.includes(k)))
    issues.push({
      path: at,
      key: k,
      message: `unknown field "${k}"${suggest(k, RELATED_KEYS)}; expected one of: ${RELATED_KEYS.join(", ")}`,
    });
  const via = typeof o.via === "string" ? o.via : "";
  const target = referenceTarget(via);
  if (!target) {
    issues.push({
      path: [...at, "via"],
      message: `via must name a declared reference (${REFERENCE_NAMES.join(", ")})${suggest(via, REFERENCE_NAMES)}`,
    });
    return undefined;
  }
  const direction = o.direction ?? "forward";
  if (direction !== "forward" && direction !== "reverse") {
    issues.push({ path: [...at, "direction"], message: 'direction is "forward" or "reverse"' });
    return undefined;
  }
  const types: string[] = [];
  if (direction === "reverse") {
    if (!Array.isArray(o.types) || o.types.length === 0) {
      issues.push({
        path: at,
        message: "a reverse related needs types: the resource types that refer to this one",
      });
    } else {
      o.types.forEach((t, i) => {
        if (typeof t !== "string" || !isKnownResourceType(t))
          issues.push({ path: [...at, "types", i], message: `unknown resource type ${JSON.stringify(t)}` });
        else if (!referencesOf(t).some((r) => r.name === via))
          issues.push({ path: [...at, "types", i], message: `${t} declares no reference "${via}"` });
        else types.push(t);
      });
    }
    for (const t of env.resourceTypes ?? [])
      if (t !== target)
        issues.push({
          path: [...at, "via"],
          message: `"${via}" points to ${target}, not to the rule's type ${t}`,
        });
  } else {
    if (o.types !== undefined)
      issues.push({ path: [...at, "types"], message: "types applies to direction: reverse only" });
    for (const t of env.resourceTypes ?? [])
      if (!referencesOf(t).some((r) => r.name === via))
        issues.push({ path: [...at, "via"], message: `the rule's type ${t} declares no reference "${via}"` });
  }
  const where =
    o.where === undefined
      ? undefined
      : compileCondition(o.where, [...at, "where"], { ...env, inRelated: true });
  if (issues.length > before || (o.where !== undefined && !where)) return undefined;
  const spec: RelatedSpec = {
    via,
    direction,
    types,
    ...(where ? { where } : {}),
    reads: where ? readsOf(where) : [],
  };
  return {
    kind: "related",
    spec,
    run: (ctx) => evaluateRelated(spec, ctx),
    test: (ctx) => evaluateRelated(spec, ctx, false),
  };
}

/** The paths a (comparison-only) condition reads. */
function readsOf(c: Condition): CompiledPath[] {
  switch (c.kind) {
    case "all":
    case "any":
      return c.items.flatMap(readsOf);
    case "not":
      return readsOf(c.item);
    case "compare":
      return [c.path];
    case "predicate":
    case "related":
      return [];
  }
}

function compileList(
  comb: "all" | "any",
  list: unknown,
  at: PathSegment[],
  env: CompileEnv,
): Condition | undefined {
  if (!Array.isArray(list) || list.length === 0) {
    env.issues.push({ path: [...at, comb], message: `"${comb}" takes a non-empty list of conditions` });
    return undefined;
  }
  const items = list.map((c, i) => compileCondition(c, [...at, comb, i], env));
  return items.every((c) => c !== undefined) ? { kind: comb, items: items as Condition[] } : undefined;
}

function compileComparison(
  obj: Record<string, unknown>,
  at: PathSegment[],
  env: CompileEnv,
): Condition | undefined {
  const { issues } = env;
  const before = issues.length;
  const path = comparisonPath(obj.path, at, env);
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
  const value = operandRef(op, obj[op], [...at, op], env);
  return value ? { kind: "compare", path, op, value } : undefined;
}

function comparisonPath(raw: unknown, at: PathSegment[], env: CompileEnv): CompiledPath | undefined {
  if (typeof raw !== "string") {
    env.issues.push({ path: [...at, "path"], message: "path must be a string (a JMESPath expression)" });
    return undefined;
  }
  try {
    return compilePath(raw);
  } catch (err) {
    if (!(err instanceof PathError)) throw err;
    env.issues.push({ path: [...at, "path"], message: `malformed path: ${err.message}` });
    return undefined;
  }
}

/** A literal operand of the operator's kind, or `{param: NAME}` naming a declared parameter. */
function operandRef(op: Operator, raw: unknown, where: PathSegment[], env: CompileEnv): ValueRef | undefined {
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const name = (raw as Record<string, unknown>).param;
    if (typeof name !== "string" || Object.keys(raw).length !== 1) {
      env.issues.push({
        path: where,
        message: `an object value must be {param: NAME} referring to a rule parameter`,
      });
      return undefined;
    }
    if (!env.params.has(name)) {
      env.issues.push({ path: where, message: `unknown parameter "${name}"; declare it under "parameters"` });
      return undefined;
    }
    return { param: name };
  }
  const problem = checkOperand(op, raw);
  if (problem) {
    env.issues.push({ path: where, message: problem });
    return undefined;
  }
  return { literal: raw };
}
