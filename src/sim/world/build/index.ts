// Turns a schema-valid world document into a World: fills in defaults, resolves KMS references
// (key ids and aliases become key ARNs, as AWS APIs return them) and cross-checks what a schema
// cannot (duplicates, disabled regions, dangling aliases, states AWS would refuse). The steps run
// in a fixed order so that issues come out in the order a reader meets them.
import { closest } from "../../../util/suggest.js";
import { arrayCollection } from "../collection.js";
import { AWS_REGIONS } from "../defaults.js";
import type { AccountDoc, WorldDoc } from "../doc.js";
import type { RegionResources, SimAccount, World } from "../types.js";
import type { Issue, PathSeg, Report } from "./common.js";
import { globalResources } from "./global.js";
import { indexKmsKeys, type KmsKeys } from "./kms-refs.js";
import { regionResources } from "./regional.js";

export type { Issue, PathSeg } from "./common.js";

interface RegionLayout {
  enabled: string[];
  disabled: string[];
}

/** Region names checked against the partition's, and every name the document uses. */
interface RegionChecker {
  /** False (and reported) when the region is not one the partition has. */
  check(region: string, path: PathSeg[], at?: "key"): boolean;
  /** The world's allRegions: as written, else AWS's plus every name the document used. */
  allRegions(): string[];
}

export function buildWorld(doc: WorldDoc): { world: World; issues: Issue[] } {
  const issues: Issue[] = [];
  const report: Report = (path, message, at) => {
    issues.push(at ? { path, message, at } : { path, message });
  };
  const accountIds = indexAccountIds(doc, report);
  const regions = regionChecker(doc, report);
  // Enabled/disabled regions first: every later check depends on them.
  const layout = doc.accounts.map((a, i) => accountRegions(a, ["accounts", i], report, regions));
  const kms = indexKmsKeys(doc, report);
  const bucketOwners = new Map<string, string>();
  const accounts = doc.accounts.map((a, ai) => {
    const account = buildAccount(a, ai, layout[ai] ?? { enabled: [], disabled: [] }, kms, report);
    checkBucketNames(a, ai, bucketOwners, report);
    return account;
  });
  checkAccountReferences(doc, accountIds, layout, report);
  const world: World = {
    managementAccountId: doc.managementAccountId ?? doc.accounts[0]?.Id ?? "",
    allRegions: regions.allRegions(),
    accounts: arrayCollection(accounts, (a) => a.Id),
    faults: doc.faults ?? {},
    aggregators: (doc.aggregators ?? []).map((ag) => ({ ...ag })),
    seed: doc.seed ?? 1,
  };
  return { world, issues };
}

/** Account id -> index of its first occurrence; later duplicates are reported. */
function indexAccountIds(doc: WorldDoc, report: Report): Map<string, number> {
  const accountIds = new Map<string, number>();
  doc.accounts.forEach((a, i) => {
    const first = accountIds.get(a.Id);
    if (first !== undefined)
      report(["accounts", i, "Id"], `duplicate account id "${a.Id}" (also accounts[${first}])`);
    else accountIds.set(a.Id, i);
  });
  return accountIds;
}

function regionChecker(doc: WorldDoc, report: Report): RegionChecker {
  const knownRegions = new Set(doc.allRegions ?? AWS_REGIONS);
  const explicitRegions = doc.allRegions !== undefined;
  const named = new Set<string>();
  return {
    check(region, path, at) {
      named.add(region);
      if (knownRegions.has(region)) return true;
      const guess = closest(region, [...knownRegions]);
      const tail = guess
        ? ` (did you mean "${guess}"?)`
        : explicitRegions
          ? " (not in allRegions)"
          : " (list it in allRegions if it is real)";
      report(path, `unknown region "${region}"${tail}`, at);
      return false;
    },
    allRegions: () => (explicitRegions ? [...knownRegions] : [...new Set([...AWS_REGIONS, ...named])].sort()),
  };
}

