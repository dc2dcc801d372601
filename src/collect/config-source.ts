// `dpscan scan --source config`: enumerate resources through an AWS Config aggregator
// (SelectAggregateResourceConfig) from the caller's account and home region instead of per-account
// API calls — the way to cover thousands of accounts. Facts Config does not record (a KMS key's
// policy, rotation status, aliases) come from KMS in the key's own account with --enrich, or stay
// absent so rules needing them say UNKNOWN. See docs/collectors/config-source.md.
import { paginateSelectAggregateResourceConfig } from "@aws-sdk/client-config-service";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit, { type LimitFunction } from "p-limit";
import type { ClientFactory, ClientSession } from "../aws/clients.js";
import { classifyError, type ClassifiedError } from "../aws/errors.js";
import type { ServiceName } from "../aws/services.js";
import { ItemError, normalizeItem } from "../model/normalize.js";
import { GLOBAL_REGION, RESOURCE_TYPES, type ResourceType } from "../model/resource-types.js";
import type { JsonObject, ResourceRecord } from "../model/resource.js";
import { NOT_EXAMINED_CODE, unitKey, type CoverageInput } from "../model/coverage.js";
import type { ScanOptions } from "../model/scan-options.js";
import type { Store } from "../store/store.js";
import { classify, newTally, tallyingCalls, tallyOutcome, type Tally } from "./coverage.js";
import {
  aliasesOf,
  readAliasIndex,
  readKeyPolicy,
  readRotationStatus,
  rotationApplies,
  rotationInputsFromConfiguration,
  type AliasIndex,
  type KmsDetailContext,
} from "./kms-details.js";
import type { RunEvents } from "./runner.js";

/** Types AWS Config does not record: never queried, reported as `skipped` so reports show it. */
export const NOT_RECORDED_BY_CONFIG: readonly ResourceType[] = [
  RESOURCE_TYPES.ebsSnapshot,
  RESOURCE_TYPES.ebsEncryptionDefault,
];

/** Every type dpscan knows that Config records, one Select query (and one coverage row) each. */
export const CONFIG_SOURCE_TYPES: readonly ResourceType[] = Object.values(RESOURCE_TYPES).filter(
  (t) => !NOT_RECORDED_BY_CONFIG.includes(t),
);

/** configurationItemStatus is selected too, so deleted and unrecorded items are not judged. */
export const SELECT_FIELDS = [
  "resourceId",
  "resourceName",
  "resourceType",
  "arn",
  "accountId",
  "awsRegion",
  "configuration",
  "supplementaryConfiguration",
  "tags",
  "configurationItemCaptureTime",
  "configurationItemStatus",
] as const;

/** SelectAggregateResourceConfig's largest page (field notes). */
export const SELECT_PAGE = 100;
/** The service's limit on an expression: longer account filters are applied client-side. */
const MAX_EXPRESSION = 4096;
const SERVICE = "config" satisfies ServiceName;
const DELETED = new Set(["ResourceDeleted", "ResourceDeletedNotRecorded"]);
/** Errors that every query of the same aggregator would meet: the rest are not sent. */
const SHARED_FAILURE = (c: ClassifiedError): boolean =>
  c.kind === "denied" || c.code === "NoSuchConfigurationAggregatorException";

export const selectOperation = (t: string): string => `SelectAggregateResourceConfig:${t}`;
/** Items of a type that came back but could not be used (bad JSON, not recorded). */
export const itemOperation = (t: string): string => `ReadItem:${t}`;
/** The scan_units name of a type's query, for --resume. */
export const configUnitName = (t: string): string => `config:${t}`;
/** Coverage operation of an account whose KMS facts could not be read at all (no role, AssumeRole failed). */
export const ENRICH_OPERATION = "Enrich";

/** The scan options the aggregator path reads; `region` is the aggregator's (the home region). */
export type AggregatorOptions = Pick<
  ScanOptions,
  "region" | "aggregator" | "enrich" | "accounts" | "excludeAccounts" | "regions"
>;

export interface ConfigScanInput {
  store: Store;
  scanId: number;
  options: AggregatorOptions;
  factory: ClientFactory;
  /** The caller's session: Select runs with it, and so does enrichment in the caller's own account. */
  callerSession: ClientSession;
  caller: { accountId: string; partition: string };
  signal: AbortSignal;
  events?: RunEvents;
  /** Credentials for enrichment in another account (a role); undefined: no role, the facts stay absent. */
  credentialsFor(accountId: string): AwsCredentialIdentityProvider | undefined;
  /** Types queried at once (Config quotas are low; default 2). */
  typeConcurrency?: number;
  /** Per-key KMS calls in flight (default 8). */
  detailConcurrency?: number;
}

