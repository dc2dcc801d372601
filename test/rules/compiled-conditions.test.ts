// Conditions run as closures compiled once (operands bound, shared outcomes, all/any stopping at a
// decisive item when the rest are plain comparisons). They must give what a direct walk of the tree
// gives — value, reasons, details, evidence and classes — on generated trees and records.
import { describe, expect, it } from "vitest";
import {
  compileCondition,
  describeUnreadable,
  evaluateCondition,
  judgeOf,
  OPERATOR_NAMES,
  outcomeOf,
  type Condition,
  type ConditionIssue,
  type EvalContext,
  type Outcome,
  type PredicateDef,
  type Tri,
} from "../../src/rules/conditions/index.js";
import { operatorDef, undecidable, undecidableFor } from "../../src/rules/conditions/operators.js";
import { resolvePath } from "../../src/rules/paths.js";
import { unreadable } from "../../src/model/resource.js";
import { pick, rng } from "../helpers/rng.js";

/** The evaluator as it was before compilation: a direct walk of the tree. */
function reference(c: Condition, ctx: EvalContext): Outcome {
  switch (c.kind) {
    case "all":
    case "any": {
      const outs = c.items.map((i) => reference(i, ctx));
      const decisive = c.kind === "all" ? "false" : "true";
      const hit = outs.filter((o) => o.value === decisive);
      const unknown = outs.filter((o) => o.value === "unknown");
      const value: Tri =
        hit.length > 0 ? decisive : unknown.length > 0 ? "unknown" : c.kind === "all" ? "true" : "false";
      const relevant = value === "unknown" ? unknown : value === decisive ? hit : outs;
      const merged = outcomeOf(value);
      for (const o of relevant) {
        merged.unknownReasons.push(...o.unknownReasons);
        merged.details.push(...o.details);
        Object.assign(merged.evidence, o.evidence);
        if (o.classes) merged.classes = [...new Set([...(merged.classes ?? []), ...o.classes])];
      }
      return merged;
    }
    case "not": {
      const o = reference(c.item, ctx);
      const value: Tri = o.value === "unknown" ? "unknown" : o.value === "true" ? "false" : "true";
      return { ...o, value };
    }
    case "predicate":
    case "related":
      return c.run(ctx);
    case "compare": {
      const r = resolvePath(c.path, ctx.record);
      if (r.kind === "unreadable")
        return {
          ...outcomeOf("unknown"),
          unknownReasons: [describeUnreadable(r.at || c.path.source, r.info)],
        };
      const operand = "param" in c.value ? ctx.params[c.value.param] : c.value.literal;
      const doubt = undecidable(c.op, r.value, operand, c.path.source);
      if (doubt) return { ...outcomeOf("unknown"), unknownReasons: [doubt] };
      return outcomeOf(operatorDef(c.op).test(r.value, operand, ctx) ? "true" : "false");
    }
  }
}

const VALUES: unknown[] = [
  undefined,
  null,
  0,
  8,
  -1.5,
  1e12 + 5,
  "",
  "in-use",
  "2026-01-01T00:00:00Z",
  "not a date",
  true,
  false,
  [],
  ["a", "b"],
  [1, "a"],
  {},
  { k: 1 },
  unreadable({ errorCode: "AccessDenied", message: "no", operation: "GetThing" }),
];

const PATHS = ["a", "b", "c.d", "c.e", "f[0]", "g[].h", "a || b"];

/** A predicate whose outcome, with details, evidence and classes, depends on the record. */
const probe: PredicateDef = {
  name: "probe",
  description: "test",
  argsSchema: {},
  compile: (args) => (ctx) => {
    const tag = String((args as { tag: string }).tag);
    const v = (ctx.record as Record<string, unknown>).p;
    const value: Tri = v === 0 ? "true" : v === 1 ? "false" : "unknown";
    return {
      value,
      unknownReasons: value === "unknown" ? [`probe ${tag} unknown`] : [],
      details: [`probe ${tag} ${value}`],
      evidence: { [`probe.${tag}`]: value },
      classes: [`class-${tag}`],
    };
  },
};

function operand(next: () => number, op: string): unknown {
  const kind = operatorDef(op as never).operand;
  if (kind === "list")
    return [
      pick(
        next,
        VALUES.filter((v) => v !== undefined),
      ),
      pick(next, [1, "a", null, true]),
    ];
  if (kind === "boolean") return next() < 0.5;
  if (kind === "number") return pick(next, [0, 1, 8, 30]);
  if (kind === "string") return pick(next, ["^in", "a", "", "use"]);
  return pick(
    next,
    VALUES.filter((v) => v !== undefined && !(v && typeof v === "object" && "$unreadable" in v)),
  );
}

function tree(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 0 && r < 0.35) {
    const n = 1 + Math.floor(next() * 4);
    return { [next() < 0.5 ? "all" : "any"]: Array.from({ length: n }, () => tree(next, depth - 1)) };
  }
  if (depth > 0 && r < 0.45) return { not: tree(next, depth - 1) };
  if (r < 0.55) return { probe: { tag: String(Math.floor(next() * 3)) } };
  const op = pick(next, OPERATOR_NAMES);
  return next() < 0.15
    ? { path: pick(next, PATHS), [op]: { param: "x" } }
    : { path: pick(next, PATHS), [op]: operand(next, op) };
}

function record(next: () => number): unknown {
  const v = (): unknown => pick(next, VALUES);
  return {
    a: v(),
    b: v(),
    c: next() < 0.1 ? pick(next, VALUES) : { d: v(), e: v() },
    f: next() < 0.5 ? [v(), v()] : v(),
    g: next() < 0.5 ? [{ h: v() }, { h: v() }] : v(),
    p: pick(next, [0, 1, 2]),
  };
}

describe("compiled conditions", () => {
  it("give what a direct walk of the tree gives", () => {
    const next = rng(3);
    const predicates = new Map([["probe", probe]]);
    const now = new Date("2026-11-01T00:00:00Z");
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      const issues: ConditionIssue[] = [];
      const raw = tree(next, 3);
      const c = compileCondition(raw, ["c"], {
        predicates,
        params: new Set(["x"]),
        issues,
        checkArgs: () => true,
      });
      if (!c) continue; // an operand the compiler refuses (a bad regex): nothing to compare
      for (let j = 0; j < 5; j++) {
        const ctx: EvalContext = {
          record: record(next),
          params: { x: pick(next, [5, "a", null, ["a"], true]) },
          now,
        };
        expect({ raw, got: { ...evaluateCondition(c, ctx) } }).toEqual({
          raw,
          got: { ...reference(c, ctx) },
        });
        // appliesWhen's bare form: the same value and unknown reasons.
        const bare = judgeOf(c, true)(ctx);
        const full = reference(c, ctx);
        expect({ raw, value: bare.value, reasons: bare.unknownReasons }).toEqual({
          raw,
          value: full.value,
          reasons: full.unknownReasons,
        });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it("bind an operator and literal operand to the same doubts", () => {
    const next = rng(5);
    for (let i = 0; i < 20_000; i++) {
      const op = pick(next, OPERATOR_NAMES);
      const o = next() < 0.1 ? null : operand(next, op);
      const v = pick(next, VALUES);
      expect([op, o, v, undecidableFor(op, o, "p.q")(v)]).toEqual([op, o, v, undecidable(op, v, o, "p.q")]);
    }
  });
});
