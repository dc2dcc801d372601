// discover → collect → store: the live path of `dpscan scan`. Evaluation happens afterwards on
// what was stored (src/rules/evaluate-scan.ts), so a scan can be re-evaluated without AWS.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { ClientFactory } from "../aws/clients.js";
import { assumeRoleProvider, baseCredentials, roleArnFor } from "../aws/credentials.js";
import { callerIdentity, listOrgAccounts, type CallerIdentity } from "../aws/discovery.js";
import { classifyError } from "../aws/errors.js";
import type { Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import type { ScanOptions } from "../model/scan-options.js";
import { configSourceScan } from "./config-source.js";
import { runCollectors, type AccountTarget, type RunEvents, type RunSummary } from "./runner.js";
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
  /** The caller's credentials; default: the SDK's provider chain (with options.profile). */
  credentials?: AwsCredentialIdentityProvider;
}

export async function liveScan(i: LiveScanInput): Promise<LiveScanResult> {
  const o = i.options;
  const factory = i.factory;
  const base = i.credentials ?? baseCredentials(o.profile ? { profile: o.profile } : {});
  const callerSession = factory.session("caller", base);
  let caller: CallerIdentity;
  try {
    caller = await callerIdentity(callerSession, o.region);
  } catch (err) {
    const c = classifyError(err);
    throw new UsageError(`cannot identify the caller (sts:GetCallerIdentity): ${c.code}: ${c.message}`);
  }
  if (o.source === "config") return await viaAggregator(i, factory, callerSession, caller);
  const targets = await resolveAccounts(i, caller, callerSession);
  i.events?.accountsResolved?.(targets.map((t) => t.accountId));
  const summary = await runCollectors({
    store: i.store,
    scanId: i.scanId,
    factory,
    accounts: targets,
    collectors: i.collectors,
    ...(o.regions ? { regions: o.regions } : {}),
    homeRegion: o.region,
    partition: caller.partition,
    signal: i.signal,
    accountConcurrency: o.accountConcurrency,
    ...(i.events ? { events: i.events } : {}),
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

/** --source config: enumerate through the aggregator; --enrich reads KMS facts through the role. */
async function viaAggregator(
  i: LiveScanInput,
  factory: ClientFactory,
  callerSession: ReturnType<ClientFactory["session"]>,
  caller: CallerIdentity,
): Promise<LiveScanResult> {
  const o = i.options;
  const sts = callerSession.client("sts", o.region);
  const r = await configSourceScan({
    store: i.store,
    scanId: i.scanId,
    options: o,
    factory,
    callerSession,
    caller: { accountId: caller.accountId, partition: caller.partition },
    signal: i.signal,
    ...(i.events ? { events: i.events } : {}),
    credentialsFor: (accountId) => {
      if (accountId === caller.accountId) return callerSession.credentials;
      if (!o.roleName) return undefined;
      return assumeRoleProvider({
        roleArn: roleArnFor(caller.partition, accountId, o.roleName),
        sessionName: o.roleSessionName,
        durationSeconds: o.sessionDuration,
        sts,
        ...(o.externalId ? { externalId: o.externalId } : {}),
      });
    },
  });
  i.events?.accountsResolved?.(r.accounts);
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
  i: LiveScanInput,
  caller: CallerIdentity,
  callerSession: ReturnType<ClientFactory["session"]>,
): Promise<AccountTarget[]> {
  const o = i.options;
  let ids: string[];
  if (o.org) {
    try {
      ids = (await listOrgAccounts(callerSession, o.region)).map((a) => a.id);
    } catch (err) {
      const c = classifyError(err);
      throw new UsageError(
        `--org: cannot list the organisation's accounts (organizations:ListAccounts): ${c.code}: ${c.message}`,
      );
    }
  } else {
    ids = o.accounts ?? [caller.accountId];
  }
  ids = [...new Set(ids)].filter((id) => !o.excludeAccounts.includes(id)).sort();
  const sts = callerSession.client("sts", o.region);
  return ids.map((accountId) => {
    if (accountId === caller.accountId || !o.roleName) {
      if (accountId !== caller.accountId) {
        throw new UsageError(
          `account ${accountId} is not the caller's (${caller.accountId}): pass --role-name to scan it through a role`,
        );
      }
      return { accountId, credentials: callerSession.credentials };
    }
    const roleArn = roleArnFor(caller.partition, accountId, o.roleName);
    return {
      accountId,
      roleArn,
      credentials: assumeRoleProvider({
        roleArn,
        sessionName: o.roleSessionName,
        durationSeconds: o.sessionDuration,
        sts,
        ...(o.externalId ? { externalId: o.externalId } : {}),
      }),
    };
  });
}