export interface ConfigScanResult {
  /** Distinct accounts with at least one stored record, sorted. */
  accounts: string[];
  /** Records stored. */
  resources: number;
  apiCalls: number;
  throttles: number;
  retries: number;
  /** Types queried in this run, and types skipped because an earlier run of this scan finished them. */
  types: number;
  typesSkippedAsDone: number;
  /** KMS keys whose facts were asked of KMS (each may still carry markers). */
  enrichedKeys: number;
}

export async function configSourceScan(i: ConfigScanInput): Promise<ConfigScanResult> {
  const o = i.options;
  if (!o.aggregator) throw new Error("configSourceScan: options.aggregator is required");
  const owner = i.caller.accountId;
  const home = o.region;
  const startStats = { ...i.factory.global };
  const done = i.store.completedUnits(i.scanId);
  const run: TypeRun = {
    i,
    aggregator: o.aggregator,
    owner,
    home,
    filter: itemFilter(o),
    accountClause: serverAccountFilter(o),
    enricher: o.enrich ? new KeyEnricher(i) : undefined,
    accounts: new Set<string>(),
    shared: undefined,
  };
  const result = { resources: 0, types: 0, typesSkippedAsDone: 0 };

  // Not recorded by Config: say so, rather than show no resources as if none existed.
  i.store.upsertCoverage(
    i.scanId,
    NOT_RECORDED_BY_CONFIG.map((t) => ({
      accountId: owner,
      region: home,
      service: SERVICE,
      operation: selectOperation(t),
      status: "skipped" as const,
      scope: "aggregator" as const,
      resourceTypes: [t],
      errorCode: NOT_EXAMINED_CODE,
      errorMessage: `AWS Config does not record ${t}: not examined with --source config (use --source api)`,
      finishedAt: new Date().toISOString(),
    })),
  );
  i.events?.unitsPlanned?.(owner, CONFIG_SOURCE_TYPES.length);
  const typeLimit = pLimit(i.typeConcurrency ?? 2);
  try {
    await Promise.all(
      CONFIG_SOURCE_TYPES.map((type) =>
        typeLimit(async () => {
          i.signal.throwIfAborted();
          const unit = configUnitName(type);
          if (done.has(unitKey(owner, home, unit))) {
            result.typesSkippedAsDone++;
            i.events?.unitDone?.({ accountId: owner, region: home, collector: unit, resources: 0, gaps: 0 });
            return;
          }
          const stored = await queryType(run, type);
          result.types++;
          result.resources += stored;
        }),
      ),
    );
  } finally {
    run.enricher?.close();
  }
  const g = i.factory.global;
  return {
    accounts: [...run.accounts].sort(),
    resources: result.resources,
    apiCalls: g.calls - startStats.calls,
    throttles: g.throttles - startStats.throttles,
    retries: g.retries - startStats.retries,
    types: result.types,
    typesSkippedAsDone: result.typesSkippedAsDone,
    enrichedKeys: run.enricher?.keys ?? 0,
  };
}

/** What every type's query shares. */
interface TypeRun {
  i: ConfigScanInput;
  aggregator: string;
  owner: string;
  home: string;
  filter: (r: ResourceRecord) => boolean;
  accountClause: string;
  enricher: KeyEnricher | undefined;
  accounts: Set<string>;
  /** A failure every other query of this aggregator would meet too (set by the first to meet it). */
  shared: ClassifiedError | undefined;
}

