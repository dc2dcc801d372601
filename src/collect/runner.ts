// Run the collectors over (account, region) units: bounded concurrency, coverage for every
// unit, records streamed to the store in batches, completed units remembered for --resume.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit, { type LimitFunction } from "p-limit";
import type { ClientFactory, ClientSession } from "../aws/clients.js";
import { discoverRegions, type RegionStatus } from "../aws/discovery.js";
import { classifyError, type ClassifiedError } from "../aws/errors.js";
import { GLOBAL_REGION } from "../model/resource-types.js";
import {
  REGION_NOT_ENABLED_CODE,
  unitKey,
  type CoverageInput,
  type CoverageScope,
} from "../model/coverage.js";
import type { ResourceRecord } from "../model/resource.js";
import { unitContext, type OperationKey } from "./context.js";
import { coverageStatus, TallyBook, tallyFailure, tallyOutcome, type Tally } from "./coverage.js";
import type { Collector } from "./types.js";

export interface AccountTarget {
  accountId: string;
  /** Credentials for the account (the caller's, or an assumed role's). */
  credentials: AwsCredentialIdentityProvider;
  /** Set when credentials come from AssumeRole, so a failure is reported as such. */
  roleArn?: string;
}

/** A unit's records on their way to the store (the Store's ResourceSink, or a worker's proxy). */
export interface UnitSink {
  add(records: Iterable<ResourceRecord>): void;
  readonly count: number;
}

/** What collection writes: the Store itself, or (in a worker thread) messages to the thread that owns it. */
export interface RunStore {
  completedUnits(scanId: number): Set<string>;
  upsertCoverage(scanId: number, rows: CoverageInput[]): void;
  sink(scanId: number): UnitSink;
  completeUnit(
    scanId: number,
    unit: { accountId: string; region: string; collector: string },
    sink: UnitSink,
    coverage: CoverageInput[],
  ): void;
}

export interface RunOptions {
  store: RunStore;
  scanId: number;
  factory: ClientFactory;
  accounts: AccountTarget[];
  collectors: readonly Collector[];
  /** Explicit regions (--regions); otherwise every region enabled in each account. */
  regions?: string[];
  /** Region for global services and discovery calls. */
  homeRegion: string;
  partition: string;
  signal: AbortSignal;
  /** Accounts collected at once (scan option `accountConcurrency`; its default lives there). */
  accountConcurrency: number;
  /** Units in flight across all accounts (default: 6 per account in flight). */
  unitConcurrency?: number;
  /** Per-resource reads in flight per unit (default DETAIL_CONCURRENCY). */
  detailConcurrency?: number;
  /** Whether a selected rule reads a fact: reads of facts nobody reads are not made. Default: all. */
  reads?: (fact: string) => boolean;
  events?: RunEvents;
}

export interface RunEvents {
  accountStarted?(accountId: string): void;
  accountSkipped?(accountId: string, reason: string): void;
  unitsPlanned?(accountId: string, count: number): void;
  unitDone?(u: {
    accountId: string;
    region: string;
    collector: string;
    resources: number;
    gaps: number;
  }): void;
}

export interface RunSummary {
  accounts: number;
  accountsSkipped: number;
  units: number;
  unitsSkippedAsDone: number;
  resources: number;
}

/**
 * Per-resource reads in flight per unit. The global call cap (--concurrency) and the pacing bound
 * the calls; this only has to be high enough that one large unit (5,000 keys, 2,000 buckets) can
 * use the whole cap when it is the last one left.
 */
export const DETAIL_CONCURRENCY = 32;

export async function runCollectors(options: RunOptions): Promise<RunSummary> {
  const queue = options.accounts[Symbol.iterator]();
  return await runAccounts(options, () => Promise.resolve(queue.next().value));
}

/**
 * The accounts `next` hands out, `accountConcurrency` at a time, each taken when a slot frees (in
 * a worker thread, `next` asks the main thread, so the last accounts go to whichever is free).
 * `next` is told the account the asking slot has just finished, if any.
 */
