// The predicate registry: typed, parameterised analyses for what plain comparisons cannot express.
// Each declares its argument schema (published in the rule schema, enforced at load) and the
// classes it can report; it never throws on bad data: an unreadable or unparseable document is
// "unknown" with the reason.
import type { PredicateDef } from "../conditions/index.js";
import { identityPolicyAllows } from "./identity-policy-allows.js";
import { policyAllows } from "./policy-allows.js";
import { policyDenies } from "./policy-denies.js";

export const PREDICATES: ReadonlyMap<string, PredicateDef> = new Map(
  [policyAllows, policyDenies, identityPolicyAllows].map((p) => [p.name, p]),
);