/** One type: Select all pages, store in batches, commit the unit with its coverage. Returns records sink.count. */
async function queryType(run: TypeRun, type: ResourceType): Promise<number> {
  const { i, owner, home } = run;
  const now = (): string => new Date().toISOString();
  const startedAt = now();
  const enricher = type === RESOURCE_TYPES.kmsKey ? run.enricher : undefined;
  const sink = i.store.sink(i.scanId);
  const keep = (records: ResourceRecord[]): void => {
    for (const r of records) run.accounts.add(r.awsAccountId);
    sink.add(records);
  };
  const items: ItemTally = { read: 0, malformed: 0, notRecorded: 0, first: undefined };
  let calls = 0;
  let error: ClassifiedError | undefined;
  let note = "";
  if (run.shared) {
    error = run.shared;
    note = "not queried: ";
  } else {
    const client = i.callerSession.client(SERVICE, home);
    // One page's enrichment runs while the next page is fetched; never more than that.
    let inFlight: Promise<void> | undefined;
    try {
      const pages = paginateSelectAggregateResourceConfig(
        { client, pageSize: SELECT_PAGE },
        { ConfigurationAggregatorName: run.aggregator, Expression: expression(type, run.accountClause) },
      );
      calls++;
      for await (const page of pages) {
        i.signal.throwIfAborted();
        const records = parsePage(page.Results ?? [], type, run.filter, items);
        if (enricher) {
          if (inFlight) await inFlight;
          const p = enricher.enrich(records).then(keep);
          p.catch(() => undefined); // awaited below; this only marks it handled meanwhile
          inFlight = p;
        } else {
          keep(records);
        }
        if (page.NextToken) calls++;
      }
      if (inFlight) await inFlight;
    } catch (err) {
      if (inFlight) await inFlight.catch(() => undefined);
      if (i.signal.aborted || (err instanceof Error && err.name === "AbortError")) throw err;
      error = classify(err);
      if (SHARED_FAILURE(error)) run.shared ??= error;
    }
  }
  const rows: CoverageInput[] = [
    {
      accountId: owner,
      region: home,
      service: SERVICE,
      operation: selectOperation(type),
      status: error ? (error.kind === "denied" ? "denied" : "failed") : "ok",
      // The row sits in the aggregator's account and region but stands for every account behind it.
      scope: "aggregator",
      resourceTypes: [type],
      errorCode: error?.code ?? null,
      // A failure on a later page keeps the earlier pages' records and still marks the type failed.
      errorMessage: error
        ? `${note}${error.message}${sink.count > 0 ? ` (after ${sink.count} resources)` : ""}`
        : null,
      resourceCount: sink.count,
      apiCalls: calls,
      startedAt,
      finishedAt: now(),
    },
  ];
  const bad = items.malformed + items.notRecorded;
  if (bad > 0 && items.first) {
    rows.push({
      accountId: owner,
      region: home,
      service: SERVICE,
      operation: itemOperation(type),
      status: "failed",
      scope: "aggregator",
      resourceTypes: [type],
      errorCode: items.first.code,
      errorMessage: `${items.first.message} (${bad} of ${items.read} items unusable: ${items.malformed} malformed, ${items.notRecorded} not recorded)`,
      resourceCount: items.read - bad,
      startedAt,
      finishedAt: now(),
    });
  }
  if (enricher) rows.push(...enricher.rows());
  i.signal.throwIfAborted();
  const unit = configUnitName(type);
  i.store.completeUnit(i.scanId, { accountId: owner, region: home, collector: unit }, sink, rows);
  i.events?.unitDone?.({
    accountId: owner,
    region: home,
    collector: unit,
    resources: sink.count,
    gaps: rows.filter((r) => r.status === "denied" || r.status === "failed").length,
  });
  return sink.count;
}

/** The Select expression of one type (constants and validated 12-digit ids only: nothing to escape). */
export function expression(type: string, accountClause = ""): string {
  return `SELECT ${SELECT_FIELDS.join(", ")} WHERE resourceType = '${type}'${accountClause}`;
}

/** `--accounts` narrows the query itself while the expression stays within the service's limit. */
function serverAccountFilter(o: AggregatorOptions): string {
  const ids = (o.accounts ?? []).filter((a) => /^\d{12}$/.test(a) && !o.excludeAccounts.includes(a));
  if (ids.length === 0) return "";
  const clause = ` AND accountId IN (${ids.map((a) => `'${a}'`).join(", ")})`;
  const longest = Math.max(...CONFIG_SOURCE_TYPES.map((t) => expression(t, clause).length));
  return longest <= MAX_EXPRESSION ? clause : "";
}

/** The scope options the API path honours, applied to each item (global and S3 items as the API path does). */
function itemFilter(o: AggregatorOptions): (r: ResourceRecord) => boolean {
  const accounts = o.accounts ? new Set(o.accounts) : undefined;
  const excluded = new Set(o.excludeAccounts);
  const regions = o.regions ? new Set(o.regions) : undefined;
  return (r) =>
    (!accounts || accounts.has(r.awsAccountId)) &&
    !excluded.has(r.awsAccountId) &&
    (!regions ||
      regions.has(r.awsRegion) ||
      r.awsRegion === GLOBAL_REGION ||
      r.resourceType === RESOURCE_TYPES.s3Bucket);
}

interface ItemTally {
  read: number;
  malformed: number;
  notRecorded: number;
  first: ClassifiedError | undefined;
}

/** One page of Select results: JSON text per item. A bad item is counted, never fatal. */
function parsePage(
  results: readonly string[],
  type: string,
  keep: (r: ResourceRecord) => boolean,
  tally: ItemTally,
): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  for (const text of results) {
    tally.read++;
    let item: unknown;
    try {
      item = JSON.parse(text);
    } catch (err) {
      tally.malformed++;
      tally.first ??= {
        kind: "other",
        code: "MalformedItem",
        message: `result is not JSON: ${(err as Error).message}`,
      };
      continue;
    }
    const status =
      item !== null && typeof item === "object"
        ? (item as Record<string, unknown>).configurationItemStatus
        : undefined;
    if (typeof status === "string" && DELETED.has(status)) continue; // gone: nothing to judge
    if (status === "ResourceNotRecorded") {
      // It exists but Config holds no configuration for it: unexamined, not compliant.
      tally.notRecorded++;
      tally.first ??= {
        kind: "other",
        code: "ResourceNotRecorded",
        message: "the aggregator's recorder does not record this resource's configuration",
      };
      continue;
    }
    try {
      const r = normalizeItem(item, { resourceType: type });
      if (keep(r)) out.push(r);
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
      tally.malformed++;
      tally.first ??= { kind: "other", code: "MalformedItem", message: err.message };
    }
  }
  return out;
}

