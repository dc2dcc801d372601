// One SDK client per (account, region, service), created on demand and dropped when that
// account-region is done, all sharing one HTTP handler whose agent is sized for the global
// concurrency — memory follows the concurrency, not the size of the organisation.
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit, { type LimitFunction } from "p-limit";
import {
  callAws,
  DEFAULT_RETRY,
  newStats,
  type CallScope,
  type CallStats,
  type RetryPolicy,
} from "./call.js";
import { AdaptiveLimiter } from "./limiter.js";
import { DEFAULT_RATE_SHARE, pacedRate, quotaScope } from "../model/quotas.js";
import { clientClass, type ClientOf, type ServiceName } from "./services.js";

export interface ClientFactoryOptions {
  /** In-flight API calls across the whole scan. */
  concurrency: number;
  /** Explicit endpoint (--endpoint-url); AWS_ENDPOINT_URL[_SERVICE] is honoured by the SDK itself (see legacyEnvEndpoint). */
  endpoint?: string;
  /**
   * Explicit pacing: "service" (each of the service's buckets) or "service:Operation" (that API
   * alone). Everything else is paced at `rateShare` of AWS's quota for the bucket it spends.
   */
  rates?: Partial<Record<string, { ratePerSecond: number; burst: number }>>;
  /** Share of each AWS quota the scan takes (default DEFAULT_RATE_SHARE). */
  rateShare?: number;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Per-request socket timeout. */
  requestTimeoutMs?: number;
  /**
   * S3 with path-style requests: whether any endpoint is configured, including a profile's
   * endpoint_url (src/aws/profile.ts). Absent: the flag and AWS_ENDPOINT_URL* decide.
   */
  s3PathStyle?: boolean;
}

export interface ScopeStats extends CallStats {
  /** Calls by operation name ("DescribeVolumes"). */
  byOperation: Map<string, number>;
}

