// Key policies that grant every kms: action to someone other than the key's own account.

import { analyzeGrants, type GrantsResult, type PolicyGrant } from "./grants.js";
import type { NormalizedPolicy } from "./types.js";

export type KmsWildcardGrant = PolicyGrant;
export type KeyPolicyWildcardResult = GrantsResult;

/**
 * Allow statements granting every kms: action to a principal other than the key account's root.
 * The default key policy statement (`{"AWS": "arn:aws:iam::ACCOUNT:root"}`, `kms:*`) is not a
 * finding. Unconditioned Deny statements covering all kms: actions cancel the principals they name,
 * but only if they apply to this key: Resource "*" (or none), or one covering `keyArn` when given.
 */
export function analyzeKeyPolicyWildcardGrants(
  policy: NormalizedPolicy,
  keyAccountId: string,
  keyArn?: string,
): KeyPolicyWildcardResult {
  return analyzeGrants(policy, {
    actions: ["kms:*"],
    account: keyAccountId,
    ...(keyArn !== undefined ? { resource: keyArn } : {}),
  });
}