export async function runAccounts(
  options: RunOptions,
  next: (previous: AccountTarget | undefined) => Promise<AccountTarget | undefined>,
): Promise<RunSummary> {
  const done = options.store.completedUnits(options.scanId);
  const summary: RunSummary = {
    accounts: 0,
    accountsSkipped: 0,
    units: 0,
    unitsSkippedAsDone: 0,
    resources: 0,
  };
  // Units share one pool across accounts, not a fixed share per account: when the last accounts
  // run alone, their units get every slot, so the machine stays busy to the end of the scan.
  const unitLimit = pLimit(options.unitConcurrency ?? options.accountConcurrency * 6);
  const slot = async (): Promise<void> => {
    for (let account = await next(undefined); account; account = await next(account)) {
      options.signal.throwIfAborted();
      options.events?.accountStarted?.(account.accountId);
      const session = options.factory.session(account.accountId, account.credentials);
      try {
        await runAccount({ options, account, session, done, summary, unitLimit });
      } finally {
        session.close();
      }
    }
  };
  await Promise.all(Array.from({ length: options.accountConcurrency }, slot));
  return summary;
}

/** One account's run: what its steps share. */
interface AccountRun {
  options: RunOptions;
  account: AccountTarget;
  session: ClientSession;
  /** Units finished by an earlier run of this scan (--resume). */
  done: Set<string>;
  summary: RunSummary;
  /** The scan's pool of unit slots. */
  unitLimit: LimitFunction;
}

interface Unit {
  region: string;
  collector: Collector;
}

async function runAccount(run: AccountRun): Promise<void> {
  const { options, account, summary } = run;
  if (!(await credentialsWork(run))) {
    summary.accountsSkipped++;
    return;
  }
  summary.accounts++;
  const regions = await accountRegions(run);
  recordDisabledRegions(run, regions.disabled);
  const regional = options.collectors.filter((c) => c.scope === "regional");
  const global = options.collectors.filter((c) => c.scope === "global");
  const units: Unit[] = [
    ...global.map((collector) => ({ region: GLOBAL_REGION, collector })),
    ...regions.enabled.flatMap((region) => regional.map((collector) => ({ region, collector }))),
  ];
  options.events?.unitsPlanned?.(account.accountId, units.length);
  await Promise.all(units.map((unit) => run.unitLimit(() => runOrSkipUnit(run, unit))));
}

/** An account whose role cannot be assumed is a coverage gap for every type; the scan goes on. */
async function credentialsWork(run: AccountRun): Promise<boolean> {
  const { options, account } = run;
  if (!account.roleArn) return true;
  try {
    await account.credentials();
    return true;
  } catch (err) {
    const c = classifyError(err);
    options.store.upsertCoverage(options.scanId, [
      gapRow(account.accountId, GLOBAL_REGION, "sts", "AssumeRole", c, {
        scope: "account",
        resourceTypes: typesOf(options.collectors),
        prefix: `cannot assume ${account.roleArn}: `,
      }),
    ]);
    options.events?.accountSkipped?.(account.accountId, `${c.code}: ${c.message}`);
    return false;
  }
}

/**
 * The regions to scan. Without discovery no regional collector can run everywhere it should: the
 * gap row stands for their types, and what was asked for (or the home region) is scanned.
 */
async function accountRegions(run: AccountRun): Promise<RegionStatus> {
  const { options, account, session } = run;
  const regionalTypes = typesOf(options.collectors.filter((c) => c.scope === "regional"));
  let row: CoverageInput;
  let regions: RegionStatus;
  try {
    const found = await discoverRegions(session, options.homeRegion);
    // No enabled region at all is not an answer AWS gives: treat it as a failed discovery.
    if (found.enabled.length === 0) {
      throw Object.assign(new Error("DescribeRegions returned no enabled region"), { name: "EmptyResponse" });
    }
    regions = options.regions
      ? {
          enabled: options.regions.filter((r) => found.enabled.includes(r)),
          disabled: options.regions.filter((r) => !found.enabled.includes(r)),
        }
      : found;
    row = {
      accountId: account.accountId,
      region: options.homeRegion,
      service: "ec2",
      operation: "DescribeRegions",
      status: "ok",
      scope: "account",
      resourceTypes: regionalTypes,
      resourceCount: found.enabled.length,
      apiCalls: 1,
      finishedAt: new Date().toISOString(),
    };
  } catch (err) {
    regions = { enabled: options.regions ?? [options.homeRegion], disabled: [] };
    row = gapRow(account.accountId, options.homeRegion, "ec2", "DescribeRegions", classifyError(err), {
      scope: "account",
      resourceTypes: regionalTypes,
    });
  }
  options.store.upsertCoverage(options.scanId, [row]);
  return regions;
}

