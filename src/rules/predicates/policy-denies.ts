// policyDenies: does a resource policy hold a Deny, for every principal, of these actions on these
// resources whenever a Bool condition key has a value (e.g. aws:SecureTransport = false)?
import type { JsonObject } from "../../model/resource.js";
import { boundJson } from "../../model/normalize.js";
import { analyzeRequiredDeny } from "../../policy/index.js";
import type { CompiledPredicate, EvalContext, PredicateDef } from "../conditions/index.js";
import { compilePath, PathError, readPath, type CompiledPath } from "../paths.js";
import { actionsArg, analysed, loadPolicy, outcome, pathArg, resourceNoun, unknown } from "./common.js";

interface Args {
  policyPath: string;
  actions: string[];
  resources: string[];
  when: { key: string; value: string | boolean | number; operator?: "Bool" | "NumericLessThan" };
  evidenceAs?: string;
}

const PLACEHOLDER = /\{([^{}]+)\}/g;

type Template = (string | CompiledPath)[];

/** A resources template split once into text and compiled `{path}` placeholders. */
function templateOf(template: string): Template {
  const parts: Template = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    parts.push(compilePath((m[1] as string).trim()));
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

/** Fill `{path}` placeholders from the record; undefined with the reason when one has no string. */
function fill(template: Template, ctx: EvalContext): { value: string } | { missing: string } {
  let missing: string | undefined;
  let value = "";
  for (const part of template) {
    if (typeof part === "string") {
      value += part;
      continue;
    }
    const v = readPath(part, ctx.record);
    if (typeof v === "string" && v !== "") value += v;
    else missing ??= `${part.source} (in resources) is missing`;
  }
  return missing === undefined ? { value } : { missing };
}

export const policyDenies: PredicateDef = {
  name: "policyDenies",
  description:
    "True when the resource policy has a Deny for every principal and every listed action on every listed resource, conditioned only on Bool/BoolIfExists `when.key` = `when.value` (or, with `when.operator: NumericLessThan`, on denying every value below it). No policy denies nothing. The reason is a detail in both outcomes.",
  argsSchema: {
    type: "object",
    additionalProperties: false,
    required: ["policyPath", "actions", "resources", "when"],
    properties: {
      policyPath: { ...pathArg, description: "Path to the policy text (null when the resource has none)" },
      actions: actionsArg,
      resources: {
        type: "array",
        minItems: 1,
        items: { type: "string", minLength: 1 },
        description:
          'Resource ARNs the Deny must cover, with {path} placeholders filled from the record ("{arn}", "{arn}/*"); "X/*" means everything under X',
      },
      when: {
        type: "object",
        additionalProperties: false,
        required: ["key", "value"],
        properties: {
          key: { type: "string", minLength: 1, description: "Condition key (aws:SecureTransport)" },
          value: {
            type: ["string", "boolean", "number"],
            description: "The value the Deny is conditioned on",
          },
          operator: {
            enum: ["Bool", "NumericLessThan"],
            description:
              "Bool (default): the Deny tests Bool/BoolIfExists key = value; NumericLessThan: it denies every value below `value` (NumericLessThan(Equals)(IfExists) with a bound at or above it)",
          },
        },
      },
      evidenceAs: {
        type: "string",
        minLength: 1,
        description: 'Evidence key of the analysis (default "deny")',
      },
    },
  },
  check(raw) {
    const args = raw as unknown as Args;
    const bound =
      args.when.operator === "NumericLessThan" && Number.isNaN(Number(args.when.value))
        ? [{ at: ["when", "value"], message: "NumericLessThan needs a number" }]
        : [];
    return [
      ...bound,
      ...args.resources.flatMap((template, i) =>
        [...template.matchAll(PLACEHOLDER)].flatMap((m) => {
          try {
            compilePath((m[1] as string).trim());
            return [];
          } catch (err) {
            if (!(err instanceof PathError)) throw err;
            return [{ at: ["resources", i], message: `malformed path: ${err.message}` }];
          }
        }),
      ),
    ];
  },
  compile(raw): CompiledPredicate {
    const args = raw as unknown as Args;
    const when = {
      key: args.when.key,
      value: String(args.when.value),
      ...(args.when.operator ? { operator: args.when.operator } : {}),
    };
    const templates = args.resources.map(templateOf);
    return (ctx) =>
      analysed(args.policyPath, () => {
        const resources: string[] = [];
        for (const template of templates) {
          const filled = fill(template, ctx);
          if ("missing" in filled) return unknown(filled.missing);
          resources.push(filled.value);
        }
        const loaded = loadPolicy(args.policyPath, ctx);
        if (loaded.kind === "unknown") return unknown(loaded.reason);
        const noun = resourceNoun(ctx);
        if (loaded.kind === "none")
          return outcome("false", { details: [`the ${noun} has no ${noun} policy`] });
        const result = analyzeRequiredDeny(loaded.policy, { actions: args.actions, resources, when });
        const evidence = { [args.evidenceAs ?? "deny"]: boundJson(result) } as JsonObject;
        // The reason explains both outcomes; a PASS message uses it too.
        return outcome(result.enforced ? "true" : "false", { details: [result.reason], evidence });
      });
  },
};
