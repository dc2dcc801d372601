// --enrich: facts AWS Config does not record, read in each resource's own account and region and
// added to the aggregator's records before they are stored — KMS keys' policy, rotation status and
// aliases here (the KMS collector's readers, kms-details.ts), DB instances' TLS enforcement in
// enrich-rds.ts (the RDS collector's, rds-tls.ts): same shapes, same markers as the API path.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit, { type LimitFunction } from "p-limit";
import type { ClientFactory, ClientSession } from "../../aws/clients.js";
import { classifyError } from "../../aws/errors.js";
import type { ServiceName } from "../../aws/services.js";
import type { CoverageInput } from "../../model/coverage.js";
import type { JsonObject, ResourceRecord } from "../../model/resource.js";
import { Lru } from "../../util/lru.js";
import { classify, coverageStatus, TallyBook, tallyingCalls, tallyOutcome } from "../coverage.js";
import {
  aliasesOf,
  readAliasIndex,
  readKeyPolicy,
  readRotationStatus,
  rotationApplies,
  rotationInputsFromConfiguration,
  type AliasIndex,
} from "../kms-details.js";
import type { CollectorContext } from "../types.js";

/** Coverage operation of an account whose facts could not be read at all (no role, AssumeRole failed). */
export const ENRICH_OPERATION = "Enrich";

/** Bounded caches: memory follows the concurrency, not the number of accounts. */
const SESSION_CACHE = 16;
const ALIAS_CACHE = 64;

export interface EnrichInput {
  factory: ClientFactory;
  /** The caller's own account is read with the caller's session. */
  callerSession: ClientSession;
  callerAccountId: string;
  /** The aggregator's region: where an account's "no access" row is recorded. */
  homeRegion: string;
  signal: AbortSignal;
  /** Credentials for another account (a role); undefined: no role, the facts stay absent. */
  credentialsFor(accountId: string): AwsCredentialIdentityProvider | undefined;
  /** Per-record calls in flight. */
  detailConcurrency: number;
}

type Access =
  | { ok: true; credentials: AwsCredentialIdentityProvider }
  | { ok: false; status: "denied" | "failed"; code: string; message: string };

/**
 * Credentials and sessions per account, shared by every enricher of a scan: each account is probed
 * once (one AssumeRole), however many types and records are enriched in it.
 */
export class EnrichAccess {
  private readonly access = new Map<string, Promise<Access>>();
  private readonly sessions = new Lru<string, ClientSession>(SESSION_CACHE, (s) => s.close());

  constructor(readonly input: EnrichInput) {}

  accessFor(accountId: string): Promise<Access> {
    let p = this.access.get(accountId);
    if (!p) {
      p = this.probe(accountId);
      this.access.set(accountId, p);
    }
    return p;
  }

  session(accountId: string, credentials: AwsCredentialIdentityProvider): ClientSession {
    if (accountId === this.input.callerAccountId) return this.input.callerSession;
    return this.sessions.getOrSet(accountId, () => this.input.factory.session(accountId, credentials));
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private async probe(accountId: string): Promise<Access> {
    const { input } = this;
    if (accountId === input.callerAccountId)
      return { ok: true, credentials: input.callerSession.credentials };
    const credentials = input.credentialsFor(accountId);
    if (!credentials)
      return {
        ok: false,
        status: "denied",
        code: "NoCredentials",
        message: `no role in account ${accountId}`,
      };
    try {
      await credentials();
      return { ok: true, credentials };
    } catch (err) {
      if (input.signal.aborted) throw err;
      const c = classify(err);
      return {
        ok: false,
        status: coverageStatus(c),
        code: c.code,
        message: `cannot get credentials for ${accountId}: ${c.message}`,
      };
    }
  }
}

type EnrichTally = { accountId: string; region: string; operation: string };

/** What the aggregator needs of an enricher of one resource type. */
export interface RecordEnricher {
  enrich(records: ResourceRecord[]): Promise<ResourceRecord[]>;
  /** Coverage rows so far (cumulative; upserted with the type's unit). */
  rows(): CoverageInput[];
}

/**
 * What every enricher does: an account without access is one gap row of its service (not one per
 * record) and its records keep Config's facts only; calls are tallied per (account, region,
 * operation) of one service; a bounded number of records is in flight.
 */
export abstract class AccountEnricher implements RecordEnricher {
  private readonly tallies = new TallyBook<EnrichTally>();
  private readonly gaps = new Map<string, CoverageInput>();
  private readonly limit: LimitFunction;

  /** `facts`: what an account without access goes without, for its gap row. */
  constructor(
    protected readonly access: EnrichAccess,
    private readonly service: ServiceName,
    private readonly facts: string,
  ) {
    this.limit = pLimit(access.input.detailConcurrency);
  }

