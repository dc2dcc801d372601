// Principals: public, account root, owning account, service.

import type { NormalizedStatement, PrincipalEntry } from "./types.js";

const ACCOUNT_ID = /^\d{12}$/;
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, partitions aws, aws-cn, aws-us-gov, aws-iso-b...
const ARN = /^arn:(aws(?:-[a-z]+)*):([^:]*):([^:]*):([^:]*):(.+)$/;

/** `"*"` or `{"AWS": "*"}`: anyone, including anonymous callers. */
export function isPublicPrincipal(p: PrincipalEntry): boolean {
  return p.type === "*" || (p.type === "AWS" && p.value === "*");
}

export function isServicePrincipal(p: PrincipalEntry): boolean {
  return p.type === "Service";
}

/** Account a principal value belongs to: a bare account id, or the account field of an ARN. */
export function accountOf(value: string): string | undefined {
  if (ACCOUNT_ID.test(value)) return value;
  const account = ARN.exec(value)?.[4];
  return account !== undefined && ACCOUNT_ID.test(account) ? account : undefined;
}

/** Account of an AWS or Federated principal; undefined for services, canonical users, unique ids. */
export function principalAccount(p: PrincipalEntry): string | undefined {
  return p.type === "AWS" || p.type === "Federated" ? accountOf(p.value) : undefined;
}

/** Is `p` the account itself: `ACCOUNT` or `arn:<partition>:iam::ACCOUNT:root`? */
export function isAccountRoot(p: PrincipalEntry, account: string): boolean {
  if (p.type !== "AWS") return false;
  if (p.value === account) return true;
  const m = ARN.exec(p.value);
  return m !== null && m[2] === "iam" && m[3] === "" && m[4] === account && m[5] === "root";
}

/** Same principal, treating `ACCOUNT` and its root ARN, and `"*"` and `{"AWS":"*"}`, as equal. */
export function samePrincipal(a: PrincipalEntry, b: PrincipalEntry): boolean {
  if (isPublicPrincipal(a) || isPublicPrincipal(b)) return isPublicPrincipal(a) && isPublicPrincipal(b);
  if (a.type !== b.type) return false;
  if (a.value === b.value) return true;
  const account = a.type === "AWS" && ACCOUNT_ID.test(a.value) ? a.value : b.value;
  return ACCOUNT_ID.test(account) && isAccountRoot(a, account) && isAccountRoot(b, account);
}

/**
 * Does a Deny statement apply to principal `p`? A Deny without Principal/NotPrincipal is an
 * identity-policy statement and applies to its holder.
 */
export function denyAppliesTo(
  deny: Pick<NormalizedStatement, "principal" | "notPrincipal">,
  p: PrincipalEntry,
): boolean {
  if (deny.principal) return deny.principal.some((d) => isPublicPrincipal(d) || samePrincipal(d, p));
  // NotPrincipal denies everyone except the list; a public grant still reaches those listed.
  if (deny.notPrincipal) return !isPublicPrincipal(p) && !deny.notPrincipal.some((d) => samePrincipal(d, p));
  return true;
}

/** Does the Deny apply to everyone (Principal "*" / {"AWS":"*"})? */
export function denyAppliesToEveryone(
  deny: Pick<NormalizedStatement, "principal" | "notPrincipal">,
): boolean {
  if (deny.principal) return deny.principal.some(isPublicPrincipal);
  return !deny.notPrincipal;
}
