// discover → collect → store: the live path of `dpscan scan`. Evaluation happens afterwards on
// what was stored (src/rules/evaluate-scan.ts), so a scan can be re-evaluated without AWS.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { ClientFactory } from "../aws/clients.js";
import { assumeRoleProvider, baseCredentials, roleArnFor } from "../aws/credentials.js";
import { callerIdentity, listOrgAccounts, type CallerIdentity, type OrgAccount } from "../aws/discovery.js";
import { classifyError } from "../aws/errors.js";
import { unitKey } from "../model/coverage.js";
import { GLOBAL_REGION, RESOURCE_TYPES } from "../model/resource-types.js";
import type { Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import type { ScanOptions } from "../model/scan-options.js";
import { configSourceScan } from "./aws-config/aggregator.js";
import { accountsOfShard, parseShard } from "./shard.js";
import type { FactsRead } from "./facts.js";
import type { AccountTarget, RunEvents, RunSummary } from "./runner.js";
import { runCollectorsOnCores } from "./workers.js";
import type { Collector } from "./types.js";

export interface LiveScanResult extends RunSummary {
  caller: CallerIdentity;
  apiCalls: number;
  throttles: number;
  retries: number;
  accountIds: string[];
}

export interface LiveScanInput {
  store: Store;
  scanId: number;
  options: ScanOptions;
  collectors: readonly Collector[];
  signal: AbortSignal;
  events?: RunEvents & { accountsResolved?(ids: string[]): void };
  /** Owned by the caller (who also reads its live counters and destroys it). */
  factory: ClientFactory;
  /** Whether a selected rule reads a fact (see RunOptions.reads); a plain function keeps collection in this thread. */
  reads?: FactsRead | ((fact: string) => boolean);
  /** The caller's credentials; default: the SDK's provider chain (with options.profile). */
  credentials?: AwsCredentialIdentityProvider;
}

export async function liveScan(input: LiveScanInput): Promise<LiveScanResult> {
  const options = input.options;
  const factory = input.factory;
  const base = input.credentials ?? baseCredentials(options.profile ? { profile: options.profile } : {});
  const callerSession = factory.session("caller", base);
  let caller: CallerIdentity;
  try {
    caller = await callerIdentity(callerSession, options.region);
  } catch (err) {
    const c = classifyError(err);
    throw new UsageError(`cannot identify the caller (sts:GetCallerIdentity): ${c.code}: ${c.message}`);
  }
  if (options.source === "config") return await viaAggregator(input, factory, callerSession, caller);
  const targets = await resolveAccounts(input, caller, callerSession);
  input.events?.accountsResolved?.(targets.map((t) => t.accountId));
  const summary = await runCollectorsOnCores({
    options,
    store: input.store,
    scanId: input.scanId,
    factory,
    accounts: targets,
    collectors: input.collectors,
    ...(options.regions ? { regions: options.regions } : {}),
    homeRegion: options.region,
    partition: caller.partition,
    signal: input.signal,
    accountConcurrency: options.accountConcurrency,
    ...(input.events ? { events: input.events } : {}),
    ...(input.reads ? { reads: input.reads } : {}),
  });
  return {
    ...summary,
    caller,
    apiCalls: factory.global.calls,
    throttles: factory.global.throttles,
    retries: factory.global.retries,
    accountIds: targets.map((t) => t.accountId),
  };
}

/** --source config: enumerate through the aggregator; --enrich reads KMS, RDS and ELB facts through the role. */
async function viaAggregator(
  input: LiveScanInput,
  factory: ClientFactory,
  callerSession: ReturnType<ClientFactory["session"]>,
  caller: CallerIdentity,
): Promise<LiveScanResult> {
  const options = input.options;
  const sts = callerSession.client("sts", options.region);
  const r = await configSourceScan({
    store: input.store,
    scanId: input.scanId,
    options,
    factory,
    callerSession,
    caller: { accountId: caller.accountId, partition: caller.partition },
    signal: input.signal,
    ...(input.events ? { events: input.events } : {}),
    credentialsFor: (accountId) => {
      if (accountId === caller.accountId) return callerSession.credentials;
      if (!options.roleName) return undefined;
      return assumeRoleProvider({
        roleArn: roleArnFor(caller.partition, accountId, options.roleName),
        sessionName: options.roleSessionName,
        durationSeconds: options.sessionDuration,
        sts,
        ...(options.externalId ? { externalId: options.externalId } : {}),
      });
    },
  });
  input.events?.accountsResolved?.(r.accounts);
  return {
    caller,
    accounts: r.accounts.length,
    accountsSkipped: 0,
    units: r.types,
    unitsSkippedAsDone: r.typesSkippedAsDone,
    resources: r.resources,
    apiCalls: r.apiCalls,
    throttles: r.throttles,
    retries: r.retries,
    accountIds: r.accounts,
  };
}

async function resolveAccounts(
  input: LiveScanInput,
  caller: CallerIdentity,
  callerSession: ReturnType<ClientFactory["session"]>,
): Promise<AccountTarget[]> {
  const options = input.options;
  let ids: string[];
  if (options.org) {
    try {
      const members = await listOrgAccounts(callerSession, options.region);
      recordOrganization(input.store, input.scanId, caller, members);
      ids = members.filter((a) => a.status === "ACTIVE").map((a) => a.id);
    } catch (err) {
      const c = classifyError(err);
      throw new UsageError(
        `--org: cannot list the organisation's accounts (organizations:ListAccounts): ${c.code}: ${c.message}`,
      );
    }
  } else {
    ids = options.accounts ?? [caller.accountId];
  }
  ids = [...new Set(ids)].filter((id) => !options.excludeAccounts.includes(id)).sort();
  // Every shard lists (and records) the organisation; each scans only the accounts it owns.
  if (options.shard !== undefined) ids = accountsOfShard(ids, parseShard(options.shard));
  const sts = callerSession.client("sts", options.region);
  return ids.map((accountId) => {
    if (accountId === caller.accountId || !options.roleName) {
      if (accountId !== caller.accountId) {
        throw new UsageError(
          `account ${accountId} is not the caller's (${caller.accountId}): pass --role-name to scan it through a role`,
        );
      }
      return { accountId, credentials: callerSession.credentials };
    }
    const roleArn = roleArnFor(caller.partition, accountId, options.roleName);
    return {
      accountId,
      roleArn,
      credentials: assumeRoleProvider({
        roleArn,
        sessionName: options.roleSessionName,
        durationSeconds: options.sessionDuration,
        sts,
        ...(options.externalId ? { externalId: options.externalId } : {}),
      }),
    };
  });
}

/** The unit (collector name) under which --org records the organisation's accounts. */
export const ORGANIZATION_UNIT = "organizations";

/** What --org records in every scan, so in every shard of one: `dpscan merge` keeps one copy. */
export const ORGANIZATION_LISTING = {
  collector: ORGANIZATION_UNIT,
  service: "organizations",
  resourceType: RESOURCE_TYPES.organizationsAccount,
} as const;

/**
 * Under --org the organisation's accounts become records of its management account, so rules that
 * judge cross-account access learn who is "inside" from the scan itself (and a re-evaluation
 * of the stored scan gives the same answer). Written once: a resumed scan keeps the first list.
 */
function recordOrganization(
  store: Store,
  scanId: number,
  caller: CallerIdentity,
  members: OrgAccount[],
): void {
  // The account ARN names the management account: arn:aws:organizations::MGMT:account/o-x/ID.
  const owner = members.find((m) => m.arn)?.arn?.split(":")[4] || caller.accountId;
  if (store.completedUnits(scanId).has(unitKey(owner, GLOBAL_REGION, ORGANIZATION_UNIT))) return;
  const type = RESOURCE_TYPES.organizationsAccount;
  const captured = new Date().toISOString();
  const sink = store.sink(scanId);
  sink.add(
    members.map((m) => ({
      resourceType: type,
      resourceId: m.id,
      resourceName: m.name || null,
      arn: m.arn,
      awsAccountId: owner,
      awsRegion: GLOBAL_REGION,
      configuration: {
        accountId: m.id,
        name: m.name,
        state: m.status,
        joinedMethod: m.joinedMethod,
        joinedTimestamp: m.joinedTimestamp,
      },
      supplementaryConfiguration: {},
      tags: {},
      configurationItemCaptureTime: captured,
    })),
  );
  store.completeUnit(
    scanId,
    { accountId: owner, region: GLOBAL_REGION, collector: ORGANIZATION_UNIT },
    sink,
    [
      {
        accountId: owner,
        region: GLOBAL_REGION,
        service: ORGANIZATION_LISTING.service,
        operation: "ListAccounts",
        status: "ok",
        scope: "account",
        resourceTypes: [type],
        resourceCount: members.length,
        startedAt: captured,
        finishedAt: captured,
      },
    ],
  );
}