  /** One record completed with the facts this enricher adds. */
  protected abstract enrichOne(
    r: ResourceRecord,
    credentials: AwsCredentialIdentityProvider,
  ): Promise<ResourceRecord>;

  async enrich(records: ResourceRecord[]): Promise<ResourceRecord[]> {
    const { signal } = this.access.input;
    return Promise.all(
      records.map(async (r) => {
        const access = await this.access.accessFor(r.awsAccountId);
        if (!access.ok) {
          this.gap(r.awsAccountId, access);
          return r; // no role: facts stay absent (a coverage gap is recorded once)
        }
        return this.limit(async () => {
          try {
            signal.throwIfAborted();
            return await this.enrichOne(r, access.credentials);
          } catch (err) {
            // Not an AWS answer (those become markers): keep the record as Config has it, and say so.
            if (signal.aborted) throw err;
            const t = this.tallies.of({
              accountId: r.awsAccountId,
              region: r.awsRegion,
              operation: ENRICH_OPERATION,
            });
            t.failed++;
            t.error ??= classifyError(err);
            return r;
          }
        });
      }),
    );
  }

  rows(): CoverageInput[] {
    const rows: CoverageInput[] = this.tallies.all().map((t) => ({
      accountId: t.accountId,
      region: t.region,
      service: this.service,
      operation: t.operation,
      // Per-record facts: a failure is a marker on each record, not a hidden type.
      scope: "region",
      resourceTypes: [],
      ...tallyOutcome(t),
      apiCalls: t.calls,
      startedAt: t.startedAt,
      finishedAt: new Date().toISOString(),
    }));
    return [...rows, ...this.gaps.values()];
  }

  private gap(accountId: string, access: Extract<Access, { ok: false }>): void {
    if (this.gaps.has(accountId)) return;
    const reason =
      access.code === "NoCredentials"
        ? `no role to read ${this.service.toUpperCase()} in account ${accountId}`
        : access.message;
    this.gaps.set(accountId, {
      accountId,
      region: this.access.input.homeRegion,
      service: this.service,
      operation: ENRICH_OPERATION,
      status: access.status,
      scope: "account",
      resourceTypes: [],
      errorCode: access.code,
      errorMessage: `${reason}: ${this.facts} not collected`,
      finishedAt: new Date().toISOString(),
    });
  }

  protected session(accountId: string, credentials: AwsCredentialIdentityProvider): ClientSession {
    return this.access.session(accountId, credentials);
  }

  /** The runner's unit/detail semantics, recorded per (account, region, operation). */
  protected context(accountId: string, region: string): Pick<CollectorContext, "unit" | "detail"> {
    return tallyingCalls(
      (_service, operation) => this.tallies.of({ accountId, region, operation }),
      this.access.input.signal,
    );
  }
}

/** KMS keys: KeyPolicy, KeyRotationStatus and Aliases, read from KMS in each key's own account and region. */
export class KeyEnricher extends AccountEnricher {
  keys = 0;
  // Evicted regions are listed again if more of their keys come later: correct, a few calls more.
  private readonly aliases = new Lru<string, Promise<AliasIndex>>(ALIAS_CACHE);

  constructor(access: EnrichAccess) {
    super(access, "kms", "KeyPolicy, KeyRotationStatus and Aliases of its keys");
  }

  protected enrichOne(
    r: ResourceRecord,
    credentials: AwsCredentialIdentityProvider,
  ): Promise<ResourceRecord> {
    return this.enrichKey(r, credentials);
  }

  private async enrichKey(
    r: ResourceRecord,
    credentials: AwsCredentialIdentityProvider,
  ): Promise<ResourceRecord> {
    this.keys++;
    const client = this.session(r.awsAccountId, credentials).client("kms", r.awsRegion);
    const ctx = this.context(r.awsAccountId, r.awsRegion);
    const keyId = r.resourceId;
    const [policy, rotation, aliases] = await Promise.all([
      readKeyPolicy(ctx, client, keyId),
      rotationApplies(rotationInputsFromConfiguration(r.configuration))
        ? readRotationStatus(ctx, client, keyId)
        : undefined,
      this.aliasIndex(r.awsAccountId, r.awsRegion, credentials),
    ]);
    const supplementary: JsonObject = {
      ...r.supplementaryConfiguration,
      KeyPolicy: policy,
      Aliases: aliasesOf(aliases, keyId),
    };
    if (rotation !== undefined) supplementary.KeyRotationStatus = rotation;
    return { ...r, supplementaryConfiguration: supplementary };
  }

  private aliasIndex(
    accountId: string,
    region: string,
    credentials: AwsCredentialIdentityProvider,
  ): Promise<AliasIndex> {
    return this.aliases.getOrSet(`${accountId}/${region}`, () =>
      readAliasIndex(
        this.context(accountId, region),
        this.session(accountId, credentials).client("kms", region),
      ),
    );
  }
}
