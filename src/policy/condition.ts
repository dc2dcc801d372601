// Conditions: flattening, operator parsing, and which conditions restrict who can use a grant.

import type { NormalizedStatement } from "./types.js";

export interface ConditionEntry {
  operator: string;
  key: string;
  values: string[];
}

export interface ParsedOperator {
  /** Operator without qualifier or IfExists, as written ("StringEquals"). */
  base: string;
  qualifier?: "ForAnyValue" | "ForAllValues";
  ifExists: boolean;
}

/** Keys that pin a grant to known accounts, organizations, networks, services or identities. */
export const RESTRICTING_CONDITION_KEYS: readonly string[] = [
  "aws:SourceAccount",
  "aws:SourceArn",
  "aws:SourceOwner",
  "aws:PrincipalOrgID",
  "aws:PrincipalOrgPaths",
  "aws:PrincipalAccount",
  "aws:PrincipalArn",
  "aws:SourceVpce",
  "aws:SourceVpc",
  "kms:CallerAccount",
  "kms:ViaService",
  "aws:CalledVia",
  "aws:CalledViaFirst",
  "aws:CalledViaLast",
  "aws:userid",
  "aws:username",
];

const RESTRICTING = new Set(RESTRICTING_CONDITION_KEYS.map((k) => k.toLowerCase()));

/**
 * Keys present in every authenticated request. For the others (aws:SourceAccount is absent on
 * direct calls) IfExists or ForAllValues lets requests without the key through, so they do not restrict.
 */
const ALWAYS_PRESENT = new Set([
  "kms:calleraccount",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:userid",
]);

const EQUALITY_OPERATORS = new Set([
  "stringequals",
  "stringequalsignorecase",
  "stringlike",
  "arnequals",
  "arnlike",
]);

export function parseOperator(operator: string): ParsedOperator {
  let base = operator;
  let qualifier: ParsedOperator["qualifier"];
  const q = /^(ForAnyValue|ForAllValues):/i.exec(base);
  if (q) {
    qualifier = q[1]?.toLowerCase() === "forallvalues" ? "ForAllValues" : "ForAnyValue";
    base = base.slice(q[0].length);
  }
  const ifExists = /IfExists$/i.test(base);
  if (ifExists) base = base.slice(0, -"IfExists".length);
  return qualifier ? { base, qualifier, ifExists } : { base, ifExists };
}

export function conditionEntries(s: Pick<NormalizedStatement, "condition">): ConditionEntry[] {
  const out: ConditionEntry[] = [];
  for (const [operator, keys] of Object.entries(s.condition)) {
    for (const [key, values] of Object.entries(keys)) out.push({ operator, key, values });
  }
  return out;
}

export function hasCondition(s: Pick<NormalizedStatement, "condition">): boolean {
  return conditionEntries(s).length > 0;
}

/** A value that is only wildcards matches anything under a *Like operator. */
function isWildcardOnly(value: string): boolean {
  return /^[*]+$/.test(value);
}

export function isRestrictingCondition(entry: ConditionEntry): boolean {
  const key = entry.key.toLowerCase();
  if (!RESTRICTING.has(key)) return false;
  const op = parseOperator(entry.operator);
  if (!EQUALITY_OPERATORS.has(op.base.toLowerCase())) return false;
  if ((op.ifExists || op.qualifier === "ForAllValues") && !ALWAYS_PRESENT.has(key)) return false;
  return entry.values.length > 0 && !entry.values.some(isWildcardOnly);
}

/** The conditions that limit a grant to known accounts / orgs / services (empty if none). */
export function restrictingConditions(s: Pick<NormalizedStatement, "condition">): ConditionEntry[] {
  return conditionEntries(s).filter(isRestrictingCondition);
}

export function hasRestrictingCondition(s: Pick<NormalizedStatement, "condition">): boolean {
  return restrictingConditions(s).length > 0;
}