/** Is any custom endpoint configured (flag or AWS_ENDPOINT_URL*)? S3 then needs path-style. */
export function customEndpointConfigured(endpoint: string | undefined, service: string): boolean {
  return Boolean(
    endpoint || process.env.AWS_ENDPOINT_URL || process.env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`],
  );
}

/**
 * Clients too old to read AWS_ENDPOINT_URL[_<SERVICE>] themselves, and their service's variable
 * suffix: @aws-sdk/client-cloudhsm-v2 is pinned at 3.332.0 (the newest the registry offers here),
 * which predates configured endpoints. Without this a test or demo pointed at the simulator by the
 * environment would send CloudHSM calls to real AWS.
 */
const LEGACY_ENDPOINT_ENV: Partial<Record<ServiceName, string>> = { cloudhsm: "CLOUDHSM_V2" };

/** The endpoint the environment configures for a legacy client, as newer SDK clients resolve it. */
export function legacyEnvEndpoint(service: ServiceName, env = process.env): string | undefined {
  const suffix = LEGACY_ENDPOINT_ENV[service];
  if (!suffix || env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === "true") return undefined;
  return env[`AWS_ENDPOINT_URL_${suffix}`] || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * Services some of whose operations resolve their endpoint from the request (S3's bucket, DynamoDB's
 * table ARN): their clients resolve the middleware stack and make a signer (reuseSigner) for
 * every call, as the SDK does by default. The others cache the stack per
 * command (`cacheMiddleware`, 15–20% of the SDK's CPU per call): the cached handler shares one
 * context between a command's concurrent calls, and what a call writes there (endpoint, signing
 * region and name, the identity chosen) is then the same for every call of that client, since
 * their endpoint parameters are the client's region and endpoint alone and their identity comes
 * from the one provider. test/aws/clients.test.ts checks this list against the SDK's commands.
 */
export const INPUT_DEPENDENT_ENDPOINTS: ReadonlySet<ServiceName> = new Set(["s3", "dynamodb"]);

export class ClientFactory {
  readonly global: CallStats = newStats();
  private readonly handler: NodeHttpHandler;
  private readonly concurrency: LimitFunction;
  private readonly limiters = new Map<string, AdaptiveLimiter>();
  private readonly retry: RetryPolicy;

  constructor(private readonly opts: ClientFactoryOptions) {
    const agentOpts = {
      keepAlive: true,
      maxSockets: opts.concurrency,
      maxFreeSockets: Math.min(opts.concurrency, 64),
    };
    this.handler = new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOpts),
      httpsAgent: new HttpsAgent(agentOpts),
      connectionTimeout: 10_000,
      requestTimeout: opts.requestTimeoutMs ?? 60_000,
    });
    this.concurrency = pLimit(opts.concurrency);
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
  }

  /** A client cache for one account; clients are paced per (account, region, service). */
  session(accountId: string, credentials: AwsCredentialIdentityProvider): ClientSession {
    return new ClientSession(this, accountId, credentials);
  }

  /** @internal */
  create<S extends ServiceName>(
    service: S,
    accountId: string,
    region: string,
    credentials: AwsCredentialIdentityProvider,
    stats: ScopeStats,
  ): ClientOf<S> {
    const Ctor = clientClass(service);
    const endpoint = this.opts.endpoint ?? legacyEnvEndpoint(service);
    const config = {
      region,
      credentials,
      maxAttempts: 1, // retries are ours: see call.ts
      requestHandler: this.handler,
      ...(INPUT_DEPENDENT_ENDPOINTS.has(service) ? {} : { cacheMiddleware: true }),
      ...(endpoint ? { endpoint } : {}),
      ...(service === "s3" && (this.opts.s3PathStyle ?? customEndpointConfigured(this.opts.endpoint, "s3"))
        ? { forcePathStyle: true }
        : {}),
    };
    const client = new Ctor(config);
    if (!INPUT_DEPENDENT_ENDPOINTS.has(service)) reuseSigner(client);
    // One scope per operation, made on its first call: paced as AWS meters it (src/model/quotas.ts).
    const scopes = new Map<string, CallScope>();
    /** Operation names by command name: the regex runs once per operation, not per call. */
    const ops = new Map<string | undefined, string>();
    const opOf = (commandName: string | undefined): string => {
      let op = ops.get(commandName);
      if (op === undefined) {
        op = String(commandName ?? "Unknown").replace(/Command$/, "");
        ops.set(commandName, op);
      }
      return op;
    };
    const scopeOf = (op: string): CallScope => {
      let scope = scopes.get(op);
      if (!scope) {
        scope = {
          limiter: this.limiter(accountId, region, service, op),
          // STS mints credentials that requests already holding a concurrency slot may be waiting
          // for (a mid-scan refresh): limiting it too would deadlock. Its calls are few and paced.
          concurrency: service === "sts" ? unlimited : this.concurrency,
          stats: [this.global, stats],
          retry: this.retry,
          ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        };
        scopes.set(op, scope);
      }
      return scope;
    };
    // Pace and retry every request, including those sent by paginators.
    (client as unknown as MiddlewareHost).middlewareStack.add(
      (next, context) => (args) => {
        const op = opOf(context.commandName);
        stats.byOperation.set(op, (stats.byOperation.get(op) ?? 0) + 1);
        return callAws(scopeOf(op), op, () => next(args));
      },
      { step: "build", name: "dpscanPacing", priority: "low" },
    );
    return client;
  }

  /**
   * How an operation is paced: an explicit rate for the operation gives it a limiter of its own;
   * otherwise it shares AWS's bucket, at the service's explicit rate or at `rateShare` of the quota.
   */
  pacing(service: ServiceName, op: string): { bucket: string; ratePerSecond: number; burst: number } {
    const opKey = `${service}:${op}`;
    const own = this.opts.rates?.[opKey];
    if (own) return { bucket: opKey, ...own };
    const scope = quotaScope(service, op);
    const rate =
      this.opts.rates?.[service] ?? pacedRate(scope.quota, this.opts.rateShare ?? DEFAULT_RATE_SHARE);
    return { bucket: scope.key, ...rate };
  }

  /** The limiter of an operation's bucket in (account, region): made on first use. */
  private limiter(accountId: string, region: string, service: ServiceName, op: string): AdaptiveLimiter {
    const { bucket, ...rate } = this.pacing(service, op);
    const key = `${accountId}/${region}/${bucket}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new AdaptiveLimiter(rate);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /** Forget an account's limiters once it is done (bounded memory for 10k accounts). */
  release(accountId: string): void {
    for (const k of this.limiters.keys()) if (k.startsWith(`${accountId}/`)) this.limiters.delete(k);
  }

  destroy(): void {
    this.handler.destroy();
  }
}

interface SignerHost {
  config: { signer?: (scheme?: { signingName?: string; signingRegion?: string }) => Promise<unknown> };
}

/**
 * The SDK makes a new SigV4 signer for every request (a copy of the whole client config, and the
 * signing key derived again: four HMACs). Its first one already fixes the client's signing region
 * and name for the next ones, and a signer caches keys by date, region, service and credentials:
 * one per client and auth scheme signs every request exactly as a fresh one would.
 */
function reuseSigner(client: unknown): void {
  const config = (client as SignerHost).config;
  const make = config.signer;
  if (typeof make !== "function") return;
  const made = new Map<string, Promise<unknown>>();
  config.signer = (scheme) => {
    const key = `${scheme?.signingName ?? ""}|${scheme?.signingRegion ?? ""}`;
    let signer = made.get(key);
    if (!signer) {
      signer = make(scheme);
      made.set(key, signer);
      signer.catch(() => made.delete(key)); // a failed one is made again on the next request
    }
    return signer;
  };
}

const unlimited = (<T>(fn: () => Promise<T>): Promise<T> => fn()) as unknown as LimitFunction;

interface MiddlewareHost {
  middlewareStack: {
    add(
      mw: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      opts: { step: string; name: string; priority: string },
    ): void;
  };
}

export class ClientSession {
  private readonly clients = new Map<string, unknown>();
  readonly stats = new Map<string, ScopeStats>();

  constructor(
    private readonly factory: ClientFactory,
    readonly accountId: string,
    readonly credentials: AwsCredentialIdentityProvider,
  ) {}

  client<S extends ServiceName>(service: S, region: string): ClientOf<S> {
    const key = `${region}/${service}`;
    let c = this.clients.get(key) as ClientOf<S> | undefined;
    if (!c) {
      c = this.factory.create(
        service,
        this.accountId,
        region,
        this.credentials,
        this.statsFor(region, service),
      );
      this.clients.set(key, c);
    }
    return c;
  }

  statsFor(region: string, service: ServiceName): ScopeStats {
    const key = `${region}/${service}`;
    let s = this.stats.get(key);
    if (!s) {
      s = { ...newStats(), byOperation: new Map() };
      this.stats.set(key, s);
    }
    return s;
  }

  /** Drop this account's clients (the shared HTTP handler stays). */
  close(): void {
    this.clients.clear();
    this.factory.release(this.accountId);
  }
}
