// Key policies that grant every kms: action to someone other than the key's own account.

import { hasCondition, restrictingConditions } from "./condition.js";
import type { ConditionEntry } from "./condition.js";
import { coversAllActionsOf, coversResource } from "./match.js";
import {
  denyAppliesTo,
  isAccountRoot,
  isPublicPrincipal,
  isServicePrincipal,
  principalAccount,
} from "./principal.js";
import type { NormalizedPolicy, NormalizedStatement, PrincipalEntry, StatementRef } from "./types.js";
import { statementRef } from "./types.js";

/** Worst first. */
export const GRANT_CLASSES = [
  "public-unrestricted",
  "public-restricted",
  "cross-account",
  "service",
  "same-account-principal",
] as const;

export type GrantClass = (typeof GRANT_CLASSES)[number];

export interface KmsWildcardGrant extends StatementRef {
  /** The offending principals: own-account root and principals cancelled by a Deny are left out. */
  principals: PrincipalEntry[];
  /** The grant used NotPrincipal, i.e. everyone except `principals`. */
  notPrincipal: boolean;
  /** Action or NotAction as written. */
  actions: string[];
  notAction: boolean;
  public: boolean;
  restricted: boolean;
  restrictingConditions: ConditionEntry[];
  crossAccount: boolean;
  /** Other accounts named by the principals. */
  accounts: string[];
  class: GrantClass;
}

export interface KeyPolicyWildcardResult {
  grants: KmsWildcardGrant[];
  /** Worst class among `grants`; undefined when there is no finding. */
  worst?: GrantClass;
}

export function worstClass(classes: Iterable<GrantClass>): GrantClass | undefined {
  let worst: number | undefined;
  for (const c of classes) {
    const rank = GRANT_CLASSES.indexOf(c);
    if (worst === undefined || rank < worst) worst = rank;
  }
  return worst === undefined ? undefined : GRANT_CLASSES[worst];
}

function classify(p: PrincipalEntry, keyAccountId: string, restricted: boolean): GrantClass {
  if (isPublicPrincipal(p)) return restricted ? "public-restricted" : "public-unrestricted";
  if (isServicePrincipal(p)) return "service";
  // Unknown owner (canonical user, a deleted principal's unique id) counts as outside the account.
  return principalAccount(p) === keyAccountId ? "same-account-principal" : "cross-account";
}

function grantOf(
  allow: NormalizedStatement,
  denies: NormalizedStatement[],
  keyAccountId: string,
): KmsWildcardGrant | undefined {
  const everyone: PrincipalEntry = { type: "*", value: "*" };
  const notPrincipal = allow.notPrincipal !== undefined;
  // Allow + NotPrincipal grants everyone except the list, so it is judged as a public grant.
  const candidates = notPrincipal
    ? [everyone]
    : (allow.principal ?? []).filter((p) => !isAccountRoot(p, keyAccountId));
  const remaining = candidates.filter((p) => !denies.some((d) => denyAppliesTo(d, p)));
  if (remaining.length === 0) return undefined;

  const restricting = restrictingConditions(allow);
  const restricted = restricting.length > 0;
  const classes = remaining.map((p) => classify(p, keyAccountId, restricted));
  const accounts = [
    ...new Set(
      remaining.map(principalAccount).filter((a): a is string => a !== undefined && a !== keyAccountId),
    ),
  ];
  return {
    ...statementRef(allow),
    principals: notPrincipal ? (allow.notPrincipal ?? []) : remaining,
    notPrincipal,
    actions: allow.action ?? allow.notAction ?? [],
    notAction: allow.action === undefined,
    public: remaining.some(isPublicPrincipal),
    restricted,
    restrictingConditions: restricting,
    crossAccount: classes.includes("cross-account"),
    accounts,
    class: worstClass(classes) ?? "same-account-principal",
  };
}

/**
 * Allow statements granting every kms: action to a principal other than the key account's root.
 * The default key policy statement (`{"AWS": "arn:aws:iam::ACCOUNT:root"}`, `kms:*`) is not a
 * finding. Unconditioned Deny statements covering all kms: actions cancel the principals they name,
 * but only if they apply to this key: Resource "*" (or none), or one covering `keyArn` when given.
 * An Allow's Resource is not compared: in a key policy an Allow can only be about the key itself.
 */
export function analyzeKeyPolicyWildcardGrants(
  policy: NormalizedPolicy,
  keyAccountId: string,
  keyArn?: string,
): KeyPolicyWildcardResult {
  const coversAll = (s: NormalizedStatement): boolean => coversAllActionsOf(s, "kms");
  // A Deny on another resource (or NotResource "*") never reaches this key, so it cancels nothing.
  const appliesToKey = (s: NormalizedStatement): boolean => coversResource(s, keyArn ?? "*");
  const denies = policy.statements.filter(
    (s) => s.effect === "Deny" && !hasCondition(s) && coversAll(s) && appliesToKey(s),
  );
  const grants: KmsWildcardGrant[] = [];
  for (const s of policy.statements) {
    if (s.effect !== "Allow" || !coversAll(s)) continue;
    const grant = grantOf(s, denies, keyAccountId);
    if (grant) grants.push(grant);
  }
  const worst = worstClass(grants.map((g) => g.class));
  return worst === undefined ? { grants } : { grants, worst };
}
