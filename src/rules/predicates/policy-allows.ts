// policyAllows: does a resource policy grant these actions to principals of these classes
// (public, other accounts, services, the account's own principals), net of Deny statements?
import type { JsonObject } from "../../model/resource.js";
import { boundJson } from "../../model/normalize.js";
import {
  analyzeGrants,
  describeStatement,
  GRANT_CLASSES,
  heldTogether,
  isPublicPrincipal,
  type GrantClass,
  type HeldTogether,
  type PolicyGrant,
} from "../../policy/index.js";
import type { CompiledPredicate, EvalContext, PredicateDef } from "../conditions/index.js";
import {
  actionsArg,
  analysed,
  loadPolicy,
  outcome,
  pathArg,
  readString,
  resourceNoun,
  unknown,
} from "./common.js";

interface Args {
  policyPath: string;
  actions: string[];
  to: GrantClass[];
  accountPath: string;
  arnPath: string;
  requirePolicy?: string;
  evidenceAs?: string;
  match?: "every" | "any";
  trustedAccounts?: string[] | { param: string };
  trustOrganization?: boolean | { param: string };
  describedAs?: string;
  andAlso?: { actions: string[]; describedAs: string };
}

function heldSentence(h: HeldTogether, first: string, second: string): string {
  const who = isPublicPrincipal(h.principal) ? 'everyone ("*")' : h.principal.value;
  const where = (gs: PolicyGrant[]): string => gs.map((g) => describeStatement(g)).join(", ");
  return `${who} holds both ${first} (${where(h.first)}) and ${second} (${where(h.second)})`;
}

/** The trusted accounts: a literal list, or a rule parameter's value (undefined when not a list of strings). */
function trustedOf(arg: Args["trustedAccounts"], ctx: EvalContext): string[] | undefined {
  if (arg === undefined) return [];
  const value = Array.isArray(arg) ? arg : ctx.params[arg.param];
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}

/** Whether the scan's organisation is trusted: a literal, or a boolean rule parameter (undefined when not one). */
function trustOrgOf(arg: Args["trustOrganization"], ctx: EvalContext): boolean | undefined {
  if (arg === undefined) return false;
  const value = typeof arg === "boolean" ? arg : ctx.params[arg.param];
  return typeof value === "boolean" ? value : undefined;
}

/** "every KMS action" for ["kms:*"] ("KMS actions" under match any), "every action" for ["*"], else the patterns. */
function actionsPhrase(actions: readonly string[], any: boolean): string {
  const only = actions.length === 1 ? actions[0] : undefined;
  if (only === "*") return any ? "actions" : "every action";
  const service = only !== undefined && /^([A-Za-z0-9-]+):\*$/.exec(only)?.[1];
  if (service) return any ? `${service.toUpperCase()} actions` : `every ${service.toUpperCase()} action`;
  return actions.join(", ");
}

function principalsText(g: PolicyGrant): string {
  const list = g.principals.map((p) => (p.type === "*" ? "*" : p.value)).slice(0, 5);
  const more = g.principals.length > 5 ? ` and ${g.principals.length - 5} more` : "";
  return `${list.join(", ")}${more}`;
}

function grantSentence(g: PolicyGrant, what: string, noun: string): string {
  const st = describeStatement(g);
  const conds = g.restrictingConditions.map((c) => c.key).join(", ");
  switch (g.class) {
    case "public-unrestricted":
      return g.notPrincipal
        ? `${st} allows ${what} to everyone except ${principalsText(g)} (NotPrincipal) with no restricting condition — the ${noun} is public`
        : `${st} allows ${what} to everyone ("*") with no restricting condition — the ${noun} is public`;
    case "public-restricted":
      return `${st} allows ${what} to "*", limited only by ${conds}`;
    case "cross-account":
      return `${st} allows ${what} to principals in other accounts (${g.accounts.join(", ") || principalsText(g)}): ${principalsText(g)}`;
    case "service":
      return `${st} allows ${what} to the service principal ${principalsText(g)}`;
    case "same-account-principal":
      return `${st} allows ${what} to ${principalsText(g)} rather than delegating through the account root`;
  }
}

