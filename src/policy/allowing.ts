// Which Allow statements grant an action on a resource, net of explicit Deny statements.

import { hasCondition } from "./condition.js";
import { coversAction, coversResource, overlapsAction, overlapsResource } from "./match.js";
import { denyAppliesTo, isPublicPrincipal } from "./principal.js";
import type { NormalizedPolicy, NormalizedStatement, PrincipalEntry, StatementRef } from "./types.js";
import { statementRef } from "./types.js";

export interface AccessQuery {
  /** An action, or a pattern meaning every action it matches ("kms:Decrypt", "kms:?*"). */
  action: string;
  /**
   * A resource ARN, or a pattern meaning every resource it matches ("arn:aws:kms:*:*:key/*" asks
   * about all keys). Omitted: resources are not compared.
   */
  resource?: string;
}

export interface AllowingStatement extends StatementRef {
  /** Principal / NotPrincipal of the grant; both undefined in identity policies. */
  principal?: PrincipalEntry[];
  notPrincipal?: PrincipalEntry[];
  /** The grant only applies when its Condition holds. */
  conditioned: boolean;
  /** Deny statements that overlap the grant without cancelling all of it (conditioned or narrower). */
  limitedBy: StatementRef[];
}

/** Principals a Deny must apply to in order to bind the grant; undefined in identity policies. */
function grantees(allow: NormalizedStatement): PrincipalEntry[] | undefined {
  // Allow + NotPrincipal reaches everyone but the list, so only a Deny on everyone cancels it.
  if (allow.notPrincipal) return [{ type: "*", value: "*" }];
  return allow.principal;
}

function denyReaches(deny: NormalizedStatement, allow: NormalizedStatement, all: boolean): boolean {
  const granted = grantees(allow);
  if (!granted) return true;
  if (all) return granted.every((p) => denyAppliesTo(deny, p));
  // A grant to everyone overlaps a Deny on anyone.
  return granted.some((p) => isPublicPrincipal(p) || denyAppliesTo(deny, p));
}

function matchesQuery(s: NormalizedStatement, q: AccessQuery, full: boolean): boolean {
  if (full) return coversAction(s, q.action) && (q.resource === undefined || coversResource(s, q.resource));
  return overlapsAction(s, q.action) && (q.resource === undefined || overlapsResource(s, q.resource));
}

/**
 * Allow statements granting every action and resource the query names. Grants fully cancelled by an
 * unconditioned Deny (covering the same principals, actions and resources) are dropped; other
 * overlapping Denies are reported in `limitedBy`.
 */
export function statementsAllowing(policy: NormalizedPolicy, query: AccessQuery): AllowingStatement[] {
  const denies = policy.statements.filter((s) => s.effect === "Deny" && matchesQuery(s, query, false));
  const out: AllowingStatement[] = [];
  for (const allow of policy.statements) {
    if (allow.effect !== "Allow" || !matchesQuery(allow, query, true)) continue;
    const cancelled = denies.some(
      (d) => !hasCondition(d) && matchesQuery(d, query, true) && denyReaches(d, allow, true),
    );
    if (cancelled) continue;
    const grant: AllowingStatement = {
      ...statementRef(allow),
      conditioned: hasCondition(allow),
      limitedBy: denies.filter((d) => denyReaches(d, allow, false)).map(statementRef),
    };
    if (allow.principal) grant.principal = allow.principal;
    if (allow.notPrincipal) grant.notPrincipal = allow.notPrincipal;
    out.push(grant);
  }
  return out;
}
