import { parsePolicy } from "../../src/policy/index.js";
import type { NormalizedPolicy } from "../../src/policy/index.js";

/** Parses a policy that the test expects to be valid. */
export function policy(input: unknown): NormalizedPolicy {
  const result = parsePolicy(input);
  if (!result.ok) throw new Error(`fixture did not parse: ${result.error}`);
  return result.policy;
}

/** Parses and returns the error of a policy the test expects to be rejected. */
export function parseError(input: unknown): string {
  const result = parsePolicy(input);
  if (result.ok) throw new Error("fixture unexpectedly parsed");
  return result.error;
}