export const policyAllows: PredicateDef = {
  name: "policyAllows",
  description:
    "True when the resource policy allows every action (with match: any, at least one action) of one of `actions` to a principal of a class in `to` other than the account's root; an unconditioned Deny on the resource cancels the principals it names. Reports the classes it found, for severityByClass.",
  argsSchema: {
    type: "object",
    additionalProperties: false,
    required: ["policyPath", "actions", "to", "accountPath", "arnPath"],
    properties: {
      policyPath: { ...pathArg, description: "Path to the policy (JSON text, URL-encoded text or object)" },
      actions: actionsArg,
      to: {
        type: "array",
        minItems: 1,
        uniqueItems: true,
        items: { enum: [...GRANT_CLASSES] },
        description:
          'Principal classes to report: public-unrestricted ("*" with no restricting condition), public-restricted ("*" limited by an account, organisation or service condition), cross-account, service, same-account-principal',
      },
      accountPath: { ...pathArg, description: "Path to the resource's account id" },
      arnPath: { ...pathArg, description: "Path to the resource's ARN (which Deny statements apply to it)" },
      requirePolicy: {
        type: "string",
        minLength: 1,
        description:
          "Why a missing or empty policy means it was not read (e.g. every KMS key has a key policy): it is then UNKNOWN with this reason. Without it, no policy allows nothing.",
      },
      evidenceAs: {
        type: "string",
        minLength: 1,
        description: 'Evidence key of the grants (default "grants")',
      },
      match: {
        enum: ["every", "any"],
        description:
          'every (default): a statement must allow every action a pattern matches ("kms:*" = all of KMS); any: at least one of them (any KMS action)',
      },
      andAlso: {
        type: "object",
        additionalProperties: false,
        required: ["actions", "describedAs"],
        description:
          "Report only principals that are also allowed these actions (matched the same way), in the same or another statement: one principal holding two kinds of power",
        properties: {
          actions: actionsArg,
          describedAs: {
            type: "string",
            minLength: 1,
            description: 'How sentences name them ("cryptographic use")',
          },
        },
      },
      describedAs: {
        type: "string",
        minLength: 1,
        description: 'How sentences name `actions` with andAlso ("key administration"; default the patterns)',
      },
      trustOrganization: {
        description:
          "Also trust every account of the scan's organisation when the scan knows it (--org records them): true/false, or {param: NAME} naming a boolean parameter of the rule",
        oneOf: [
          { type: "boolean" },
          {
            type: "object",
            additionalProperties: false,
            required: ["param"],
            properties: { param: { type: "string", minLength: 1 } },
          },
        ],
      },
      trustedAccounts: {
        description:
          "Other accounts whose principals are not reported as cross-account: a list of account ids, or {param: NAME} naming an array parameter of the rule",
        oneOf: [
          { type: "array", items: { type: "string", pattern: "^\\d{12}$" } },
          {
            type: "object",
            additionalProperties: false,
            required: ["param"],
            properties: { param: { type: "string", minLength: 1 } },
          },
        ],
      },
    },
  },
  classes: GRANT_CLASSES,
  emits: (args) => (args as unknown as Args).to,
  compile(raw): CompiledPredicate {
    const args = raw as unknown as Args;
    const any = args.match === "any";
    const what = actionsPhrase(args.actions, any);
    return (ctx) =>
      analysed(args.policyPath, () => {
        const account = readString(args.accountPath, ctx);
        if (!account) return unknown(`${args.accountPath} (the ${resourceNoun(ctx)}'s account) is missing`);
        const listed = trustedOf(args.trustedAccounts, ctx);
        if (!listed) return unknown("trustedAccounts is not a list of account ids");
        const trustOrg = trustOrgOf(args.trustOrganization, ctx);
        if (trustOrg === undefined) return unknown("trustOrganization is not a boolean");
        const trustedAccounts = [...listed, ...(trustOrg ? (ctx.scan?.organizationAccounts ?? []) : [])];
        const loaded = loadPolicy(args.policyPath, ctx);
        if (loaded.kind === "unknown") return unknown(loaded.reason);
        if (loaded.kind === "none")
          return args.requirePolicy
            ? unknown(`${args.policyPath} is empty: ${args.requirePolicy}`)
            : outcome("false");
        const arn = readString(args.arnPath, ctx);
        const query = {
          actions: args.actions,
          account,
          classes: args.to,
          match: any ? ("any" as const) : ("every" as const),
          trustedAccounts,
          ...(arn !== undefined ? { resource: arn } : {}),
        };
        const result = analyzeGrants(loaded.policy, query);
        if (result.grants.length === 0) return outcome("false");
        if (args.andAlso) {
          const also = analyzeGrants(loaded.policy, { ...query, actions: args.andAlso.actions });
          const held = heldTogether(result.grants, also.grants);
          if (held.length === 0) return outcome("false");
          const first = args.describedAs ?? args.actions.join(", ");
          return outcome("true", {
            details: held.map((h) => heldSentence(h, first, args.andAlso?.describedAs ?? "")),
            evidence: { [args.evidenceAs ?? "grants"]: boundJson(held) } as JsonObject,
            classes: [...new Set(held.map((h) => h.class))],
          });
        }
        const noun = resourceNoun(ctx);
        // Which accounts counted as inside, so a reader can tell "not in the org" from "org unknown".
        const trust: JsonObject = {
          listed: [...listed],
          organizationAccounts: trustOrg ? (ctx.scan?.organizationAccounts?.length ?? null) : null,
        };
        return outcome("true", {
          details: result.grants.map((g) => grantSentence(g, what, noun)),
          evidence: {
            [args.evidenceAs ?? "grants"]: boundJson(result.grants),
            ...(args.to.includes("cross-account") ? { trustedAccounts: trust } : {}),
          } as JsonObject,
          classes: [...new Set(result.grants.map((g) => g.class))],
        });
      });
  },
};
