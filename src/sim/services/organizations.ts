// AWS Organizations (JSON 1.1, X-Amz-Target AWSOrganizationsV20161128.*): DescribeOrganization
// (any member may call it) and ListAccounts (management account only, pages of at most 20).
import { createHash } from "node:crypto";
import {
  epochSeconds,
  jsonBody,
  jsonError,
  jsonResponse,
  jsonTarget,
  optionalInt,
  optionalString,
} from "../wire/json-util.js";
import { decodePageToken, encodePageToken } from "../wire/protocol-query.js";
import type { CallContext, SimService } from "../wire/service.js";
import { SimError } from "../wire/service.js";
import type { SimAccount, World } from "../world/types.js";

const TARGET_PREFIX = "AWSOrganizationsV20161128";

/** A stable organization id (o- and 10 lowercase alphanumerics) for a world. */
export function organizationId(world: World): string {
  const digest = createHash("sha256").update(`org:${world.managementAccountId}`).digest();
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let id = "o-";
  for (let i = 0; i < 10; i++) id += alphabet[digest[i]! % alphabet.length];
  return id;
}

const invalidInput = (message: string, reason: string) =>
  Object.assign(new SimError("InvalidInputException", message, 400), { reason });

function describeOrganization(ctx: CallContext): unknown {
  const w = ctx.world;
  const org = organizationId(w);
  const mgmt = w.accounts.get(w.managementAccountId);
  return {
    Organization: {
      Id: org,
      Arn: `arn:aws:organizations::${w.managementAccountId}:organization/${org}`,
      FeatureSet: "ALL",
      MasterAccountArn: `arn:aws:organizations::${w.managementAccountId}:account/${org}/${w.managementAccountId}`,
      MasterAccountId: w.managementAccountId,
      MasterAccountEmail: mgmt?.Email ?? "",
      AvailablePolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
    },
  };
}

function renderAccount(a: SimAccount, w: World, org: string): Record<string, unknown> {
  return {
    Id: a.Id,
    Arn: `arn:aws:organizations::${w.managementAccountId}:account/${org}/${a.Id}`,
    Email: a.Email,
    Name: a.Name,
    Status: a.Status,
    State: a.Status, // the newer member; its values include ours
    JoinedMethod: a.Id === w.managementAccountId ? "CREATED" : "INVITED",
    JoinedTimestamp: epochSeconds("2020-01-01T00:00:00Z"),
  };
}

function listAccounts(body: Record<string, unknown>, ctx: CallContext): unknown {
  const w = ctx.world;
  if (ctx.account.Id !== w.managementAccountId) {
    throw new SimError("AccessDeniedException", "You don't have permissions to access this resource.", 400);
  }
  const bad = () =>
    invalidInput("You provided a value that does not match the required pattern.", "INVALID_INPUT");
  const max = optionalInt(body, "MaxResults", bad) ?? 20;
  if (max < 1 || max > 20) {
    throw invalidInput("You provided a value that does not match the required pattern.", "INVALID_INPUT");
  }
  const token = optionalString(body, "NextToken", bad);
  let start = 0;
  if (token !== undefined) {
    const i = decodePageToken("organizations:ListAccounts", token);
    if (i === undefined) throw invalidInput("The NextToken value is not valid.", "INVALID_PAGINATION_TOKEN");
    start = i;
  }
  const org = organizationId(w);
  const accounts: unknown[] = [];
  const end = Math.min(w.accounts.size, start + max);
  for (let i = start; i < end; i++) accounts.push(renderAccount(w.accounts.at(i), w, org));
  return {
    Accounts: accounts,
    ...(end < w.accounts.size ? { NextToken: encodePageToken("organizations:ListAccounts", end) } : {}),
  };
}

export function organizationsService(): SimService {
  return {
    signingName: "organizations",
    throttleCode: "TooManyRequestsException",
    operation: (req) => jsonTarget(req, TARGET_PREFIX),
    handle(operation, req, ctx) {
      const body = jsonBody(req);
      switch (operation) {
        case "DescribeOrganization":
          return jsonResponse(describeOrganization(ctx), ctx.requestId);
        case "ListAccounts":
          return jsonResponse(listAccounts(body, ctx), ctx.requestId);
        default:
          throw new SimError("UnknownOperationException", `Operation ${operation} is not supported.`, 400);
      }
    },
    error(err, _req, requestId) {
      // Organizations spells the member `Message`; InvalidInputException carries a Reason.
      const reason = (err as SimError & { reason?: string }).reason;
      return jsonError(err, requestId, {
        messageKey: "Message",
        ...(reason ? { extra: { Reason: reason } } : {}),
      });
    },
  };
}
