// Evaluate a compiled condition, three-valued: a comparison on an unreadable fact is "unknown",
// and unknown propagates (Kleene logic) so a rule can never PASS on data that could not be read.
// A condition tree is turned once into a tree of closures (paths, operators and literal operands
// bound in advance); outcomes that explain nothing are shared constants, never allocated per record.
import { readPath, UnreadableAt } from "../paths.js";
import { operatorDef, undecidable, undecidableFor } from "./operators.js";
import type { Condition, EvalContext, Outcome, Tri } from "./types.js";

/** An outcome with nothing to explain it yet. */
export const outcomeOf = (value: Tri): Outcome => ({ value, unknownReasons: [], details: [], evidence: {} });

export function describeUnreadable(
  path: string,
  info: { errorCode: string; message: string; operation?: string },
): string {
  const op = info.operation ? ` (${info.operation})` : "";
  return `${path} could not be read: ${info.errorCode}${op}${info.message ? `: ${info.message}` : ""}`;
}

type Judge = (ctx: EvalContext) => Outcome;

// Frozen: a caller that tried to add to a shared outcome would throw rather than leak into others.
const constant = (value: Tri): Outcome =>
  Object.freeze({
    value,
    unknownReasons: Object.freeze([]) as unknown as string[],
    details: Object.freeze([]) as unknown as string[],
    evidence: Object.freeze({}),
  });
const TRUE = constant("true");
const FALSE = constant("false");

const compiled = new WeakMap<Condition, Judge>();
const bareCompiled = new WeakMap<Condition, Judge>();

export function evaluateCondition(c: Condition, ctx: EvalContext): Outcome {
  return judgeOf(c)(ctx);
}

/**
 * The closure judging `c`, built on first use and kept with the condition. `bare`: for a caller
 * that reads only the value and unknown reasons (appliesWhen): `related` then skips its sentences
 * and evidence; the value and reasons are the same.
 */
export function judgeOf(c: Condition, bare = false): Judge {
  const memo = bare ? bareCompiled : compiled;
  let j = memo.get(c);
  if (!j) {
    j = build(c, bare);
    memo.set(c, j);
  }
  return j;
}

/** Comparisons and combinations of them: outcomes with no details, evidence or classes. */
function plain(c: Condition): boolean {
  switch (c.kind) {
    case "all":
    case "any":
      return c.items.every(plain);
    case "not":
      return plain(c.item);
    case "compare":
      return true;
    case "predicate":
    case "related":
      return false;
  }
}

function build(c: Condition, bare: boolean): Judge {
  switch (c.kind) {
    case "all":
    case "any":
      return list(c.kind, c.items, bare);
    case "not": {
      const inner = judgeOf(c.item, bare);
      return (ctx) => {
        const o = inner(ctx);
        if (o === TRUE) return FALSE;
        if (o === FALSE) return TRUE;
        const value: Tri = o.value === "unknown" ? "unknown" : o.value === "true" ? "false" : "true";
        // Details explain the inner value either way, so they explain its negation too.
        return { ...o, value };
      };
    }
    case "predicate":
      return c.run;
    case "related":
      return bare ? c.test : c.run;
    case "compare":
      return compare(c);
  }
}

function compare(c: Extract<Condition, { kind: "compare" }>): Judge {
  const { path, op } = c;
  const source = path.source;
  const test = operatorDef(op).test;
  const unknownOf = (reason: string): Outcome => ({
    value: "unknown",
    unknownReasons: [reason],
    details: [],
    evidence: {},
  });
  const read = (ctx: EvalContext): unknown => readPath(path, ctx.record);
  if ("param" in c.value) {
    const name = c.value.param;
    return (ctx) => {
      const v = read(ctx);
      if (v instanceof UnreadableAt) return unknownOf(describeUnreadable(v.at || source, v.info));
      const operand = ctx.params[name];
      const doubt = undecidable(op, v, operand, source);
      if (doubt) return unknownOf(doubt);
      return test(v, operand, ctx) ? TRUE : FALSE;
    };
  }
  const operand = c.value.literal;
  const doubtOf = undecidableFor(op, operand, source);
  return (ctx) => {
    const v = read(ctx);
    if (v instanceof UnreadableAt) return unknownOf(describeUnreadable(v.at || source, v.info));
    const doubt = doubtOf(v);
    if (doubt) return unknownOf(doubt);
    return test(v, operand, ctx) ? TRUE : FALSE;
  };
}

/**
 * all/any. Only the outcomes that decide the result explain it, so once one item is decisive the
 * rest need not run when they are plain comparisons: whatever they give adds nothing to it.
 */
function list(kind: "all" | "any", items: readonly Condition[], bare: boolean): Judge {
  const judges = items.map((c) => judgeOf(c, bare));
  const decisive: Tri = kind === "all" ? "false" : "true";
  const neutral: Tri = kind === "all" ? "true" : "false";
  const decided = kind === "all" ? FALSE : TRUE;
  // restPlain[i]: items i.. are all plain.
  const restPlain = items.map((_, i) => items.slice(i).every(plain));
  restPlain.push(true);
  const n = judges.length;
  return (ctx) => {
    const outs: Outcome[] = [];
    let hit = false;
    let unknown = false;
    for (let i = 0; i < n; i++) {
      const o = (judges[i] as Judge)(ctx);
      outs.push(o);
      if (o.value === decisive) {
        hit = true;
        if (restPlain[i + 1]) break;
      } else if (o.value === "unknown") unknown = true;
    }
    const value: Tri = hit ? decisive : unknown ? "unknown" : neutral;
    let merged: Outcome | undefined;
    for (const o of outs) {
      // Decisive: the hits explain it; unknown: the unknowns; otherwise every outcome does.
      if (hit ? o.value !== decisive : unknown && o.value !== "unknown") continue;
      if (o === TRUE || o === FALSE) continue;
      merged ??= outcomeOf(value);
      merged.unknownReasons.push(...o.unknownReasons);
      merged.details.push(...o.details);
      Object.assign(merged.evidence, o.evidence);
      if (o.classes) merged.classes = [...new Set([...(merged.classes ?? []), ...o.classes])];
    }
    if (merged) return merged;
    return value === "unknown"
      ? outcomeOf(value)
      : value === decisive
        ? decided
        : neutral === "true"
          ? TRUE
          : FALSE;
  };
}
