// `dpscan scan --source config`: enumerate resources through an AWS Config aggregator
// (SelectAggregateResourceConfig) from the caller's account and home region instead of per-account
// API calls — the way to cover thousands of accounts. Facts AWS Config does not record (a KMS key's
// policy, rotation status, aliases; a DB instance's TLS enforcement) come from the resource's own
// account with --enrich (enrich.ts, enrich-rds.ts, enrich-elb.ts), or stay absent so rules needing them say UNKNOWN. See docs/collectors/aws-config.md.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit from "p-limit";
import type { ClientFactory, ClientSession } from "../../aws/clients.js";
import type { ClassifiedError } from "../../aws/errors.js";
import type { ServiceName } from "../../aws/services.js";
import { NOT_EXAMINED_CODE, unitKey, type CoverageInput } from "../../model/coverage.js";
import { RESOURCE_TYPES, type ResourceType } from "../../model/resource-types.js";
import type { ResourceRecord } from "../../model/resource.js";
import type { ScanOptions } from "../../model/scan-options.js";
import type { ResourceSink, Store } from "../../store/store.js";
import { classify, coverageStatus, rethrowAbort } from "../coverage.js";
import type { RunEvents } from "../runner.js";
// Type-only: the SDK packages behind these (Config, KMS, RDS, ELBv2) load when a Config scan runs.
import type { EnrichAccess, EnrichInput, KeyEnricher, RecordEnricher } from "./enrich.js";
import {
  itemOperation,
  newItemTally,
  parseSelectResults,
  scopeFilter,
  type ItemScope,
  type ItemTally,
} from "./items.js";

/** Types AWS Config does not record: never queried, reported as `skipped` so reports show it. */
export const NOT_RECORDED_BY_CONFIG: readonly ResourceType[] = [
  RESOURCE_TYPES.ebsSnapshot,
  RESOURCE_TYPES.ebsEncryptionDefault,
  RESOURCE_TYPES.cloudHsmCluster,
];

/** Every type dpscan knows that AWS Config records, one Select query (and one coverage row) each. */
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
/** Errors that every query of the same aggregator would meet: the rest are not sent. */
const SHARED_FAILURE = (c: ClassifiedError): boolean =>
  c.kind === "denied" || c.code === "NoSuchConfigurationAggregatorException";

export const selectOperation = (t: string): string => `SelectAggregateResourceConfig:${t}`;
/** The scan_units name of a type's query, for --resume. */
export const configUnitName = (t: string): string => `config:${t}`;

/** The scan options the aggregator path reads; `region` is the aggregator's (the home region). */
export type AggregatorOptions = Pick<ScanOptions, "region" | "aggregator" | "enrich"> & ItemScope;

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
  /** Types queried at once (AWS Config quotas are low; default 2). */
  typeConcurrency?: number;
  /** Per-record enrichment calls in flight (default 8). */
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

/** What every type's query shares. */
interface AggregatorRun {
  input: ConfigScanInput;
  aggregator: string;
  /** The aggregator's account and region: where every row and unit is recorded. */
  owner: string;
  home: string;
  keep: (r: ResourceRecord) => boolean;
  accountClause: string;
  /** With --enrich: the enricher of each type that has one. */
  enrichers: Partial<Record<ResourceType, RecordEnricher>>;
  keys: KeyEnricher | undefined;
  access: EnrichAccess | undefined;
  accounts: Set<string>;
  /** A failure every other query of this aggregator would meet too (set by the first to meet it). */
  shared: ClassifiedError | undefined;
}

