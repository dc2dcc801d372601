// Classify AWS SDK errors once, so every caller agrees on what is a throttle, a transient fault,
// a denial (a coverage gap, never a pass), a disabled region or expired credentials.

export type ErrorKind =
  "throttle" | "transient" | "denied" | "regionDisabled" | "expired" | "notFound" | "other";

export interface ClassifiedError {
  kind: ErrorKind;
  code: string;
  message: string;
  status?: number;
}

const THROTTLE = new Set([
  "RequestLimitExceeded",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "SlowDown",
  "RequestThrottled",
  "RequestThrottledException",
  "EC2ThrottledException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "PriorRequestNotComplete",
]);

const TRANSIENT = new Set([
  "InternalError",
  "InternalFailure",
  "InternalServerError",
  "InternalServiceError",
  "InternalServiceErrorException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "NetworkingError",
]);

const DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnauthorizedAccess",
  "AuthorizationError",
  "AuthorizationErrorException",
  "Forbidden",
  "AWSOrganizationsNotInUseException",
  "CloudHsmAccessDeniedException",
]);

const REGION_DISABLED = new Set([
  "OptInRequired",
  "AuthFailure",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
]);

const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"]);

const NOT_FOUND = /NotFound|^NoSuch/;

/**
 * Server errors that are answers, not faults: 501 (S3's NotImplemented, an AWS-compatible endpoint
 * without the operation) and 505 fail the same way on every retry. The SDK's own retry strategy
 * retries only 500, 502, 503 and 504 for the same reason.
 */
const PERMANENT_STATUS = new Set([501, 505]);
const PERMANENT = new Set(["NotImplemented"]);

export function classifyError(err: unknown): ClassifiedError {
  // Already classified (an AwsCallError from call.ts, possibly rethrown by a credential provider).
  const pre = (err as { error?: Partial<ClassifiedError> } | null)?.error;
  if (pre && typeof pre.kind === "string" && typeof pre.code === "string") return pre as ClassifiedError;
  const e = (err ?? {}) as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
  };
  const code = e.Code ?? e.name ?? e.code ?? "UnknownError";
  const status = e.$metadata?.httpStatusCode;
  const message = (e.message ?? String(err)).slice(0, 500);
  const base = { code, message, ...(status !== undefined ? { status } : {}) };
  if (THROTTLE.has(code) || e.$retryable?.throttling === true || status === 429)
    return { kind: "throttle", ...base };
  if (EXPIRED.has(code)) return { kind: "expired", ...base };
  if (DENIED.has(code)) return { kind: "denied", ...base };
  if (REGION_DISABLED.has(code)) return { kind: "regionDisabled", ...base };
  if (NOT_FOUND.test(code)) return { kind: "notFound", ...base };
  if (PERMANENT.has(code) || (status !== undefined && PERMANENT_STATUS.has(status)))
    return { kind: "other", ...base };
  if (TRANSIENT.has(code) || (status !== undefined && status >= 500)) return { kind: "transient", ...base };
  if (status === 403) return { kind: "denied", ...base };
  return { kind: "other", ...base };
}
