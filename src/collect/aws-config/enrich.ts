// --enrich: the KMS facts AWS Config does not record (key policy, rotation status, aliases), read
// from KMS in each key's own account and region and added to the aggregator's records before they
// are stored. The readers are the KMS collector's (kms-details.ts): same shapes, same markers.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit, { type LimitFunction } from "p-limit";
import type { ClientFactory, ClientSession } from "../../aws/clients.js";
import { classifyError } from "../../aws/errors.js";
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
  type KmsDetailContext,
} from "../kms-details.js";

/** Coverage operation of an account whose KMS facts could not be read at all (no role, AssumeRole failed). */
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
  /** Per-key KMS calls in flight. */
  detailConcurrency: number;
}

type Access = { ok: true; credentials: AwsCredentialIdentityProvider } | { ok: false };

type KeyTally = { accountId: string; region: string; operation: string };

export class KeyEnricher {
  keys = 0;
  private readonly access = new Map<string, Promise<Access>>();
  private readonly sessions = new Lru<string, ClientSession>(SESSION_CACHE, (s) => s.close());
  // Evicted regions are listed again if more of their keys come later: correct, a few calls more.
  private readonly aliases = new Lru<string, Promise<AliasIndex>>(ALIAS_CACHE);
  private readonly tallies = new TallyBook<KeyTally>();
  private readonly gaps: CoverageInput[] = [];
  private readonly limit: LimitFunction;

  constructor(private readonly input: EnrichInput) {
    this.limit = pLimit(input.detailConcurrency);
  }

  /** The records with KeyPolicy, KeyRotationStatus and Aliases added where they could be asked. */
  async enrich(records: ResourceRecord[]): Promise<ResourceRecord[]> {
    return Promise.all(
      records.map(async (r) => {
        const access = await this.accessFor(r.awsAccountId);
        if (!access.ok) return r; // no role: facts stay absent (a coverage gap is recorded once)
        return this.limit(async () => {
          try {
            return await this.enrichKey(r, access.credentials);
          } catch (err) {
            // Not an AWS answer (those become markers): keep the record as Config has it, and say so.
            if (this.input.signal.aborted) throw err;
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

  /** Coverage rows so far (cumulative; upserted with the KMS unit). */
  rows(): CoverageInput[] {
    const rows: CoverageInput[] = this.tallies.all().map((t) => ({
      accountId: t.accountId,
      region: t.region,
      service: "kms",
      operation: t.operation,
      // Per-key facts: a failure is a marker on each key, not a hidden type.
      scope: "region",
      resourceTypes: [],
      ...tallyOutcome(t),
      apiCalls: t.calls,
      startedAt: t.startedAt,
      finishedAt: new Date().toISOString(),
    }));
    return [...rows, ...this.gaps];
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private async enrichKey(
    r: ResourceRecord,
    credentials: AwsCredentialIdentityProvider,
  ): Promise<ResourceRecord> {
    this.input.signal.throwIfAborted();
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

  /** Credentials per account, probed once: a role that cannot be assumed is one gap row, not one per key. */
  private accessFor(accountId: string): Promise<Access> {
    let p = this.access.get(accountId);
    if (!p) {
      p = this.probe(accountId);
      this.access.set(accountId, p);
    }
    return p;
  }

  private async probe(accountId: string): Promise<Access> {
    const { input } = this;
    if (accountId === input.callerAccountId)
      return { ok: true, credentials: input.callerSession.credentials };
    const gap = (status: "denied" | "failed", code: string, message: string): Access => {
      this.gaps.push({
        accountId,
        region: input.homeRegion,
        service: "kms",
        operation: ENRICH_OPERATION,
        status,
        scope: "account",
        resourceTypes: [],
        errorCode: code,
        errorMessage: `${message}: KeyPolicy, KeyRotationStatus and Aliases of its keys not collected`,
        finishedAt: new Date().toISOString(),
      });
      return { ok: false };
    };
    const credentials = input.credentialsFor(accountId);
    if (!credentials) return gap("denied", "NoCredentials", `no role to read KMS in account ${accountId}`);
    try {
      await credentials();
      return { ok: true, credentials };
    } catch (err) {
      if (input.signal.aborted) throw err;
      const c = classify(err);
      return gap(coverageStatus(c), c.code, `cannot get credentials for ${accountId}: ${c.message}`);
    }
  }

  private session(accountId: string, credentials: AwsCredentialIdentityProvider): ClientSession {
    if (accountId === this.input.callerAccountId) return this.input.callerSession;
    return this.sessions.getOrSet(accountId, () => this.input.factory.session(accountId, credentials));
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

  /** The runner's unit/detail semantics, recorded per (account, region, operation). */
  private context(accountId: string, region: string): KmsDetailContext {
    return tallyingCalls(
      (_service, operation) => this.tallies.of({ accountId, region, operation }),
      this.input.signal,
    );
  }
}
