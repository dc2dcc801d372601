// Does a bucket policy deny every request that does not use TLS (aws:SecureTransport = false)?

import { analyzeRequiredDeny, type DenyCandidate, type DenyResult } from "./deny.js";
import type { NormalizedPolicy } from "./types.js";

export type SecureTransportCandidate = DenyCandidate;
export type SecureTransportResult = DenyResult;

export interface SecureTransportOptions {
  /** ARN partition of the bucket: "aws" (default), "aws-cn", "aws-us-gov". */
  partition?: string;
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
  return analyzeRequiredDeny(policy, {
    actions: ["s3:*"],
    resources: [bucketArn, `${bucketArn}/*`],
    when: { key: "aws:SecureTransport", value: "false" },
  });
}
