// Action and resource sets of a statement. Queries may be concrete ("kms:Decrypt") or patterns
// meaning "every action/resource the pattern matches" ("kms:?*", "arn:aws:kms:*:*:key/*").
// Actions compare case-insensitively, resources (ARNs) case-sensitively, as IAM does.

import { globIncluded, globMatch, globsIntersect } from "./glob.js";
import type { NormalizedStatement } from "./types.js";

export type ActionSet = Pick<NormalizedStatement, "action" | "notAction">;
export type ResourceSet = Pick<NormalizedStatement, "resource" | "notResource">;

/** Does the action pattern match the action (`kms:*crypt*` vs `KMS:Decrypt`)? */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatch(pattern, action, true);
}

function covers(
  positive: string[] | undefined,
  negative: string[] | undefined,
  query: string,
  ic: boolean,
): boolean {
  if (positive) return globIncluded(query, positive, ic);
  if (negative) return !negative.some((n) => globsIntersect(query, n, ic));
  return false;
}

function overlaps(
  positive: string[] | undefined,
  negative: string[] | undefined,
  query: string,
  ic: boolean,
): boolean {
  if (positive) return positive.some((p) => globsIntersect(query, p, ic));
  if (negative) return !globIncluded(query, negative, ic);
  return false;
}

/** Does Action / NotAction grant (or deny) every action matching `action`? */
export function coversAction(set: ActionSet, action: string): boolean {
  return covers(set.action, set.notAction, action, true);
}

/** Does Action / NotAction include at least one action matching `action`? */
export function overlapsAction(set: ActionSet, action: string): boolean {
  return overlaps(set.action, set.notAction, action, true);
}

/**
 * Does Action / NotAction cover every action of `service` ("kms")? True for `kms:*`, `*`, `*:*`,
 * `k*`; false for `kms:Create*`; true for NotAction ["s3:*"]; false for NotAction ["kms:Decrypt"].
 */
export function coversAllActionsOf(set: ActionSet, service: string): boolean {
  // Action names are never empty, hence `?*` rather than `*`.
  return coversAction(set, `${service}:?*`);
}

/** Does Resource / NotResource include every resource matching `resource`? No element = all. */
export function coversResource(set: ResourceSet, resource: string): boolean {
  if (!set.resource && !set.notResource) return true;
  return covers(set.resource, set.notResource, resource, false);
}

/** Does Resource / NotResource include at least one resource matching `resource`? */
export function overlapsResource(set: ResourceSet, resource: string): boolean {
  if (!set.resource && !set.notResource) return true;
  return overlaps(set.resource, set.notResource, resource, false);
}
