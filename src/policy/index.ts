// IAM policy-document analysis: parsing, matching, and the analyses rules build on.

export { MAX_POLICY_BYTES, locateJsonError } from "./json.js";
export type { JsonSyntaxError } from "./json.js";
export { parsePolicy } from "./parse.js";
export type * from "./types.js";
export { describeStatement, statementRef } from "./types.js";
export { GlobLimitError, globIncluded, globMatch, globsIntersect } from "./glob.js";
export {
  actionMatches,
  coversAction,
  coversAllActionsOf,
  coversResource,
  overlapsAction,
  overlapsResource,
} from "./match.js";
export type { ActionSet, ResourceSet } from "./match.js";
export {
  accountOf,
  denyAppliesTo,
  denyAppliesToEveryone,
  isAccountRoot,
  isPublicPrincipal,
  isServicePrincipal,
  principalAccount,
  samePrincipal,
} from "./principal.js";
export {
  RESTRICTING_CONDITION_KEYS,
  conditionEntries,
  hasCondition,
  hasRestrictingCondition,
  isRestrictingCondition,
  parseOperator,
  restrictingConditions,
} from "./condition.js";
export type { ConditionEntry, ParsedOperator } from "./condition.js";
export { GRANT_CLASSES, actionQuery, analyzeGrants, heldTogether, worstClass } from "./grants.js";
export type { GrantClass, GrantQuery, GrantsResult, HeldTogether, PolicyGrant } from "./grants.js";
export { analyzeKeyPolicyWildcardGrants } from "./kms.js";
export type { KeyPolicyWildcardResult, KmsWildcardGrant } from "./kms.js";
export { analyzeRequiredDeny } from "./deny.js";
export type { DenyCandidate, DenyQuery, DenyResult } from "./deny.js";
export { analyzeSecureTransport } from "./s3.js";
export type { SecureTransportCandidate, SecureTransportOptions, SecureTransportResult } from "./s3.js";
export { statementsAllowing } from "./allowing.js";
export type { AccessQuery, AllowingStatement } from "./allowing.js";
export { analyzeIdentityGrants } from "./identity.js";
export type { IdentityGrant, IdentityQuery } from "./identity.js";
