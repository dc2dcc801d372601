// Evaluate a compiled condition, three-valued: a comparison on an unreadable fact is "unknown",
// and unknown propagates (Kleene logic) so a rule can never PASS on data that could not be read.
import { resolvePath } from "../paths.js";
import { operatorDef, undecidable } from "./operators.js";
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
      // Details explain the inner value either way, so they explain its negation too.
      return { ...o, value };
    }
    case "predicate":
    case "related":
      return c.run(ctx);
    case "compare": {
      const r = resolvePath(c.path, ctx.record);
      if (r.kind === "unreadable") {
        return {
          ...outcomeOf("unknown"),
          unknownReasons: [describeUnreadable(r.at || c.path.source, r.info)],
        };
      }
      const operand = "param" in c.value ? ctx.params[c.value.param] : c.value.literal;
      const doubt = undecidable(c.op, r.value, operand, c.path.source);
      if (doubt) return { ...outcomeOf("unknown"), unknownReasons: [doubt] };
      return outcomeOf(operatorDef(c.op).test(r.value, operand, ctx) ? "true" : "false");
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
  const merged = outcomeOf(value);
  for (const o of relevant) {
    merged.unknownReasons.push(...o.unknownReasons);
    merged.details.push(...o.details);
    Object.assign(merged.evidence, o.evidence);
    if (o.classes) merged.classes = [...new Set([...(merged.classes ?? []), ...o.classes])];
  }
  return merged;
}
