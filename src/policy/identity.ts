// Identity policies (customer-managed, inline): which Allow statements grant every action of a
// pattern on every resource of a pattern, net of Deny statements. They have no Principal: every
// statement is about the identity holding the policy.

import { hasCondition, restrictingConditions, type ConditionEntry } from "./condition.js";
import { actionQuery } from "./grants.js";
import { coversAction, coversResource, overlapsAction, overlapsResource } from "./match.js";
import type { NormalizedPolicy, NormalizedStatement, StatementRef } from "./types.js";
import { statementRef } from "./types.js";

export interface IdentityQuery {
  /** Action patterns; a statement grants when it allows every action one of them matches. */
  actions: readonly string[];
  /** A resource pattern the grant must cover whole ("arn:*:kms:*:*:key/*": every key). */
  resource: string;
}

export interface IdentityGrant extends StatementRef {
  /** The query's patterns this statement grants in full. */
  granted: string[];
  /** Action or NotAction, Resource or NotResource, as written. */
  actions: string[];
  notAction: boolean;
  resources: string[];
  notResource: boolean;
  /** Conditions of the grant (none restricts it to accounts, networks or services). */
  conditions: string[];
}

/** Resource names are never empty, so a pattern ending in "/*" asks for every "/?*". */
const resourceQuery = (r: string): string => (r.endsWith("/*") ? `${r.slice(0, -1)}?*` : r);

const describeCondition = (e: ConditionEntry): string => `${e.operator} ${e.key}`;

/**
 * Allow statements granting every action of one of `actions` on every resource of `resource`.
 * An unconditioned Deny that overlaps the pattern and the resource takes part of the grant away,
 * so it is no longer "every" (a conditioned Deny leaves it whenever its condition fails). An Allow
 * limited by a restricting condition (kms:ViaService, aws:SourceVpce, ...) is not a full grant.
 */
export function analyzeIdentityGrants(policy: NormalizedPolicy, query: IdentityQuery): IdentityGrant[] {
  const resource = resourceQuery(query.resource);
  const patterns = query.actions.map((written) => ({ written, query: actionQuery(written) }));
  const denies = policy.statements.filter(
    (s) => s.effect === "Deny" && !hasCondition(s) && overlapsResource(s, resource),
  );
  const out: IdentityGrant[] = [];
  for (const s of policy.statements) {
    if (s.effect !== "Allow" || !coversResource(s, resource)) continue;
    if (restrictingConditions(s).length > 0) continue;
    const granted = patterns.filter(
      (p) => coversAction(s, p.query) && !denies.some((d) => overlapsAction(d, p.query)),
    );
    if (granted.length > 0)
      out.push(
        grantOf(
          s,
          granted.map((p) => p.written),
        ),
      );
  }
  return out;
}

function grantOf(s: NormalizedStatement, granted: string[]): IdentityGrant {
  return {
    ...statementRef(s),
    granted,
    actions: s.action ?? s.notAction ?? [],
    notAction: s.action === undefined,
    resources: s.resource ?? s.notResource ?? ["*"],
    notResource: s.resource === undefined && s.notResource !== undefined,
    conditions: Object.entries(s.condition).flatMap(([op, keys]) =>
      Object.keys(keys).map((key) => describeCondition({ operator: op, key, values: [] })),
    ),
  };
}