function accountRegions(
  a: AccountDoc,
  path: PathSeg[],
  report: Report,
  regions: RegionChecker,
): RegionLayout {
  const listed = Object.keys(a.regions ?? {});
  const disabled = a.disabledRegions ?? [];
  const enabled =
    a.enabledRegions ?? (listed.length ? listed.filter((r) => !disabled.includes(r)) : ["us-east-1"]);
  (a.enabledRegions ?? []).forEach((r, i) => regions.check(r, [...path, "enabledRegions", i]));
  disabled.forEach((r, i) => {
    regions.check(r, [...path, "disabledRegions", i]);
    if (enabled.includes(r) && a.enabledRegions !== undefined)
      report([...path, "disabledRegions", i], `region "${r}" is listed as both enabled and disabled`);
  });
  for (const r of listed) {
    const at: PathSeg[] = [...path, "regions", r];
    if (!regions.check(r, at, "key")) continue;
    if (disabled.includes(r)) {
      if (!enabled.includes(r))
        report(at, `region "${r}" is disabled for this account but has resources`, "key");
    } else if (!enabled.includes(r))
      report(at, `region "${r}" has resources but is not in enabledRegions`, "key");
  }
  return { enabled: [...enabled], disabled: [...disabled] };
}

function buildAccount(
  a: AccountDoc,
  ai: number,
  layout: RegionLayout,
  kms: KmsKeys,
  report: Report,
): SimAccount {
  const regionMap = new Map<string, RegionResources>();
  for (const region of layout.enabled) {
    const place = {
      account: a.Id,
      region,
      path: ["accounts", ai, "regions", region],
      resolve: kms.resolverAt(a.Id, region),
      report,
    };
    regionMap.set(region, regionResources(a.regions?.[region] ?? {}, kms.keysAt(a.Id, region), place));
  }
  const path = ["accounts", ai, "global"];
  const global = globalResources(a.global ?? {}, a, layout.enabled, path, kms.resolverAt, report);
  return {
    Id: a.Id,
    Name: a.Name ?? `account-${a.Id}`,
    Email: a.Email ?? `aws+${a.Id}@example.com`,
    Status: a.Status ?? "ACTIVE",
    enabledRegions: layout.enabled,
    disabledRegions: layout.disabled,
    roles: (a.roles ?? []).map((r) => ({
      Name: r.Name,
      TrustedAccounts: [...r.TrustedAccounts],
      ...(r.ExternalId !== undefined ? { ExternalId: r.ExternalId } : {}),
    })),
    global,
    region: (name: string) => regionMap.get(name),
  };
}

/** Bucket names are global: reports a name an earlier account (or this one) already took. */
function checkBucketNames(a: AccountDoc, ai: number, owners: Map<string, string>, report: Report): void {
  (a.global?.buckets ?? []).forEach((b, bi) => {
    const owner = owners.get(b.Name);
    if (owner !== undefined)
      report(
        ["accounts", ai, "global", "buckets", bi, "Name"],
        `bucket name "${b.Name}" is already taken (${owner}); bucket names are global`,
      );
    else owners.set(b.Name, `account ${a.Id}`);
  });
}

/** managementAccountId, aggregators and AccessDenied rules must name accounts (and regions) that exist. */
function checkAccountReferences(
  doc: WorldDoc,
  accountIds: Map<string, number>,
  layout: RegionLayout[],
  report: Report,
): void {
  if (doc.managementAccountId !== undefined && !accountIds.has(doc.managementAccountId))
    report(["managementAccountId"], `no account has id "${doc.managementAccountId}"`);
  (doc.aggregators ?? []).forEach((ag, i) => {
    const ai = accountIds.get(ag.AccountId);
    if (ai === undefined) report(["aggregators", i, "AccountId"], `no account has id "${ag.AccountId}"`);
    else if (!layout[ai]?.enabled.includes(ag.Region))
      report(
        ["aggregators", i, "Region"],
        `region "${ag.Region}" is not enabled for account ${ag.AccountId}`,
      );
  });
  (doc.faults?.accessDenied ?? []).forEach((rule, i) => {
    if (rule.account !== undefined && !accountIds.has(rule.account))
      report(["faults", "accessDenied", i, "account"], `no account has id "${rule.account}"`);
  });
}
