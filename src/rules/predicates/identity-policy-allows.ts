// identityPolicyAllows: does an identity policy (a customer-managed policy's default version, or
// the inline policies of a user, role or group) grant every action of a pattern on every resource
// of a pattern, net of Deny statements?
import type { JsonObject } from "../../model/resource.js";
import { boundJson } from "../../model/normalize.js";
import {
  analyzeIdentityGrants,
  describeStatement,
  type IdentityGrant,
  type NormalizedPolicy,
} from "../../policy/index.js";
import { describeUnreadable } from "../conditions/index.js";
import type { CompiledPredicate, EvalContext, Outcome, PredicateDef } from "../conditions/index.js";
import { compilePath, resolvePath } from "../paths.js";
import { actionsArg, analysed, outcome, parsedPolicy, pathArg, unknown } from "./common.js";

interface Args {
  policiesPath: string;
  documentField?: string;
  nameField?: string;
  onlyEntriesWith?: string;
  entryNoun?: string;
  actions: string[];
  resource: string;
  resourceNoun?: string;
  evidenceAs?: string;
}

interface Entry {
  label: string;
  document: unknown;
}

/** "every KMS action" for "kms:*", else the pattern. */
function actionPhrase(action: string): string {
  if (action === "*") return "every action";
  const service = /^([A-Za-z0-9-]+):\*$/.exec(action)?.[1];
  return service ? `every ${service.toUpperCase()} action` : action;
}

function grantSentence(label: string, g: IdentityGrant, onWhat: string): string {
  const what = g.granted.map(actionPhrase).join(" and ");
  const how = g.notAction ? ` (NotAction ${g.actions.join(", ")})` : ` (Action ${g.actions.join(", ")})`;
  const where = g.notResource
    ? `NotResource ${g.resources.join(", ")}`
    : `Resource ${g.resources.join(", ")}`;
  const when = g.conditions.length > 0 ? `, conditioned only on ${g.conditions.join(" and ")}` : "";
  return `${label}: ${describeStatement(g)} allows ${what}${how} on ${onWhat} (${where})${when}`;
}

/** The policy entries at the path: one document, or a list of entries holding documents. */
function entriesOf(args: Args, ctx: EvalContext): Entry[] | Outcome {
  const r = resolvePath(compilePath(args.policiesPath), ctx.record);
  if (r.kind === "unreadable") return unknown(describeUnreadable(r.at || args.policiesPath, r.info));
  if (r.value === undefined) return unknown(`${args.policiesPath} is missing`);
  if (r.value === null) return [];
  const noun = args.entryNoun ?? "policy";
  if (!Array.isArray(r.value)) return [{ label: `the ${noun}`, document: r.value }];
  const only = args.onlyEntriesWith;
  const items = (r.value as unknown[]).filter(
    (item) => only === undefined || (item as Record<string, unknown> | null)?.[only] === true,
  );
  return items.map((item: unknown, i) => {
    const obj = item !== null && typeof item === "object" ? (item as Record<string, unknown>) : {};
    const name = args.nameField !== undefined ? obj[args.nameField] : undefined;
    const label = typeof name === "string" ? `${noun} '${name}'` : `${noun} #${i}`;
    return { label, document: args.documentField !== undefined ? obj[args.documentField] : item };
  });
}

export const identityPolicyAllows: PredicateDef = {
  name: "identityPolicyAllows",
  description:
    "True when an identity policy (no Principal: it applies to whoever holds it) has an Allow granting every action of one of `actions` on every resource matching `resource`, with no unconditioned Deny taking part of it away and no restricting condition (kms:ViaService, aws:SourceVpce, ...). `policiesPath` is one document or a list of entries (inline policies, policy versions) with the document in `documentField`. A missing path or an unparseable document is UNKNOWN; null or an empty list allows nothing.",
  argsSchema: {
    type: "object",
    additionalProperties: false,
    required: ["policiesPath", "actions", "resource"],
    properties: {
      policiesPath: {
        ...pathArg,
        description:
          "Path to a policy document, or to a list of entries holding one (configuration.userPolicyList)",
      },
      documentField: {
        type: "string",
        minLength: 1,
        description: "Field of each list entry holding its document (policyDocument, document)",
      },
      nameField: {
        type: "string",
        minLength: 1,
        description: "Field of each list entry naming it (policyName)",
      },
      onlyEntriesWith: {
        type: "string",
        minLength: 1,
        description: "Judge only the list entries whose field of this name is true (isDefaultVersion)",
      },
      entryNoun: {
        type: "string",
        minLength: 1,
        description: 'How sentences name an entry ("inline policy", "default version"; default "policy")',
      },
      actions: actionsArg,
      resource: {
        type: "string",
        minLength: 1,
        description: 'Resource pattern the grant must cover whole ("arn:*:kms:*:*:key/*": every KMS key)',
      },
      resourceNoun: {
        type: "string",
        minLength: 1,
        description:
          'How sentences name `resource` ("all KMS keys"; default "every resource matching RESOURCE")',
      },
      evidenceAs: {
        type: "string",
        minLength: 1,
        description: 'Evidence key of the grants (default "grants")',
      },
    },
  },
  compile(raw): CompiledPredicate {
    const args = raw as unknown as Args;
    const onWhat = args.resourceNoun ?? `every resource matching ${args.resource}`;
    // Many identities hold the same document (parsedPolicy gives them one object): analysed once
    // per predicate. The grants are only read afterwards (sentences, a bounded copy as evidence).
    const seen = new WeakMap<NormalizedPolicy, IdentityGrant[]>();
    const grantsOf = (policy: NormalizedPolicy): IdentityGrant[] => {
      let hit = seen.get(policy);
      if (!hit) {
        hit = analyzeIdentityGrants(policy, { actions: args.actions, resource: args.resource });
        seen.set(policy, hit);
      }
      return hit;
    };
    return (ctx) =>
      analysed(args.policiesPath, () => {
        const entries = entriesOf(args, ctx);
        if (!Array.isArray(entries)) return entries;
        const details: string[] = [];
        const reasons: string[] = [];
        const found: { policy: string; grants: IdentityGrant[] }[] = [];
        for (const e of entries) {
          if (e.document === undefined || e.document === null || e.document === "") {
            reasons.push(`${e.label} has no document`);
            continue;
          }
          const parsed = parsedPolicy(e.document);
          if (!parsed.ok) {
            reasons.push(`${e.label} is not a valid policy document: ${parsed.error}`);
            continue;
          }
          const grants = grantsOf(parsed.policy);
          if (grants.length === 0) continue;
          found.push({ policy: e.label, grants });
          details.push(...grants.map((g) => grantSentence(e.label, g, onWhat)));
        }
        if (found.length > 0)
          return outcome("true", {
            details,
            evidence: { [args.evidenceAs ?? "grants"]: boundJson(found) } as JsonObject,
          });
        return reasons.length > 0 ? outcome("unknown", { unknownReasons: reasons }) : outcome("false");
      });
  },
};
