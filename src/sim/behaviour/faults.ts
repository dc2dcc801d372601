// Faults the simulator injects so dpscan meets what a real scan meets: latency, AWS-like token
// bucket throttling, AccessDenied, transient 5xx, disabled opt-in regions, and the exact error code
// and HTTP status each protocol uses for them. Everything random comes from a PRNG seeded by the
// world seed, so a run is reproducible given the same call order.
import type { SimHttpRequest } from "../wire/service.js";
import { SimError } from "../wire/service.js";
import { queryParams } from "../wire/protocol-query.js";
import type { AccessDeniedRule, LatencySpec, World } from "../world/types.js";
import { quotaScope, type Quota, type QuotaScope } from "../../model/quotas.js";

export type WireProtocol = "ec2" | "query" | "json" | "rest-xml";

const PROTOCOLS: Record<string, WireProtocol> = {
  ec2: "ec2",
  rds: "query",
  iam: "query",
  sts: "query",
  elasticloadbalancing: "query",
  s3: "rest-xml",
};

/** The wire protocol of a service by its SigV4 signing name (JSON for the rest of ours). */
export function protocolOf(signingName: string): WireProtocol {
  return PROTOCOLS[signingName] ?? "json";
}

/** Services with one global endpoint: region-independent scopes and no disabled-region check. */
export const GLOBAL_SERVICES: ReadonlySet<string> = new Set(["iam", "organizations"]);

// ---------------------------------------------------------------------------------------------
// Quotas

// AWS's default quotas are in src/model/quotas.ts: the simulator meters by the table dpscan paces by.
export type { Quota };
export type ThrottleScope = QuotaScope;

/** The quota a call spends in this world: its overrides (`faults.throttling.overrides`) first. */
export function throttleScope(
  world: World,
  service: string,
  operation: string,
  variant?: "unpaginated",
): ThrottleScope {
  return quotaScope(service, operation, variant, world.faults.throttling?.overrides ?? {});
}

/** EC2's cheaper bucket for unfiltered, unpaginated DescribeVolumes/DescribeSnapshots. */
export function throttleVariant(
  service: string,
  operation: string,
  req: SimHttpRequest,
): "unpaginated" | undefined {
  if (service !== "ec2" || (operation !== "DescribeVolumes" && operation !== "DescribeSnapshots"))
    return undefined;
  const p = queryParams(req);
  const idKey = operation === "DescribeVolumes" ? "VolumeId" : "SnapshotId";
  if (p.has("MaxResults") || p.has("NextToken") || p.hasAny("Filter") || p.hasAny(idKey)) return undefined;
  return "unpaginated";
}

/** Continuous-refill token buckets keyed by (scope, account, region). */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number; quota: Quota }>();
  private takes = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Spend one token; false when the bucket is empty (the call is throttled). */
  take(key: string, quota: Quota): boolean {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: quota.capacity, at: t, quota };
      this.buckets.set(key, b);
    }
    b.quota = quota; // overrides may change between calls
    b.tokens = Math.min(quota.capacity, b.tokens + ((t - b.at) / 1000) * quota.refillPerSecond);
    b.at = t;
    if (++this.takes % 4096 === 0) this.sweep(t);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return false;
  }

  get size(): number {
    return this.buckets.size;
  }

  // A bucket idle long enough to be full again is the same as a new one: drop it so memory stays
  // proportional to the scopes in active use, not to accounts x regions x APIs ever called.
  private sweep(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * b.quota.refillPerSecond >= b.quota.capacity)
        this.buckets.delete(k);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Randomness

/** mulberry32: small, fast, good enough for fault injection; deterministic per seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One latency draw in ms from a spec (0 without one). */
export function drawLatency(spec: LatencySpec | undefined, rand: () => number): number {
  if (!spec) return 0;
  switch (spec.distribution) {
    case "fixed":
      return Math.max(0, spec.value ?? 0);
    case "uniform": {
      const min = spec.min ?? 0;
      const max = spec.max ?? min;
      return Math.max(0, min + (max - min) * rand());
    }
    case "normal": {
      // Box–Muller; clamp at 0 (a network never answers before it is asked).
      const u = Math.max(rand(), 1e-12);
      const v = rand();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      return Math.max(0, (spec.mean ?? 0) + (spec.stddev ?? 0) * z);
    }
  }
}

