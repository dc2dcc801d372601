// Typed predicates: what plain comparisons cannot express well. Each declares its argument
// schema (published in the rule schema) and compiles to a function that never throws on bad data:
// an unreadable or unparseable document gives "unknown" with the reason.
import type { JsonObject } from "../model/resource.js";
import { boundJson } from "../model/normalize.js";
import type { CompiledPredicate, EvalContext, Outcome, PredicateDef } from "./conditions/index.js";
import { describeUnreadable } from "./conditions/index.js";
import { compilePath, resolvePath } from "./paths.js";
import {
  analyzeKeyPolicyWildcardGrants,
  analyzeSecureTransport,
  describeStatement,
  GlobLimitError,
  parsePolicy,
  type KmsWildcardGrant,
  type NormalizedPolicy,
} from "../policy/index.js";

const pathArg = { type: "string", minLength: 1, description: "JMESPath into the resource record" };

type Loaded =
  { kind: "policy"; policy: NormalizedPolicy } | { kind: "none" } | { kind: "unknown"; reason: string };

/** Read a policy document at a path: absent/null means "no policy"; unreadable or malformed means unknown. */
function loadPolicy(path: string, ctx: EvalContext): Loaded {
  const r = resolvePath(compilePath(path), ctx.record);
  if (r.kind === "unreadable") return { kind: "unknown", reason: describeUnreadable(r.at || path, r.info) };
  if (r.value === undefined || r.value === null || r.value === "") return { kind: "none" };
  const parsed = parsePolicy(r.value);
  if (!parsed.ok)
    return { kind: "unknown", reason: `${path} is not a valid policy document: ${parsed.error}` };
  return { kind: "policy", policy: parsed.policy };
}

function readString(path: string, ctx: EvalContext): string | undefined {
  const r = resolvePath(compilePath(path), ctx.record);
  return r.kind === "value" && typeof r.value === "string" ? r.value : undefined;
}

const outcome = (value: Outcome["value"], extra: Partial<Outcome> = {}): Outcome => ({
  value,
  unknownReasons: [],
  details: [],
  evidence: {},
  ...extra,
});

const unknown = (reason: string): Outcome => outcome("unknown", { unknownReasons: [reason] });

/** Wildcard analysis that could not finish is UNKNOWN with the reason, never a pass. */
function analysed(policyPath: string, run: () => Outcome): Outcome {
  try {
    return run();
  } catch (err) {
    if (err instanceof GlobLimitError)
      return unknown(`${policyPath} is too complex to analyse: ${err.message}`);
    throw err;
  }
}

function principalsText(g: KmsWildcardGrant): string {
  const list = g.principals.map((p) => (p.type === "*" ? "*" : p.value)).slice(0, 5);
  const more = g.principals.length > 5 ? ` and ${g.principals.length - 5} more` : "";
  return `${list.join(", ")}${more}`;
}

function grantSentence(g: KmsWildcardGrant): string {
  const st = describeStatement(g);
  const conds = g.restrictingConditions.map((c) => c.key).join(", ");
  switch (g.class) {
    case "public-unrestricted":
      return g.notPrincipal
        ? `${st} allows every KMS action to everyone except ${principalsText(g)} (NotPrincipal) with no restricting condition — the key is public`
        : `${st} allows every KMS action to everyone ("*") with no restricting condition — the key is public`;
    case "public-restricted":
      return `${st} allows every KMS action to "*", limited only by ${conds}`;
    case "cross-account":
      return `${st} allows every KMS action to principals in other accounts (${g.accounts.join(", ") || principalsText(g)}): ${principalsText(g)}`;
    case "service":
      return `${st} allows every KMS action to the service principal ${principalsText(g)}`;
    case "same-account-principal":
      return `${st} allows every KMS action to ${principalsText(g)} rather than delegating through the account root`;
  }
}

const kmsWildcardGrant: PredicateDef = {
  name: "kmsWildcardGrant",
  description:
    "True when the key policy allows every kms: action to a principal other than the key account's root (Deny overrides Allow). Raises severity to critical for a public grant without a restricting condition.",
  argsSchema: {
    type: "object",
    additionalProperties: false,
    required: ["policyPath", "accountPath"],
    properties: {
      policyPath: {
        ...pathArg,
        description: "Path to the key policy (JSON text, URL-encoded text or object)",
      },
      accountPath: { ...pathArg, description: "Path to the key's account id" },
    },
  },
  compile(args): CompiledPredicate {
    const policyPath = args.policyPath as string;
    const accountPath = args.accountPath as string;
    return (ctx) =>
      analysed(policyPath, () => {
        const account = readString(accountPath, ctx);
        if (!account) return unknown(`${accountPath} (the key's account) is missing`);
        const loaded = loadPolicy(policyPath, ctx);
        if (loaded.kind === "unknown") return unknown(loaded.reason);
        if (loaded.kind === "none") return unknown(`${policyPath} is empty: every KMS key has a key policy`);
        const arn = readString("arn", ctx);
        const result = analyzeKeyPolicyWildcardGrants(loaded.policy, account, arn);
        if (result.grants.length === 0) return outcome("false");
        return outcome("true", {
          details: result.grants.map(grantSentence),
          evidence: { wildcardGrants: boundJson(result.grants) } as JsonObject,
          ...(result.worst === "public-unrestricted" ? { severity: "critical" as const } : {}),
        });
      });
  },
};

const secureTransportNotEnforced: PredicateDef = {
  name: "secureTransportNotEnforced",
  description:
    "True when the bucket policy has no effective Deny for all principals and all S3 actions on the bucket and its objects under Bool/BoolIfExists aws:SecureTransport = false. No policy counts as not enforced.",
  argsSchema: {
    type: "object",
    additionalProperties: false,
    required: ["policyPath", "bucketPath"],
    properties: {
      policyPath: {
        ...pathArg,
        description: "Path to the bucket policy text (null when the bucket has none)",
      },
      bucketPath: { ...pathArg, description: "Path to the bucket name" },
    },
  },
  compile(args): CompiledPredicate {
    const policyPath = args.policyPath as string;
    const bucketPath = args.bucketPath as string;
    return (ctx) =>
      analysed(policyPath, () => {
        const bucket = readString(bucketPath, ctx);
        if (!bucket) return unknown(`${bucketPath} (the bucket name) is missing`);
        const loaded = loadPolicy(policyPath, ctx);
        if (loaded.kind === "unknown") return unknown(loaded.reason);
        if (loaded.kind === "none") return outcome("true", { details: ["the bucket has no bucket policy"] });
        const arn = readString("arn", ctx);
        const partition = arn?.split(":")[1];
        const result = analyzeSecureTransport(loaded.policy, bucket, partition ? { partition } : {});
        const evidence = { secureTransport: boundJson(result) } as JsonObject;
        // The reason explains both outcomes; a PASS message uses it too.
        return outcome(result.enforced ? "false" : "true", { details: [result.reason], evidence });
      });
  },
};

export const PREDICATES: ReadonlyMap<string, PredicateDef> = new Map(
  [kmsWildcardGrant, secureTransportNotEnforced].map((p) => [p.name, p]),
);
