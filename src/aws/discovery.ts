// Who am I, which accounts, which regions. These calls are part of the scan's coverage too.
import { paginateListAccounts } from "@aws-sdk/client-organizations";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { ClientSession } from "./clients.js";

/** IAM actions used outside the collectors. */
export const DISCOVERY_ACTIONS = [
  "sts:GetCallerIdentity",
  "sts:AssumeRole",
  "organizations:ListAccounts",
  "ec2:DescribeRegions",
] as const;

export interface CallerIdentity {
  accountId: string;
  arn: string;
  partition: string;
}

export async function callerIdentity(session: ClientSession, region: string): Promise<CallerIdentity> {
  const out = await session.client("sts", region).send(new GetCallerIdentityCommand({}));
  const arn = out.Arn ?? "";
  return { accountId: out.Account ?? "", arn, partition: arn.split(":")[1] || "aws" };
}

export interface OrgAccount {
  id: string;
  name: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE (State; the deprecated Status when State is absent). */
  status: string;
  arn: string | null;
  joinedMethod: string | null;
  joinedTimestamp: string | null;
}

/**
 * Every account of the organisation, whatever its state: only ACTIVE ones can be scanned, but all
 * of them are "inside" the organisation for rules that judge cross-account access. Email
 * addresses are not kept (not needed, and personal data).
 */
export async function listOrgAccounts(session: ClientSession, region: string): Promise<OrgAccount[]> {
  const out: OrgAccount[] = [];
  for await (const page of paginateListAccounts(
    { client: session.client("organizations", region), pageSize: 20 },
    {},
  )) {
    for (const a of page.Accounts ?? []) {
      if (!a.Id) continue;
      out.push({
        id: a.Id,
        name: a.Name ?? "",
        status: a.State ?? a.Status ?? "UNKNOWN",
        arn: a.Arn ?? null,
        joinedMethod: a.JoinedMethod ?? null,
        joinedTimestamp: a.JoinedTimestamp?.toISOString() ?? null,
      });
    }
  }
  return out;
}

export interface RegionStatus {
  enabled: string[];
  disabled: string[];
}

/** Regions enabled for the account; opt-in regions not opted in are reported as disabled. */
export async function discoverRegions(session: ClientSession, region: string): Promise<RegionStatus> {
  // The EC2 package is the SDK's largest (0.75 s to load): loaded here, not at start-up.
  const { DescribeRegionsCommand } = await import("@aws-sdk/client-ec2");
  const out = await session.client("ec2", region).send(new DescribeRegionsCommand({ AllRegions: true }));
  const enabled: string[] = [];
  const disabled: string[] = [];
  for (const r of out.Regions ?? []) {
    if (!r.RegionName) continue;
    if (r.OptInStatus === "not-opted-in") disabled.push(r.RegionName);
    else enabled.push(r.RegionName);
  }
  return { enabled: enabled.sort(), disabled: disabled.sort() };
}
