// Which principals a resource policy grants a set of actions to, classed by how far the grant
// reaches (public, other accounts, services, the account's own principals), net of Deny.

import { hasCondition, restrictingConditions } from "./condition.js";
import type { ConditionEntry } from "./condition.js";
import { coversAction, coversResource, overlapsAction } from "./match.js";
import {
  denyAppliesTo,
  isAccountRoot,
  isPublicPrincipal,
  isServicePrincipal,
  principalAccount,
  samePrincipal,
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

export interface PolicyGrant extends StatementRef {
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

export interface GrantQuery {
  /** Action patterns; a statement grants when it covers every action one of them matches. */
  actions: readonly string[];
  /** The account whose root is not a finding, and whose principals are "same-account". */
  account: string;
  /** The resource's ARN: only Deny statements covering it cancel a grant ("*" when unknown). */
  resource?: string;
  /** The classes to report; principals of other classes are left out. Default: all. */
  classes?: readonly GrantClass[];
  /**
   * "every" (default): a statement grants a pattern when it allows every action the pattern
   * matches; "any": when it allows at least one of them ("any KMS action").
   */
  match?: "every" | "any";
  /** Other accounts whose principals (roots included) are not reported as cross-account. */
  trustedAccounts?: readonly string[];
}

export interface GrantsResult {
  grants: PolicyGrant[];
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

/** Action names are never empty, so `kms:*` asks about `kms:?*` (and `kms:?*` is not narrower). */
export function actionQuery(pattern: string): string {
  return pattern.endsWith("*") && !pattern.endsWith("?*") ? `${pattern.slice(0, -1)}?*` : pattern;
}

function classify(p: PrincipalEntry, account: string, restricted: boolean): GrantClass {
  if (isPublicPrincipal(p)) return restricted ? "public-restricted" : "public-unrestricted";
  if (isServicePrincipal(p)) return "service";
  // Unknown owner (canonical user, a deleted principal's unique id) counts as outside the account.
  return principalAccount(p) === account ? "same-account-principal" : "cross-account";
}

function grantOf(
  allow: NormalizedStatement,
  denies: NormalizedStatement[],
  query: GrantQuery,
): PolicyGrant | undefined {
  const { account } = query;
  const everyone: PrincipalEntry = { type: "*", value: "*" };
  const notPrincipal = allow.notPrincipal !== undefined;
  const restricting = restrictingConditions(allow);
  const restricted = restricting.length > 0;
  const trusted = (p: PrincipalEntry): boolean => {
    const owner = principalAccount(p);
    return owner !== undefined && (query.trustedAccounts ?? []).includes(owner);
  };
  const wanted = (p: PrincipalEntry): boolean => {
    const cls = classify(p, account, restricted);
    if (cls === "cross-account" && trusted(p)) return false;
    return query.classes === undefined || query.classes.includes(cls);
  };
  // Allow + NotPrincipal grants everyone except the list, so it is judged as a public grant.
  const candidates = notPrincipal
    ? [everyone]
    : (allow.principal ?? []).filter((p) => !isAccountRoot(p, account));
  const remaining = candidates.filter((p) => wanted(p) && !denies.some((d) => denyAppliesTo(d, p)));
  if (remaining.length === 0) return undefined;

  const classes = remaining.map((p) => classify(p, account, restricted));
  const accounts = [
    ...new Set(remaining.map(principalAccount).filter((a): a is string => a !== undefined && a !== account)),
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
 * Does the Deny take away everything `allow` grants of `pattern`? Under "any", the Allow grants the
 * part of each of its Action patterns inside `pattern`: the Deny must cover each such part (it
 * covers the part when it covers the Allow's pattern or the whole query). NotAction: the query.
 */
export function denyCancels(
  deny: NormalizedStatement,
  allow: NormalizedStatement,
  pattern: string,
  any: boolean,
): boolean {
  if (coversAction(deny, pattern)) return true;
  if (!any || !allow.action) return false;
  return allow.action
    .filter((a) => overlapsAction({ action: [a] }, pattern))
    .every((a) => coversAction(deny, actionQuery(a)));
}

/**
 * Allow statements granting every action (under `match: "any"`, some action) of one of the query's
 * patterns to a principal other than the account's root. Unconditioned Deny statements covering those patterns cancel the principals
 * they name, but only if they apply to the resource: Resource "*" (or none), or one covering
 * `query.resource` when given. An Allow's Resource is not compared: in a resource policy an Allow
 * can only be about the resource itself.
 */
export function analyzeGrants(policy: NormalizedPolicy, query: GrantQuery): GrantsResult {
  const patterns = query.actions.map(actionQuery);
  const any = query.match === "any";
  const covered = (s: NormalizedStatement): string[] =>
    patterns.filter((a) => (any ? overlapsAction(s, a) : coversAction(s, a)));
  // A Deny on another resource (or NotResource "*") never reaches this one, so it cancels nothing.
  const appliesHere = (s: NormalizedStatement): boolean => coversResource(s, query.resource ?? "*");
  const denies = policy.statements.filter((s) => s.effect === "Deny" && !hasCondition(s) && appliesHere(s));
  const grants: PolicyGrant[] = [];
  for (const s of policy.statements) {
    const granted = s.effect === "Allow" ? covered(s) : [];
    if (granted.length === 0) continue;
    const cancelling = denies.filter((d) => granted.every((a) => denyCancels(d, s, a, any)));
    const grant = grantOf(s, cancelling, query);
    if (grant) grants.push(grant);
  }
  const worst = worstClass(grants.map((g) => g.class));
  return worst === undefined ? { grants } : { grants, worst };
}

/** A principal that two sets of grants both reach: the statements of each. */
export interface HeldTogether {
  principal: PrincipalEntry;
  class: GrantClass;
  first: PolicyGrant[];
  second: PolicyGrant[];
}

/** Whom a grant reaches: its principals, or everyone for Allow + NotPrincipal. */
const reached = (g: PolicyGrant): PrincipalEntry[] =>
  g.notPrincipal ? [{ type: "*", value: "*" }] : g.principals;

/**
 * Principals that grants of `first` and grants of `second` both reach (one principal holding two
 * kinds of power, e.g. key administration and cryptographic use), across statements. A grant to
 * everyone reaches every principal, so it pairs with any principal of the other set.
 */
export function heldTogether(first: readonly PolicyGrant[], second: readonly PolicyGrant[]): HeldTogether[] {
  const out: HeldTogether[] = [];
  const seen: PrincipalEntry[] = [];
  const reaches = (g: PolicyGrant, p: PrincipalEntry): boolean =>
    reached(g).some((q) => isPublicPrincipal(q) || samePrincipal(q, p));
  const candidates = [...first, ...second].flatMap(reached);
  for (const p of candidates) {
    if (seen.some((q) => samePrincipal(q, p))) continue;
    seen.push(p);
    const a = first.filter((g) => reaches(g, p));
    const b = second.filter((g) => reaches(g, p));
    if (a.length === 0 || b.length === 0) continue;
    out.push({
      principal: p,
      class: worstClass([...a, ...b].map((g) => g.class)) ?? "same-account-principal",
      first: a,
      second: b,
    });
  }
  return out;
}