/** The expected latency of a spec in ms (used by the lower-bound model). */
export function meanLatency(spec: LatencySpec | undefined): number {
  if (!spec) return 0;
  switch (spec.distribution) {
    case "fixed":
      return Math.max(0, spec.value ?? 0);
    case "uniform":
      return Math.max(0, ((spec.min ?? 0) + (spec.max ?? spec.min ?? 0)) / 2);
    case "normal":
      return Math.max(0, spec.mean ?? 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Errors per protocol

export type AuthFailureKind =
  | "missing-auth"
  | "unknown-key"
  | "invalid-token"
  | "bad-signature"
  | "expired"
  | "disabled-region"
  | "payload-hash";

const SIG_MESSAGE =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN = "The security token included in the request is invalid.";
const EXPIRED_TOKEN = "The security token included in the request is expired";
const PAYLOAD_HASH = "The provided 'x-amz-content-sha256' header does not match what was computed.";

/** An error as AWS words it: code, message, HTTP status. */
type AwsError = readonly [code: string, message: string, status: number];

const EC2_AUTH_FAILURE: AwsError = [
  "AuthFailure",
  "AWS was not able to validate the provided access credentials",
  401,
];

/** unknown-key, invalid-token, disabled-region: the credentials are not valid *here*. */
const NOT_VALID_HERE: Record<WireProtocol, AwsError> = {
  ec2: EC2_AUTH_FAILURE,
  "rest-xml": [
    "InvalidAccessKeyId",
    "The AWS Access Key Id you provided does not exist in our records.",
    403,
  ],
  query: ["InvalidClientTokenId", INVALID_TOKEN, 403],
  json: ["UnrecognizedClientException", INVALID_TOKEN, 400],
};

/** Per failure and protocol, what AWS answers. */
const AUTH_ERRORS: Record<AuthFailureKind, Record<WireProtocol, AwsError>> = {
  "payload-hash": {
    ec2: ["InvalidSignatureException", PAYLOAD_HASH, 400],
    "rest-xml": ["XAmzContentSHA256Mismatch", PAYLOAD_HASH, 400],
    query: ["InvalidSignatureException", PAYLOAD_HASH, 400],
    json: ["InvalidSignatureException", PAYLOAD_HASH, 400],
  },
  "missing-auth": {
    ec2: EC2_AUTH_FAILURE,
    "rest-xml": ["AccessDenied", "Access Denied", 403],
    query: ["MissingAuthenticationToken", "Request is missing Authentication Token", 403],
    json: ["MissingAuthenticationTokenException", "Missing Authentication Token", 400],
  },
  expired: {
    // EC2 reports expired session credentials as RequestExpired.
    ec2: ["RequestExpired", "Request has expired.", 400],
    "rest-xml": ["ExpiredToken", "The provided token has expired.", 400],
    query: ["ExpiredToken", EXPIRED_TOKEN, 403],
    json: ["ExpiredTokenException", EXPIRED_TOKEN, 400],
  },
  "bad-signature": {
    ec2: EC2_AUTH_FAILURE,
    "rest-xml": ["SignatureDoesNotMatch", SIG_MESSAGE, 403],
    query: ["SignatureDoesNotMatch", SIG_MESSAGE, 403],
    json: ["InvalidSignatureException", SIG_MESSAGE, 400],
  },
  "unknown-key": NOT_VALID_HERE,
  "disabled-region": NOT_VALID_HERE,
  "invalid-token": {
    ...NOT_VALID_HERE,
    "rest-xml": ["InvalidToken", "The provided token is malformed or otherwise invalid.", 400],
  },
};

/** The error AWS returns for an authentication failure, in the service's protocol. */
export function authError(kind: AuthFailureKind, signingName: string): SimError {
  const [code, message, status] = AUTH_ERRORS[kind][protocolOf(signingName)];
  return new SimError(code, message, status);
}

/** The throttling error for a service, with the HTTP status AWS uses for that code. */
export function throttleError(code: string): SimError {
  switch (code) {
    case "RequestLimitExceeded":
      return new SimError(code, "Request limit exceeded.", 503);
    case "SlowDown":
      return new SimError(code, "Please reduce your request rate.", 503);
    case "TooManyRequestsException":
      return new SimError(
        code,
        "AWS Organizations can't complete your request because the request rate is too high. Try again later.",
        400,
      );
    default:
      return new SimError(code, "Rate exceeded", 400);
  }
}

const DENIED_CODE: Readonly<Record<string, string>> = { cloudhsm: "CloudHsmAccessDeniedException" };

/** AccessDenied in the service's protocol, with AWS's message shape. */
export function accessDeniedError(
  signingName: string,
  operation: string,
  callerArn: string,
  resource?: string,
): SimError {
  const action = `${signingName}:${operation}`;
  const on = resource ? ` on resource: ${resource}` : "";
  const message = `User: ${callerArn} is not authorized to perform: ${action}${on} because no identity-based policy allows the ${action} action`;
  switch (protocolOf(signingName)) {
    case "ec2":
      return new SimError(
        "UnauthorizedOperation",
        `You are not authorized to perform this operation. ${message}`,
        403,
      );
    case "json":
      // CloudHSM names its own (CloudHsmAccessDeniedException); the other JSON services share one.
      return new SimError(DENIED_CODE[signingName] ?? "AccessDeniedException", message, 400);
    default:
      return new SimError("AccessDenied", message, 403);
  }
}

export function transientError(status: 500 | 503): SimError {
  return status === 500
    ? new SimError("InternalError", "We encountered an internal error. Please try again.", 500)
    : new SimError("ServiceUnavailable", "The service is unavailable. Please try again later.", 503);
}

// ---------------------------------------------------------------------------------------------
// The injector the server consults on every authenticated call.

export interface CallFacts {
  service: string;
  operation: string;
  accountId: string;
  region: string;
  callerArn: string;
  throttleCode: string;
  req: SimHttpRequest;
  /** Resolved lazily: only when an AccessDenied rule names a resource. */
  resourceId: () => string | undefined;
}

export type FaultOutcome =
  { kind: "throttled"; error: SimError } | { kind: "error"; error: SimError } | undefined;

export class FaultInjector {
  private readonly latencyRand: () => number;
  private readonly transientRand: () => number;
  readonly buckets: TokenBuckets;

  constructor(
    private readonly world: World,
    opts: { monotonicNow?: () => number } = {},
  ) {
    // Separate streams: turning latency on must not change which calls fail.
    this.latencyRand = prng(world.seed ^ 0x1a7e);
    this.transientRand = prng(world.seed ^ 0x7e57);
    this.buckets = new TokenBuckets(opts.monotonicNow);
  }

  latencyMs(): number {
    return drawLatency(this.world.faults.latency, this.latencyRand);
  }

  /** Throttling, then AccessDenied, then transient errors — a denied call still spends a token. */
  check(call: CallFacts): FaultOutcome {
    const faults = this.world.faults;
    if (faults.throttling?.enabled) {
      const variant = throttleVariant(call.service, call.operation, call.req);
      const scope = throttleScope(this.world, call.service, call.operation, variant);
      const region = GLOBAL_SERVICES.has(call.service) ? "global" : call.region;
      if (!this.buckets.take(`${scope.key}|${call.accountId}|${region}`, scope.quota)) {
        return { kind: "throttled", error: throttleError(call.throttleCode) };
      }
    }
    const rules = faults.accessDenied;
    if (rules && rules.length > 0) {
      let resource: string | undefined;
      let resolved = false;
      for (const rule of rules) {
        if (!ruleMatches(rule, call)) continue;
        if (rule.resourceId !== undefined) {
          if (!resolved) {
            resource = call.resourceId();
            resolved = true;
          }
          if (resource !== rule.resourceId) continue;
        }
        return {
          kind: "error",
          error: accessDeniedError(call.service, call.operation, call.callerArn, rule.resourceId),
        };
      }
    }
    const rate = faults.transientErrorRate ?? 0;
    if (rate > 0 && this.transientRand() < rate) {
      return { kind: "error", error: transientError(this.transientRand() < 0.5 ? 500 : 503) };
    }
    return undefined;
  }
}

function ruleMatches(rule: AccessDeniedRule, call: CallFacts): boolean {
  return (
    (rule.account === undefined || rule.account === call.accountId) &&
    (rule.region === undefined || rule.region === call.region) &&
    (rule.service === undefined || rule.service === call.service) &&
    (rule.operation === undefined || rule.operation === call.operation)
  );
}