export async function configSourceScan(input: ConfigScanInput): Promise<ConfigScanResult> {
  const { options, store, scanId, factory, events } = input;
  if (!options.aggregator) throw new Error("configSourceScan: options.aggregator is required");
  const startStats = { ...factory.global };
  const done = store.completedUnits(scanId);
  const run: AggregatorRun = {
    input,
    aggregator: options.aggregator,
    owner: input.caller.accountId,
    home: options.region,
    keep: scopeFilter(options),
    accountClause: serverAccountFilter(options),
    enrichers: {},
    keys: undefined,
    access: undefined,
    accounts: new Set<string>(),
    shared: undefined,
  };
  if (options.enrich) {
    const [{ EnrichAccess, KeyEnricher }, { TlsEnricher }, { SslPolicyEnricher }] = await Promise.all([
      import("./enrich.js"),
      import("./enrich-rds.js"),
      import("./enrich-elb.js"),
    ]);
    run.access = new EnrichAccess(enrichInput(input));
    run.keys = new KeyEnricher(run.access);
    run.enrichers = {
      [RESOURCE_TYPES.kmsKey]: run.keys,
      [RESOURCE_TYPES.rdsInstance]: new TlsEnricher(run.access),
      [RESOURCE_TYPES.elbListener]: new SslPolicyEnricher(run.access),
    };
  }
  const result = { resources: 0, types: 0, typesSkippedAsDone: 0 };
  store.upsertCoverage(scanId, notRecordedRows(run));
  events?.unitsPlanned?.(run.owner, CONFIG_SOURCE_TYPES.length);
  const typeLimit = pLimit(input.typeConcurrency ?? 2);
  try {
    await Promise.all(
      CONFIG_SOURCE_TYPES.map((type) =>
        typeLimit(async () => {
          input.signal.throwIfAborted();
          const unit = configUnitName(type);
          if (done.has(unitKey(run.owner, run.home, unit))) {
            result.typesSkippedAsDone++;
            events?.unitDone?.({
              accountId: run.owner,
              region: run.home,
              collector: unit,
              resources: 0,
              gaps: 0,
            });
            return;
          }
          // Not `+= await`: that would read the total before the query and lose concurrent ones.
          const stored = await queryType(run, type);
          result.types++;
          result.resources += stored;
        }),
      ),
    );
  } finally {
    run.access?.close();
  }
  const g = factory.global;
  return {
    accounts: [...run.accounts].sort(),
    resources: result.resources,
    apiCalls: g.calls - startStats.calls,
    throttles: g.throttles - startStats.throttles,
    retries: g.retries - startStats.retries,
    types: result.types,
    typesSkippedAsDone: result.typesSkippedAsDone,
    enrichedKeys: run.keys?.keys ?? 0,
  };
}

function enrichInput(input: ConfigScanInput): EnrichInput {
  return {
    factory: input.factory,
    callerSession: input.callerSession,
    callerAccountId: input.caller.accountId,
    homeRegion: input.options.region,
    signal: input.signal,
    credentialsFor: (accountId) => input.credentialsFor(accountId),
    detailConcurrency: input.detailConcurrency ?? 8,
  };
}

/** Not recorded by AWS Config: say so, rather than show no resources as if none existed. */
function notRecordedRows(run: AggregatorRun): CoverageInput[] {
  return NOT_RECORDED_BY_CONFIG.map((t) => ({
    accountId: run.owner,
    region: run.home,
    service: SERVICE,
    operation: selectOperation(t),
    status: "skipped" as const,
    scope: "aggregator" as const,
    resourceTypes: [t],
    errorCode: NOT_EXAMINED_CODE,
    errorMessage: `AWS Config does not record ${t}: not examined with --source config (use --source api)`,
    finishedAt: new Date().toISOString(),
  }));
}

/** What one type's Select returned: calls made and the error that ended it, if any. */
interface SelectOutcome {
  calls: number;
  error: ClassifiedError | undefined;
  /** "not queried: " when the error is another query's, met by this aggregator before. */
  note: string;
}

/** One type: Select all pages into a sink, then commit the unit with its coverage. Returns records stored. */
async function queryType(run: AggregatorRun, type: ResourceType): Promise<number> {
  const { input, owner, home } = run;
  const startedAt = new Date().toISOString();
  const sink = input.store.sink(input.scanId);
  const items = newItemTally();
  const enricher = run.enrichers[type];
  const outcome: SelectOutcome = run.shared
    ? { calls: 0, error: run.shared, note: "not queried: " }
    : await selectAll(run, type, items, enricher, (records) => {
        for (const r of records) run.accounts.add(r.awsAccountId);
        sink.add(records);
      });
  const rows = typeRows(run, type, outcome, items, sink, startedAt);
  if (enricher) rows.push(...enricher.rows());
  input.signal.throwIfAborted();
  const unit = configUnitName(type);
  input.store.completeUnit(input.scanId, { accountId: owner, region: home, collector: unit }, sink, rows);
  input.events?.unitDone?.({
    accountId: owner,
    region: home,
    collector: unit,
    resources: sink.count,
    gaps: rows.filter((r) => r.status === "denied" || r.status === "failed").length,
  });
  return sink.count;
}