/** Disabled regions: recorded as skipped, per service, so reports show what was not looked at. */
function recordDisabledRegions(run: AccountRun, disabled: readonly string[]): void {
  const { options, account } = run;
  const regional = options.collectors.filter((c) => c.scope === "regional");
  const rows: CoverageInput[] = disabled.flatMap((region) =>
    [...new Set(regional.map((c) => c.service))].map((service) => ({
      accountId: account.accountId,
      region,
      service,
      operation: "*",
      status: "skipped" as const,
      scope: "region" as const,
      resourceTypes: typesOf(regional.filter((c) => c.service === service)),
      errorCode: REGION_NOT_ENABLED_CODE,
      errorMessage: `region ${region} is not enabled for account ${account.accountId}`,
    })),
  );
  options.store.upsertCoverage(options.scanId, rows);
}

async function runOrSkipUnit(run: AccountRun, unit: Unit): Promise<void> {
  const { options, account, summary } = run;
  options.signal.throwIfAborted();
  if (run.done.has(unitKey(account.accountId, unit.region, unit.collector.name))) {
    summary.unitsSkippedAsDone++;
    options.events?.unitDone?.({
      accountId: account.accountId,
      region: unit.region,
      collector: unit.collector.name,
      resources: 0,
      gaps: 0,
    });
    return;
  }
  const n = await runUnit(run, unit);
  summary.units++;
  summary.resources += n;
}

/** One collector in one (account, region): collect, then commit its records and coverage as one unit. */
async function runUnit(run: AccountRun, { region, collector }: Unit): Promise<number> {
  const { options, account, session } = run;
  const accountId = account.accountId;
  const callRegion = region === GLOBAL_REGION ? options.homeRegion : region;
  const tallies = new TallyBook<OperationKey>();
  const sink = options.store.sink(options.scanId);
  const ctx = unitContext({
    accountId,
    region,
    callRegion,
    partition: options.partition,
    signal: options.signal,
    session,
    tallies,
    sink,
    detailConcurrency: options.detailConcurrency ?? DETAIL_CONCURRENCY,
    ...(options.reads ? { reads: options.reads } : {}),
  });
  try {
    await collector.collect(ctx);
  } catch (err) {
    if (options.signal.aborted) throw err;
    // A collector bug or an unexpected error: a failed unit, never a silent pass.
    tallyFailure(tallies.of({ service: collector.service, operation: "collect" }), err);
  }
  options.signal.throwIfAborted();
  const rows = tallies.all().map((t) => unitRow(run, region, collector, t));
  options.store.completeUnit(options.scanId, { accountId, region, collector: collector.name }, sink, rows);
  options.events?.unitDone?.({
    accountId,
    region,
    collector: collector.name,
    resources: sink.count,
    gaps: rows.filter((r) => r.status !== "ok").length,
  });
  return sink.count;
}

/** An operation's coverage row in a unit. */
function unitRow(
  run: AccountRun,
  region: string,
  collector: Collector,
  t: OperationKey & Tally,
): CoverageInput {
  const callRegion = region === GLOBAL_REGION ? run.options.homeRegion : region;
  return {
    accountId: run.account.accountId,
    region,
    service: t.service,
    operation: t.operation,
    scope: "region",
    // A listing hides what it enumerates; a crashed collector everything it emits.
    resourceTypes:
      t.operation === "collect" ? collector.resourceTypes : (collector.listings[t.operation] ?? []),
    ...tallyOutcome(t),
    // Global collectors call other regions too (S3 per-bucket calls): count every region of the service.
    apiCalls: [...run.session.stats.entries()]
      .filter(([k]) =>
        region === GLOBAL_REGION ? k.endsWith(`/${t.service}`) : k === `${callRegion}/${t.service}`,
      )
      .reduce((n, [, st]) => n + (st.byOperation.get(t.operation) ?? 0), 0),
    startedAt: t.startedAt,
    finishedAt: new Date().toISOString(),
  };
}

function typesOf(collectors: readonly Collector[]): string[] {
  return [...new Set(collectors.flatMap((c) => c.resourceTypes))];
}

function gapRow(
  accountId: string,
  region: string,
  service: string,
  operation: string,
  c: ClassifiedError,
  reach: { scope: CoverageScope; resourceTypes: readonly string[]; prefix?: string },
): CoverageInput {
  return {
    accountId,
    region,
    service,
    operation,
    status: coverageStatus(c),
    scope: reach.scope,
    resourceTypes: reach.resourceTypes,
    errorCode: c.code,
    errorMessage: `${reach.prefix ?? ""}${c.message}`,
    finishedAt: new Date().toISOString(),
  };
}
