// Run the collectors over (account, region) units: bounded concurrency, coverage for every
// unit, records streamed to the store in batches, completed units remembered for --resume.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit from "p-limit";
import type { ClientFactory, ClientSession } from "../aws/clients.js";
import { discoverRegions, type RegionStatus } from "../aws/discovery.js";
import { classifyError, type ClassifiedError } from "../aws/errors.js";
import type { ServiceName } from "../aws/services.js";
import { GLOBAL_REGION } from "../model/resource-types.js";
import { boundJson, normalizeItem } from "../model/normalize.js";
import type { ResourceRecord } from "../model/resource.js";
import {
  REGION_NOT_ENABLED_CODE,
  unitKey,
  type CoverageInput,
  type CoverageScope,
} from "../model/coverage.js";
import type { Store } from "../store/store.js";
import { newTally, tallyFailure, tallyingCalls, tallyOutcome, type Tally } from "./coverage.js";
import type { Collector, CollectorContext, EmittedResource } from "./types.js";

export interface AccountTarget {
  accountId: string;
  /** Credentials for the account (the caller's, or an assumed role's). */
  credentials: AwsCredentialIdentityProvider;
  /** Set when credentials come from AssumeRole, so a failure is reported as such. */
  roleArn?: string;
}

export interface RunOptions {
  store: Store;
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
  accountConcurrency?: number;
  unitConcurrency?: number;
  detailConcurrency?: number;
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

const FLUSH_EVERY = 500;

export async function runCollectors(o: RunOptions): Promise<RunSummary> {
  const done = o.store.completedUnits(o.scanId);
  const summary: RunSummary = {
    accounts: 0,
    accountsSkipped: 0,
    units: 0,
    unitsSkippedAsDone: 0,
    resources: 0,
  };
  const accountLimit = pLimit(o.accountConcurrency ?? 4);
  await Promise.all(
    o.accounts.map((acct) =>
      accountLimit(async () => {
        o.signal.throwIfAborted();
        o.events?.accountStarted?.(acct.accountId);
        const session = o.factory.session(acct.accountId, acct.credentials);
        try {
          await runAccount(o, acct, session, done, summary);
        } finally {
          session.close();
        }
      }),
    ),
  );
  return summary;
}

async function runAccount(
  o: RunOptions,
  acct: AccountTarget,
  session: ClientSession,
  done: Set<string>,
  summary: RunSummary,
): Promise<void> {
  const now = (): string => new Date().toISOString();
  // 1. Credentials: an account whose role cannot be assumed is a coverage gap; the scan goes on.
  if (acct.roleArn) {
    try {
      await acct.credentials();
    } catch (err) {
      const c = classifyError(err);
      o.store.upsertCoverage(o.scanId, [
        gapRow(acct.accountId, GLOBAL_REGION, "sts", "AssumeRole", c, {
          scope: "account",
          resourceTypes: typesOf(o.collectors),
          prefix: `cannot assume ${acct.roleArn}: `,
        }),
      ]);
      summary.accountsSkipped++;
      o.events?.accountSkipped?.(acct.accountId, `${c.code}: ${c.message}`);
      return;
    }
  }
  summary.accounts++;
  // 2. Regions. Without them no regional collector can run: the row stands for their types.
  const regionalTypes = typesOf(o.collectors.filter((c) => c.scope === "regional"));
  let regions: RegionStatus;
  try {
    const found = await discoverRegions(session, o.homeRegion);
    // No enabled region at all is not an answer AWS gives: treat it as a failed discovery.
    if (found.enabled.length === 0) {
      throw Object.assign(new Error("DescribeRegions returned no enabled region"), { name: "EmptyResponse" });
    }
    regions = o.regions
      ? {
          enabled: o.regions.filter((r) => found.enabled.includes(r)),
          disabled: o.regions.filter((r) => !found.enabled.includes(r)),
        }
      : found;
    o.store.upsertCoverage(o.scanId, [
      {
        accountId: acct.accountId,
        region: o.homeRegion,
        service: "ec2",
        operation: "DescribeRegions",
        status: "ok",
        scope: "account",
        resourceTypes: regionalTypes,
        resourceCount: found.enabled.length,
        apiCalls: 1,
        finishedAt: now(),
      },
    ]);
  } catch (err) {
    const c = classifyError(err);
    // Without discovery, scan what was asked for (or the home region) and say so.
    regions = { enabled: o.regions ?? [o.homeRegion], disabled: [] };
    o.store.upsertCoverage(o.scanId, [
      gapRow(acct.accountId, o.homeRegion, "ec2", "DescribeRegions", c, {
        scope: "account",
        resourceTypes: regionalTypes,
      }),
    ]);
  }
  const regional = o.collectors.filter((c) => c.scope === "regional");
  const global = o.collectors.filter((c) => c.scope === "global");
  // Disabled regions: recorded as skipped, per service, so reports show what was not looked at.
  const skipped: CoverageInput[] = [];
  for (const region of regions.disabled) {
    for (const service of new Set(regional.map((c) => c.service))) {
      skipped.push({
        accountId: acct.accountId,
        region,
        service,
        operation: "*",
        status: "skipped",
        scope: "region",
        resourceTypes: typesOf(regional.filter((c) => c.service === service)),
        errorCode: REGION_NOT_ENABLED_CODE,
        errorMessage: `region ${region} is not enabled for account ${acct.accountId}`,
      });
    }
  }
  o.store.upsertCoverage(o.scanId, skipped);
  // 3. Units.
  const units: { region: string; collector: Collector }[] = [
    ...global.map((collector) => ({ region: GLOBAL_REGION, collector })),
    ...regions.enabled.flatMap((region) => regional.map((collector) => ({ region, collector }))),
  ];
  o.events?.unitsPlanned?.(acct.accountId, units.length);
  const unitLimit = pLimit(o.unitConcurrency ?? 6);
  await Promise.all(
    units.map((u) =>
      unitLimit(async () => {
        o.signal.throwIfAborted();
        if (done.has(unitKey(acct.accountId, u.region, u.collector.name))) {
          summary.unitsSkippedAsDone++;
          o.events?.unitDone?.({
            accountId: acct.accountId,
            region: u.region,
            collector: u.collector.name,
            resources: 0,
            gaps: 0,
          });
          return;
        }
        const n = await runUnit(o, acct.accountId, session, u.region, u.collector);
        summary.units++;
        summary.resources += n;
      }),
    ),
  );
}

interface CoverageAcc extends Tally {
  service: ServiceName;
  operation: string;
}

async function runUnit(
  o: RunOptions,
  accountId: string,
  session: ClientSession,
  region: string,
  collector: Collector,
): Promise<number> {
  const callRegion = region === GLOBAL_REGION ? o.homeRegion : region;
  const captureTime = new Date().toISOString();
  const coverage = new Map<string, CoverageAcc>();
  let buffer: ResourceRecord[] = [];
  let emitted = 0;
  const detailLimit = pLimit(o.detailConcurrency ?? 8);
  const acc = (service: ServiceName, operation: string): CoverageAcc => {
    const k = `${service}/${operation}`;
    let a = coverage.get(k);
    if (!a) {
      a = { service, operation, ...newTally() };
      coverage.set(k, a);
    }
    return a;
  };
  const ctx: CollectorContext = {
    accountId,
    region: callRegion,
    partition: o.partition,
    signal: o.signal,
    client: (service, r) => session.client(service, r ?? callRegion),
    ...tallyingCalls(acc),
    emit(r: EmittedResource) {
      const rec = normalizeItem(
        {
          resourceType: r.resourceType,
          resourceId: r.resourceId,
          resourceName: r.resourceName ?? null,
          arn: r.arn ?? null,
          awsAccountId: accountId,
          awsRegion: r.region ?? region,
          configuration: boundJson(r.configuration),
          supplementaryConfiguration: boundJson(r.supplementaryConfiguration ?? {}),
          tags: r.tags,
          configurationItemCaptureTime: captureTime,
        },
        {},
      );
      buffer.push(rec);
      emitted++;
      if (buffer.length >= FLUSH_EVERY) {
        o.store.insertResources(o.scanId, buffer);
        buffer = [];
      }
    },
    async forEach(items, fn) {
      await Promise.all([...items].map((it) => detailLimit(() => fn(it))));
    },
  };
  try {
    await collector.collect(ctx);
  } catch (err) {
    if (o.signal.aborted) throw err;
    // A collector bug or an unexpected error: a failed unit, never a silent pass.
    tallyFailure(acc(collector.service, "collect"), err);
  }
  o.signal.throwIfAborted();
  const stats = session.stats;
  const rows: CoverageInput[] = [...coverage.values()].map((a) => ({
    accountId,
    region,
    service: a.service,
    operation: a.operation,
    scope: "region",
    // A listing hides what it enumerates; a crashed collector everything it emits.
    resourceTypes:
      a.operation === "collect" ? collector.resourceTypes : (collector.listings[a.operation] ?? []),
    ...tallyOutcome(a),
    // Global collectors call other regions too (S3 per-bucket calls): count every region of the service.
    apiCalls: [...stats.entries()]
      .filter(([k]) =>
        region === GLOBAL_REGION ? k.endsWith(`/${a.service}`) : k === `${callRegion}/${a.service}`,
      )
      .reduce((n, [, st]) => n + (st.byOperation.get(a.operation) ?? 0), 0),
    startedAt: a.startedAt,
    finishedAt: new Date().toISOString(),
  }));
  o.store.completeUnit(
    o.scanId,
    { accountId, region, collector: collector.name, resourceCount: emitted },
    buffer,
    rows,
  );
  o.events?.unitDone?.({
    accountId,
    region,
    collector: collector.name,
    resources: emitted,
    gaps: rows.filter((r) => r.status !== "ok").length,
  });
  return emitted;
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
    status: c.kind === "denied" ? "denied" : "failed",
    scope: reach.scope,
    resourceTypes: reach.resourceTypes,
    errorCode: c.code,
    errorMessage: `${reach.prefix ?? ""}${c.message}`,
    finishedAt: new Date().toISOString(),
  };
}
