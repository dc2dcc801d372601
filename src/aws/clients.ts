// One SDK client per (account, region, service), created on demand and dropped when that
// account-region is done, all sharing one HTTP handler whose agent is sized for the global
// concurrency — memory follows the concurrency, not the size of the organisation.
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit, { type LimitFunction } from "p-limit";
import { callAws, DEFAULT_RETRY, newStats, type CallStats, type RetryPolicy } from "./call.js";
import { AdaptiveLimiter } from "./limiter.js";
import { CLIENTS, DEFAULT_RATES, type ClientOf, type ServiceName } from "./services.js";

export interface ClientFactoryOptions {
  /** In-flight API calls across the whole scan. */
  concurrency: number;
  /** Explicit endpoint (--endpoint-url); AWS_ENDPOINT_URL[_SERVICE] is honoured by the SDK itself (see legacyEnvEndpoint). */
  endpoint?: string;
  rates?: Partial<Record<ServiceName, { ratePerSecond: number; burst: number }>>;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Per-request socket timeout. */
  requestTimeoutMs?: number;
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
    const Ctor = CLIENTS[service];
    const endpoint = this.opts.endpoint ?? legacyEnvEndpoint(service);
    const config = {
      region,
      credentials,
      maxAttempts: 1, // retries are ours: see call.ts
      requestHandler: this.handler,
      ...(endpoint ? { endpoint } : {}),
      ...(service === "s3" && customEndpointConfigured(this.opts.endpoint, "s3")
        ? { forcePathStyle: true }
        : {}),
    };
    // The constructors differ only in their config types; this is the one place they meet.
    const client = new (Ctor as unknown as new (c: typeof config) => ClientOf<S>)(config);
    const key = `${accountId}/${region}/${service}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      const rate = this.opts.rates?.[service] ?? DEFAULT_RATES[service];
      limiter = new AdaptiveLimiter(rate);
      this.limiters.set(key, limiter);
    }
    const scope = {
      limiter,
      // STS mints credentials that requests already holding a concurrency slot may be waiting for
      // (a mid-scan refresh): limiting it too would deadlock. Its calls are few and still paced.
      concurrency: service === "sts" ? unlimited : this.concurrency,
      stats: [this.global, stats],
      retry: this.retry,
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    };
    // Pace and retry every request, including those sent by paginators.
    (client as unknown as MiddlewareHost).middlewareStack.add(
      (next, context) => (args) => {
        const op = String(context.commandName ?? "Unknown").replace(/Command$/, "");
        stats.byOperation.set(op, (stats.byOperation.get(op) ?? 0) + 1);
        return callAws(scope, op, () => next(args));
      },
      { step: "build", name: "dpscanPacing", priority: "low" },
    );
    return client;
  }

  /** Forget an account's limiters once it is done (bounded memory for 10k accounts). */
  release(accountId: string): void {
    for (const k of this.limiters.keys()) if (k.startsWith(`${accountId}/`)) this.limiters.delete(k);
  }

  destroy(): void {
    this.handler.destroy();
  }
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
