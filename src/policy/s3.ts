// Does a bucket policy deny every request that does not use TLS (aws:SecureTransport = false)?

import { conditionEntries, parseOperator } from "./condition.js";
import type { ConditionEntry } from "./condition.js";
import { coversAllActionsOf, coversResource } from "./match.js";
import { denyAppliesToEveryone } from "./principal.js";
import type { NormalizedPolicy, NormalizedStatement, StatementRef } from "./types.js";
import { describeStatement, statementRef } from "./types.js";

export interface SecureTransportCandidate extends StatementRef {
  /** Why this statement does not enforce TLS. */
  problem: string;
}

export interface SecureTransportResult {
  enforced: boolean;
  /** The enforcing statement when enforced. */
  statement?: StatementRef;
  reason: string;
  /** Deny statements on aws:SecureTransport that fall short, with what is missing. */
  candidates: SecureTransportCandidate[];
}

export interface SecureTransportOptions {
  /** ARN partition of the bucket: "aws" (default), "aws-cn", "aws-us-gov". */
  partition?: string;
}

const SECURE_TRANSPORT = "aws:securetransport";

function isSecureTransportKey(e: ConditionEntry): boolean {
  return e.key.toLowerCase() === SECURE_TRANSPORT;
}

/** `Bool` / `BoolIfExists` (no set qualifier) on aws:SecureTransport with every value `value`. */
function isSecureTransportTest(e: ConditionEntry, value: "true" | "false"): boolean {
  const op = parseOperator(e.operator);
  return (
    isSecureTransportKey(e) &&
    op.base.toLowerCase() === "bool" &&
    op.qualifier === undefined &&
    e.values.length > 0 &&
    e.values.every((v) => v.toLowerCase() === value)
  );
}

function isTlsVersionTest(e: ConditionEntry): boolean {
  return e.key.toLowerCase() === "s3:tlsversion";
}

function describeCondition(e: ConditionEntry): string {
  return `${e.operator} ${e.key}`;
}

/** What stops this Deny-on-insecure-transport from covering everything, or undefined if nothing. */
function shortfall(s: NormalizedStatement, bucketArn: string): string | undefined {
  const where = describeStatement(statementRef(s));
  if (!denyAppliesToEveryone(s)) {
    const who = s.notPrincipal ? "everyone except some principals (NotPrincipal)" : "only some principals";
    return `${where} denies requests without TLS to ${who}; set "Principal": "*" so it applies to every caller.`;
  }
  if (!coversAllActionsOf(s, "s3")) {
    const actions = (s.action ?? s.notAction ?? []).join(", ");
    const form = s.action ? `only for ${actions}` : `for all actions except ${actions}`;
    return `${where} denies requests without TLS ${form}; use "Action": "s3:*".`;
  }
  const missing: string[] = [];
  if (!coversResource(s, bucketArn)) missing.push(bucketArn);
  // Object keys are never empty, so "/?*" asks for every object.
  if (!coversResource(s, `${bucketArn}/?*`)) missing.push(`${bucketArn}/*`);
  if (missing.length > 0) {
    return `${where} denies requests without TLS but does not cover ${missing.join(" and ")}; list both the bucket and its objects in Resource.`;
  }
  const extra = conditionEntries(s).filter((e) => !isSecureTransportTest(e, "false"));
  if (extra.length > 0) {
    return `${where} denies requests without TLS only when ${extra.map(describeCondition).join(" and ")} also holds; remove the extra condition so every plain-HTTP request is denied.`;
  }
  return undefined;
}

/**
 * Enforced iff some Deny applies to all principals and all s3: actions on both the bucket and its
 * objects, conditioned only on Bool/BoolIfExists aws:SecureTransport = false.
 */
export function analyzeSecureTransport(
  policy: NormalizedPolicy,
  bucketName: string,
  options: SecureTransportOptions = {},
): SecureTransportResult {
  const bucketArn = `arn:${options.partition ?? "aws"}:s3:::${bucketName}`;
  const fix = `Add a statement that denies "s3:*" on ${bucketArn} and ${bucketArn}/* to Principal "*" with Condition {"Bool": {"aws:SecureTransport": "false"}}.`;
  if (policy.statements.length === 0) {
    return {
      enforced: false,
      reason: `The bucket policy has no statements, so requests over plain HTTP are not denied. ${fix}`,
      candidates: [],
    };
  }

  const candidates: SecureTransportCandidate[] = [];
  for (const s of policy.statements) {
    if (s.effect !== "Deny" || !conditionEntries(s).some((e) => isSecureTransportTest(e, "false"))) continue;
    const problem = shortfall(s, bucketArn);
    if (problem === undefined) {
      const ref = statementRef(s);
      const reason = `${describeStatement(ref)} denies all S3 actions on ${bucketArn} and its objects to every principal when aws:SecureTransport is false.`;
      return { enforced: true, statement: ref, reason, candidates };
    }
    candidates.push({ ...statementRef(s), problem });
  }

  const first = candidates[0];
  if (first) return { enforced: false, reason: first.problem, candidates };
  const entries = policy.statements.map((s) => ({ s, conditions: conditionEntries(s) }));
  const allowOnTls = entries.find(
    ({ s, conditions }) => s.effect === "Allow" && conditions.some((e) => isSecureTransportTest(e, "true")),
  );
  if (allowOnTls) {
    const where = describeStatement(statementRef(allowOnTls.s));
    return {
      enforced: false,
      reason: `${where} only allows requests when aws:SecureTransport is true; an Allow does not stop other grants (IAM policies, ACLs) from being used over plain HTTP. ${fix}`,
      candidates,
    };
  }
  const tls = entries.find(({ s, conditions }) => s.effect === "Deny" && conditions.some(isTlsVersionTest));
  if (tls) {
    const where = describeStatement(statementRef(tls.s));
    return {
      enforced: false,
      reason: `${where} denies old TLS versions (s3:TlsVersion) but requests over plain HTTP are still not denied. ${fix}`,
      candidates,
    };
  }
  return {
    enforced: false,
    reason: `No statement denies requests where aws:SecureTransport is false. ${fix}`,
    candidates,
  };
}