/** Every page of one type's Select; with an enricher, one page's enrichment overlaps the next page's fetch. */
async function selectAll(
  run: AggregatorRun,
  type: ResourceType,
  items: ItemTally,
  enricher: RecordEnricher | undefined,
  keep: (records: ResourceRecord[]) => void,
): Promise<SelectOutcome> {
  const { input } = run;
  const client = input.callerSession.client(SERVICE, run.home);
  let calls = 0;
  // Never more than one page's enrichment in flight.
  let inFlight: Promise<void> | undefined;
  try {
    const { paginateSelectAggregateResourceConfig } = await import("@aws-sdk/client-config-service");
    const pages = paginateSelectAggregateResourceConfig(
      { client, pageSize: SELECT_PAGE },
      { ConfigurationAggregatorName: run.aggregator, Expression: expression(type, run.accountClause) },
    );
    calls++;
    for await (const page of pages) {
      input.signal.throwIfAborted();
      const records = parseSelectResults(page.Results ?? [], type, run.keep, items);
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
    return { calls, error: undefined, note: "" };
  } catch (err) {
    if (inFlight) await inFlight.catch(() => undefined);
    rethrowAbort(err, input.signal);
    const error = classify(err);
    if (SHARED_FAILURE(error)) run.shared ??= error;
    return { calls, error, note: "" };
  }
}

/** The type's Select row, and a ReadItem row when some items came back unusable. */
function typeRows(
  run: AggregatorRun,
  type: ResourceType,
  { calls, error, note }: SelectOutcome,
  items: ItemTally,
  sink: ResourceSink,
  startedAt: string,
): CoverageInput[] {
  const now = new Date().toISOString();
  const stored = sink.count;
  const rows: CoverageInput[] = [
    {
      accountId: run.owner,
      region: run.home,
      service: SERVICE,
      operation: selectOperation(type),
      status: error ? coverageStatus(error) : "ok",
      // The row sits in the aggregator's account and region but stands for every account behind it.
      scope: "aggregator",
      resourceTypes: [type],
      errorCode: error?.code ?? null,
      // A failure on a later page keeps the earlier pages' records and still marks the type failed.
      errorMessage: error
        ? `${note}${error.message}${stored > 0 ? ` (after ${stored} resources)` : ""}`
        : null,
      resourceCount: stored,
      apiCalls: calls,
      startedAt,
      finishedAt: now,
    },
  ];
  const bad = items.malformed + items.notRecorded;
  if (bad > 0 && items.first) {
    rows.push({
      accountId: run.owner,
      region: run.home,
      service: SERVICE,
      operation: itemOperation(type),
      status: "failed",
      scope: "aggregator",
      resourceTypes: [type],
      errorCode: items.first.code,
      errorMessage: `${items.first.message} (${bad} of ${items.read} items unusable: ${items.malformed} malformed, ${items.notRecorded} not recorded)`,
      resourceCount: items.read - bad,
      startedAt,
      finishedAt: now,
    });
  }
  return rows;
}

/** The Select expression of one type (constants and validated 12-digit ids only: nothing to escape). */
export function expression(type: string, accountClause = ""): string {
  return `SELECT ${SELECT_FIELDS.join(", ")} WHERE resourceType = '${type}'${accountClause}`;
}

/** `--accounts` narrows the query itself while the expression stays within the service's limit. */
function serverAccountFilter(scope: ItemScope): string {
  const ids = (scope.accounts ?? []).filter((a) => /^\d{12}$/.test(a) && !scope.excludeAccounts.includes(a));
  if (ids.length === 0) return "";
  const clause = ` AND accountId IN (${ids.map((a) => `'${a}'`).join(", ")})`;
  const longest = Math.max(...CONFIG_SOURCE_TYPES.map((t) => expression(t, clause).length));
  return longest <= MAX_EXPRESSION ? clause : "";
}
