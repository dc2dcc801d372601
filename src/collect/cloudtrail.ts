// CloudTrail collector: the account's trails, each recorded once, in its home region (a multi-region
// trail's copies elsewhere are "shadow" trails and are skipped, as are organization trails owned by
// the management account when scanning a member). `configuration` is DescribeTrails' `Trail` with
// the first letter lowercased, as Config records it; whether the trail is logging comes from
// GetTrailStatus (Config does not record it). See docs/collectors/cloudtrail.md.
import {
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  paginateListTags,
  type Tag,
  type Trail,
} from "@aws-sdk/client-cloudtrail";
import type { JsonObject } from "../model/resource.js";
import { RESOURCE_TYPES } from "../model/resource-types.js";
import { configShape } from "./shape.js";
import { COLLECTOR_MANIFESTS } from "./manifests.js";
import type { Collector, CollectorContext, DetailResult } from "./types.js";

const SERVICE = "cloudtrail";
/** ListTags takes at most 20 ARNs per call. */
const TAG_BATCH = 20;

export const cloudTrailCollector: Collector = {
  ...COLLECTOR_MANIFESTS.cloudtrail,
  async collect(ctx) {
    const client = ctx.client(SERVICE);
    await ctx.unit(SERVICE, "DescribeTrails", async () => {
      // Not paginated; an account has at most a handful of trails per region.
      const out = await client.send(new DescribeTrailsCommand({ includeShadowTrails: false }));
      const trails = (out.trailList ?? []).filter(
        (t): t is Trail & { Name: string; TrailARN: string } =>
          Boolean(t.Name) &&
          t.HomeRegion === ctx.region &&
          t.TrailARN !== undefined &&
          arnAccount(t.TrailARN) === ctx.accountId,
      );
      const tags = await readTags(
        ctx,
        trails.map((t) => t.TrailARN),
      );
      await ctx.forEach(trails, async (t) => {
        const status = await ctx.detail(SERVICE, "GetTrailStatus", async () => {
          // The ARN names the trail unambiguously (a name only resolves in the home region).
          const s = await client.send(new GetTrailStatusCommand({ Name: t.TrailARN }));
          return configShape(s);
        });
        const tagResult = tags.get(t.TrailARN);
        const supplementary: Record<string, unknown> = {
          TrailStatus: status.ok ? status.value : status.marker,
        };
        // Tags cannot hold a marker: an unreadable tag list is recorded beside them.
        if (tagResult && !tagResult.ok) supplementary.Tags = tagResult.marker;
        ctx.emit({
          resourceType: RESOURCE_TYPES.cloudTrail,
          // Config identifies a trail by its name.
          resourceId: t.Name,
          resourceName: t.Name,
          arn: t.TrailARN,
          configuration: trailConfiguration(t),
          supplementaryConfiguration: supplementary,
          tags: tagResult?.ok ? (tagResult.value ?? []) : [],
        });
      });
      return trails.length;
    });
  },
};

/** The account id in an ARN (arn:partition:service:region:account:resource). */
function arnAccount(arn: string): string | undefined {
  return arn.split(":")[4];
}

/** ListTags for up to 20 trails per call; every trail of a failed batch gets that batch's marker. */
async function readTags(
  ctx: CollectorContext,
  arns: string[],
): Promise<Map<string, DetailResult<Tag[] | null>>> {
  const client = ctx.client(SERVICE);
  const out = new Map<string, DetailResult<Tag[] | null>>();
  for (let i = 0; i < arns.length; i += TAG_BATCH) {
    const batch = arns.slice(i, i + TAG_BATCH);
    const r = await ctx.detail(SERVICE, "ListTags", async () => {
      const byArn = new Map<string, Tag[]>();
      for await (const page of paginateListTags({ client }, { ResourceIdList: batch })) {
        for (const rt of page.ResourceTagList ?? []) {
          if (!rt.ResourceId) continue;
          byArn.set(rt.ResourceId, [...(byArn.get(rt.ResourceId) ?? []), ...(rt.TagsList ?? [])]);
        }
      }
      return byArn;
    });
    for (const arn of batch) {
      out.set(arn, r.ok ? { ok: true, value: r.value?.get(arn) ?? [] } : r);
    }
  }
  return out;
}

/** `Trail` with the first letter lowercased, as Config records it; no KMS key is null. */
export function trailConfiguration(t: Trail): JsonObject {
  return { ...configShape(t), kmsKeyId: t.KmsKeyId ?? null };
}
