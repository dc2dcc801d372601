// The contract between the simulator's HTTP core (src/sim/wire/server.ts) and one AWS service
// (src/sim/services/<name>.ts). The core authenticates the SigV4 request and resolves the caller's
// account, routes it (operation and region), counts the call, applies faults (latency, throttling,
// AccessDenied, transient errors), then hands the request to the service.
import type { CallerIdentity, CredentialAuthority } from "../behaviour/credentials.js";
import type { SimAccount, World } from "../world/types.js";

export interface SimHttpRequest {
  method: string;
  /** Path without the query string, percent-decoded per segment as received. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>; // lower-cased names
  body: Buffer;
}

export interface SimHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface CallContext {
  world: World;
  /** The account the credentials belong to. */
  account: SimAccount;
  /** Region from the SigV4 credential scope. */
  region: string;
  /** The caller's principal ARN (for GetCallerIdentity). */
  callerArn: string;
  /** A request id to put in responses and errors. */
  requestId: string;
  /** Who signed the request (set by the server; STS uses it for AssumeRole and GetCallerIdentity). */
  caller?: CallerIdentity;
  /** Issues and verifies session credentials (set by the server; STS AssumeRole uses it). */
  credentials?: CredentialAuthority;
}

export class SimError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** "Sender" or "Receiver", for query-protocol error bodies. */
    readonly type: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
  }
}

export interface SimService {
  /** SigV4 signing name: ec2, kms, rds, s3, iam, sts, organizations, dynamodb, secretsmanager, config, cloudtrail, cloudhsm. */
  readonly signingName: string;
  /** The operation the request calls (from X-Amz-Target, Action=, or the S3 method/path), or undefined. */
  operation(req: SimHttpRequest): string | undefined;
  /** The resource id a request targets, when AccessDenied rules may name one (e.g. a KMS KeyId). */
  resourceId?(operation: string, req: SimHttpRequest): string | undefined;
  handle(
    operation: string,
    req: SimHttpRequest,
    ctx: CallContext,
  ): SimHttpResponse | Promise<SimHttpResponse>;
  /** Render an error in this service's protocol. */
  error(err: SimError, req: SimHttpRequest, requestId: string): SimHttpResponse;
  /** The throttling error code this service returns (RequestLimitExceeded, ThrottlingException, Throttling, SlowDown, ...). */
  readonly throttleCode: string;
}