// ---- --enrich: KMS facts from each key's own account and region ----

interface Acc extends Tally {
  accountId: string;
  region: string;
  operation: string;
}

type Access = { ok: true; credentials: AwsCredentialIdentityProvider } | { ok: false };

/** Bounded caches: memory follows the concurrency, not the number of accounts. */
const SESSION_CACHE = 16;
const ALIAS_CACHE = 64;

class KeyEnricher {
  keys = 0;
  private readonly access = new Map<string, Promise<Access>>();
  private readonly sessions = new Map<string, ClientSession>();
  private readonly aliases = new Map<string, Promise<AliasIndex>>();
  private readonly coverage = new Map<string, Acc>();
  private readonly gaps: CoverageInput[] = [];
  private readonly limit: LimitFunction;

  constructor(private readonly i: ConfigScanInput) {
    this.limit = pLimit(i.detailConcurrency ?? 8);
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
            if (this.i.signal.aborted) throw err;
            const a = this.acc(r.awsAccountId, r.awsRegion, ENRICH_OPERATION);
            a.failed++;
            a.error ??= classifyError(err);
            return r;
          }
        });
      }),
    );
  }

  /** Coverage rows so far (cumulative; upserted with the KMS unit). */
  rows(): CoverageInput[] {
    const rows: CoverageInput[] = [...this.coverage.values()].map((a) => ({
      accountId: a.accountId,
      region: a.region,
      service: "kms",
      operation: a.operation,
      // Per-key facts: a failure is a marker on each key, not a hidden type.
      scope: "region",
      resourceTypes: [],
      ...tallyOutcome(a),
      apiCalls: a.calls,
      startedAt: a.startedAt,
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
    this.i.signal.throwIfAborted();
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
    const i = this.i;
    if (accountId === i.caller.accountId) return { ok: true, credentials: i.callerSession.credentials };
    const gap = (status: "denied" | "failed", code: string, message: string): Access => {
      this.gaps.push({
        accountId,
        region: i.options.region,
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
    const credentials = i.credentialsFor(accountId);
    if (!credentials) return gap("denied", "NoCredentials", `no role to read KMS in account ${accountId}`);
    try {
      await credentials();
      return { ok: true, credentials };
    } catch (err) {
      if (i.signal.aborted) throw err;
      const c = classify(err);
      return gap(
        c.kind === "denied" ? "denied" : "failed",
        c.code,
        `cannot get credentials for ${accountId}: ${c.message}`,
      );
    }
  }

  private session(accountId: string, credentials: AwsCredentialIdentityProvider): ClientSession {
    if (accountId === this.i.caller.accountId) return this.i.callerSession;
    let s = this.sessions.get(accountId);
    if (s) {
      this.sessions.delete(accountId); // most recently used last
    } else {
      s = this.i.factory.session(accountId, credentials);
      const oldest = this.sessions.keys().next();
      if (this.sessions.size >= SESSION_CACHE && !oldest.done) {
        this.sessions.get(oldest.value)?.close();
        this.sessions.delete(oldest.value);
      }
    }
    this.sessions.set(accountId, s);
    return s;
  }

  private aliasIndex(
    accountId: string,
    region: string,
    credentials: AwsCredentialIdentityProvider,
  ): Promise<AliasIndex> {
    const k = `${accountId}/${region}`;
    let p = this.aliases.get(k);
    if (p) {
      this.aliases.delete(k);
    } else {
      const client = this.session(accountId, credentials).client("kms", region);
      p = readAliasIndex(this.context(accountId, region), client);
      const oldest = this.aliases.keys().next();
      // Evicted regions are listed again if more of their keys come later: correct, a few calls more.
      if (this.aliases.size >= ALIAS_CACHE && !oldest.done) this.aliases.delete(oldest.value);
    }
    this.aliases.set(k, p);
    return p;
  }

  private acc(accountId: string, region: string, operation: string): Acc {
    const k = `${accountId}/${region}/${operation}`;
    let a = this.coverage.get(k);
    if (!a) {
      a = { accountId, region, operation, ...newTally() };
      this.coverage.set(k, a);
    }
    return a;
  }

  /** The runner's unit/detail semantics, recorded per (account, region, operation). */
  private context(accountId: string, region: string): KmsDetailContext {
    return tallyingCalls((_service, operation) => this.acc(accountId, region, operation), this.i.signal);
  }
}
