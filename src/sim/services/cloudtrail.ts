// AWS CloudTrail (JSON 1.1, target prefix com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101, which
// SDK v3 shortens to CloudTrail_20131101).
// A trail lives in its home region; a multi-region trail also shows as a "shadow" in every other
// region, and an organization trail of the management account shows in every member account.
import { SimError } from "../wire/service.js";
import type { CallContext } from "../wire/service.js";
import type { SimAccount, SimTrail } from "../world/types.js";
import {
  encodeToken,
  jsonService,
  optBool,
  optString,
  optStringList,
  reqString,
  tokenPosition,
} from "../wire/protocol-json.js";
import type { JsonObject } from "../wire/protocol-json.js";

const LIST_PAGE = 50;

interface VisibleTrail {
  owner: string;
  trail: SimTrail;
  arn: string;
  /** True when the caller's region is the trail's home and the caller owns it. */
  own: boolean;
}

export function trailArn(homeRegion: string, account: string, name: string): string {
  return `arn:aws:cloudtrail:${homeRegion}:${account}:trail/${name}`;
}

function collect(
  account: SimAccount,
  region: string,
  orgOnly: boolean,
  out: Map<string, VisibleTrail>,
  caller: string,
) {
  for (const r of account.enabledRegions) {
    const trails = account.region(r)?.trails;
    if (!trails) continue;
    for (let i = 0; i < trails.size; i++) {
      const t = trails.at(i);
      if (orgOnly && !t.IsOrganizationTrail) continue;
      if (t.HomeRegion !== region && !t.IsMultiRegionTrail) continue;
      const arn = trailArn(t.HomeRegion, account.Id, t.Name);
      // A world may list a multi-region trail in each region's collection: keep one per ARN.
      if (!out.has(arn)) {
        out.set(arn, {
          owner: account.Id,
          trail: t,
          arn,
          own: account.Id === caller && t.HomeRegion === region,
        });
      }
    }
  }
}

/** Every trail the caller sees in its region (trails are few per account: a scan is fine). */
function visibleTrails(ctx: CallContext): VisibleTrail[] {
  const out = new Map<string, VisibleTrail>();
  collect(ctx.account, ctx.region, false, out, ctx.account.Id);
  if (ctx.world.managementAccountId !== ctx.account.Id) {
    const mgmt = ctx.world.accounts.get(ctx.world.managementAccountId);
    if (mgmt) collect(mgmt, ctx.region, true, out, ctx.account.Id);
  }
  return [...out.values()];
}

function trailShape(v: VisibleTrail): JsonObject {
  const t = v.trail;
  return {
    Name: t.Name,
    S3BucketName: t.S3BucketName,
    IncludeGlobalServiceEvents: t.IncludeGlobalServiceEvents,
    IsMultiRegionTrail: t.IsMultiRegionTrail,
    HomeRegion: t.HomeRegion,
    TrailARN: v.arn,
    LogFileValidationEnabled: t.LogFileValidationEnabled,
    KmsKeyId: t.KmsKeyId,
    HasCustomEventSelectors: false,
    HasInsightSelectors: false,
    IsOrganizationTrail: t.IsOrganizationTrail,
  };
}

/** A name means a trail homed here; an ARN may name any trail the caller can see. */
function findTrail(ctx: CallContext, nameOrArn: string): VisibleTrail {
  const all = visibleTrails(ctx);
  const hit = nameOrArn.startsWith("arn:")
    ? all.find((v) => v.arn === nameOrArn)
    : all.find((v) => v.own && v.trail.Name === nameOrArn);
  if (!hit)
    throw new SimError(
      "TrailNotFoundException",
      `Unknown trail: ${nameOrArn} for the user: ${ctx.account.Id}`,
    );
  return hit;
}

function describeTrails(input: JsonObject, ctx: CallContext): JsonObject {
  const names = optStringList(input, "trailNameList");
  const shadows = optBool(input, "includeShadowTrails") ?? true;
  const list = visibleTrails(ctx).filter(
    (v) => (shadows || v.own) && (!names?.length || names.some((n) => n === v.arn || n === v.trail.Name)),
  );
  return { trailList: list.map(trailShape) };
}

function listTrails(input: JsonObject, ctx: CallContext): JsonObject {
  const invalid = () => new SimError("InvalidNextTokenException", "Invalid NextToken");
  const start = tokenPosition(optString(input, "NextToken"), 1, invalid)?.[0] ?? 0;
  const all = visibleTrails(ctx);
  const page = all.slice(start, start + LIST_PAGE);
  const trails = page.map((v) => ({ TrailARN: v.arn, Name: v.trail.Name, HomeRegion: v.trail.HomeRegion }));
  const next = start + page.length;
  return next < all.length ? { Trails: trails, NextToken: encodeToken([next]) } : { Trails: trails };
}

function getTrailStatus(input: JsonObject, ctx: CallContext): JsonObject {
  const v = findTrail(ctx, reqString(input, "Name", "InvalidTrailNameException"));
  return { IsLogging: v.trail.IsLogging };
}

function listTags(input: JsonObject, ctx: CallContext): JsonObject {
  const ids = optStringList(input, "ResourceIdList") ?? [];
  if (ids.length > 20)
    throw new SimError("InvalidParameterException", "ResourceIdList accepts at most 20 ARNs");
  const all = visibleTrails(ctx);
  return {
    ResourceTagList: ids.map((id) => {
      if (!id.startsWith("arn:"))
        throw new SimError("CloudTrailARNInvalidException", `Invalid trail ARN: ${id}`);
      const v = all.find((x) => x.arn === id);
      if (!v) throw new SimError("ResourceNotFoundException", `Resource not found: ${id}`);
      return { ResourceId: id, TagsList: v.trail.Tags.map((t) => ({ Key: t.Key, Value: t.Value })) };
    }),
  };
}

export const cloudTrailService = jsonService({
  signingName: "cloudtrail",
  targetPrefix: ["com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", "CloudTrail_20131101"],
  version: "1.1",
  throttleCode: "ThrottlingException",
  operations: {
    DescribeTrails: describeTrails,
    ListTrails: listTrails,
    GetTrailStatus: getTrailStatus,
    ListTags: listTags,
  },
  resourceId: (_op, input) => (typeof input["Name"] === "string" ? input["Name"] : undefined),
});
